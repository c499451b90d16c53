/**
 * The cleanse steps over one shard held as plain value columns ({@link Work}). Each step
 * rewrites its columns in place and counts what it changed into the task's action slots;
 * `coerce` with `onError: quarantine` marks rows dead and records why. Imputation needs its
 * value (or, for ffill, the carried values of earlier shards) from the coordinator.
 *
 * ```ts
 * const work = Work.fromTable(table, plan, uri);
 * applyStep(work, plan.steps[0], 0, slotOf(0), undefined);
 * ```
 */
import type { Table } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { columnTypeOf } from '../../arrow/schema.js';
import type { ColumnType } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { readColumnValues, readValues } from '../../expr/columns.js';
import { quarantineText } from '../../formats/quarantine.js';
import type { QuarantineRecord } from '../../formats/types.js';
import { convertValue, describeValue } from './coerce.js';
import type { CaseMode, ImputeStep, Step } from './types.js';
import { compareValues, decodeValue, isMissing, keyText, normalizeKey, titleCase } from './values.js';
import type { JsonValue } from './values.js';

export interface Column {
  type: ColumnType;
  values: Value[];
}

/**
 * The values `readColumnValues` gives, without its copy into a growing array when the table has
 * one batch (the usual shard): the reader's own fresh array.
 */
function columnValues(table: Table, name: string): Value[] {
  const idx = table.schema.fields.findIndex((f) => f.name === name);
  const only = table.batches.length === 1 ? table.batches[0]!.data.children[idx] : undefined;
  return idx >= 0 && only !== undefined ? readValues(only) : readColumnValues(table, name);
}

/** A column read as values only when a step first asks for them; until then the output copies its Arrow buffers. */
class LazyColumn implements Column {
  private loaded: Value[] | undefined;

  constructor(
    public type: ColumnType,
    private readonly table: Table,
    private readonly name: string,
  ) {}

  get values(): Value[] {
    return (this.loaded ??= columnValues(this.table, this.name));
  }

  /** Whether a step asked for the values (and may have changed them). */
  get touched(): boolean {
    return this.loaded !== undefined;
  }
}

/** What the coordinator resolved for an imputation step. */
export type Resolved = { value: JsonValue } | { carry: [string, JsonValue][] };

/** One shard's rows as value columns, the rows still alive, and the counters. */
export class Work {
  readonly cols = new Map<string, LazyColumn>();
  /** 1 while a row is kept; 0 once quarantined. */
  readonly alive: Uint8Array;
  readonly quarantine: QuarantineRecord[] = [];
  readonly changed: number[];
  readonly failed: number[];
  /** The input's values by column, read on the first rejected row (quarantine raw text). */
  private original: [string, Value[]][] | undefined;
  private readonly names: string[];

  constructor(
    readonly table: Table,
    slots: number,
    readonly source: string,
    private readonly keepOriginal: boolean,
  ) {
    for (const f of table.schema.fields) {
      if (!this.cols.has(f.name)) this.cols.set(f.name, new LazyColumn(columnType(table, f.name), table, f.name));
    }
    this.names = [...this.cols.keys()];
    this.alive = new Uint8Array(table.numRows).fill(1);
    this.changed = new Array<number>(slots).fill(0);
    this.failed = new Array<number>(slots).fill(0);
  }

  get rows(): number {
    return this.alive.length;
  }

  col(name: string): LazyColumn {
    const c = this.cols.get(name);
    if (c === undefined) throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${this.source} has no column '${name}' although the stage's input schema has it; re-run the stage that wrote it`);
    return c;
  }

  /** Quarantines row `i` with `reason` (its original values as the raw text). */
  reject(i: number, reason: string): void {
    if (this.alive[i] === 0) return;
    this.alive[i] = 0;
    if (this.keepOriginal) this.original ??= this.names.map((n) => [n, columnValues(this.table, n)]);
    const raw: Record<string, Value> = {};
    for (const [n, v] of this.original ?? []) raw[n] = v[i] ?? null;
    this.quarantine.push(quarantineText(this.source, i + 1, reason, JSON.stringify(raw)));
  }
}

function columnType(table: Table, name: string): ColumnType {
  return columnTypeOf(table.schema.fields.find((f) => f.name === name)!.type);
}

/** Rewrites the live values of a column with `f`, counting changed values into slot `slot`. */
function rewrite(work: Work, column: string, slot: number, f: (v: Value) => Value): void {
  const values = work.col(column).values;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (work.alive[i] === 0) continue;
    const v = values[i]!;
    const w = f(v);
    if (w !== v && !(Number.isNaN(w) && Number.isNaN(v))) {
      values[i] = w;
      n++;
    }
  }
  work.changed[slot]! += n;
}

const CASES: Readonly<Record<CaseMode, (s: string) => string>> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  title: titleCase,
};

function coerceColumn(work: Work, column: string, from: ColumnType, to: ColumnType, slot: number, quarantine: boolean, path: string): void {
  const col = work.col(column);
  const values = col.values;
  col.type = to;
  if (from === to) return;
  for (let i = 0; i < values.length; i++) {
    if (work.alive[i] === 0) continue;
    const v = values[i]!;
    if (v === null) continue;
    const w = convertValue(v, from, to);
    if (w !== undefined) {
      values[i] = w;
      work.changed[slot]!++;
      continue;
    }
    work.failed[slot]!++;
    values[i] = null;
    if (quarantine) work.reject(i, `${path}.${column}: ${describeValue(v)} is not a valid ${to}`);
  }
}

function clip(v: Value, min: number | undefined, max: number | undefined): Value {
  if (typeof v !== 'number' || Number.isNaN(v)) return v;
  if (min !== undefined && v < min) return min;
  if (max !== undefined && v > max) return max;
  return v;
}

/** Applies one step; `slot` is the step's first action slot; `resolved` is required for stat imputations. */
export function applyStep(work: Work, step: Step, slot: number, resolved: Resolved | undefined): void {
  switch (step.kind) {
    case 'trim':
      step.columns.forEach((c, k) => rewrite(work, c, slot + k, (v) => (typeof v === 'string' ? v.trim() : v)));
      return;
    case 'case':
      step.columns.forEach(({ column, mode }, k) => rewrite(work, column, slot + k, (v) => (typeof v === 'string' ? CASES[mode](v) : v)));
      return;
    case 'map': {
      const table = new Map(step.values);
      rewrite(work, step.column, slot, (v) => {
        if (typeof v !== 'string') return v;
        const to = table.get(normalizeKey(v, step.match));
        return to === undefined ? v : to;
      });
      return;
    }
    case 'coerce':
      step.columns.forEach(({ column, from, to }, k) => coerceColumn(work, column, from, to, slot + k, step.onError === 'quarantine', step.path));
      return;
    case 'clip':
      rewrite(work, step.column, slot, (v) => clip(v, step.min, step.max));
      return;
    case 'drop':
      for (const c of step.columns) work.cols.delete(c);
      return;
    case 'impute':
      imputeColumn(work, step, slot, resolved);
      return;
  }
}

function imputeColumn(work: Work, step: ImputeStep, slot: number, resolved: Resolved | undefined): void {
  if (step.strategy === 'constant') {
    const value = step.value ?? null;
    rewrite(work, step.column, slot, (v) => (isMissing(v) ? value : v));
    return;
  }
  if (resolved === undefined) throw QuiverError.nonRetryable('INTERNAL', `${step.path}: the ${step.strategy} value was not resolved before the apply phase`);
  if ('value' in resolved) {
    const value = decodeValue(resolved.value);
    if (value !== null) rewrite(work, step.column, slot, (v) => (isMissing(v) ? value : v));
    return;
  }
  const last = new Map<string, Value>(resolved.carry.map(([k, v]) => [k, decodeValue(v)]));
  const values = work.col(step.column).values;
  walkSeries(work, step, (i, key) => {
    const v = values[i]!;
    if (!isMissing(v)) {
      last.set(key, v);
      return;
    }
    const fill = last.get(key);
    if (fill !== undefined) {
      values[i] = fill;
      work.changed[slot]!++;
    }
  });
}

/**
 * Calls `visit(row, seriesKey)` for each live row in shard order, checking that `order`
 * never goes down within a series (nulls in `order` are not checked).
 */
export function walkSeries(work: Work, step: ImputeStep, visit: (i: number, key: string) => void): void {
  const by = (step.by ?? []).map((c) => work.col(c).values);
  const order = step.order === undefined ? undefined : work.col(step.order).values;
  const lastOrder = new Map<string, Value>();
  const parts = new Array<Value>(by.length);
  for (let i = 0; i < work.rows; i++) {
    if (work.alive[i] === 0) continue;
    for (let j = 0; j < by.length; j++) parts[j] = by[j]![i]!;
    const key = keyText(parts);
    if (order !== undefined) {
      const o = order[i]!;
      const prev = lastOrder.get(key);
      if (o !== null && prev !== undefined && compareValues(o, prev) < 0) {
        const series = step.by!.length === 0 ? '' : ` of series ${step.by!.map((c, j) => `${c}=${describeValue(parts[j]!)}`).join(', ')}`;
        throw QuiverError.nonRetryable(
          'INPUT_INVALID',
          `${step.path}: shard ${work.source} row ${i + 1}${series} has ${step.order}=${describeValue(o)}, before the previous row's ${describeValue(prev)}; ffill needs each series sorted by ${step.order} in dataset order: sort the input first`,
        );
      }
      if (o !== null) lastOrder.set(key, o);
    }
    visit(i, key);
  }
}
