/**
 * Per-group aggregate states, column-at-a-time. Phase 0 folds input rows (`addRows`) and
 * writes partial columns; phase 1 folds partial rows (`mergeRows`) and writes the final column.
 * Partial states: count → n; sum/mean → sum + non-null count; min/max → value; count_distinct
 * → the exact list of distinct values. Partials are merged in input (shard) order, so float
 * sums come out the same whatever the number of workers or partitions.
 */
import type { Data, Field as ArrowField } from 'apache-arrow';
import { Field } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { arrowType } from '../../arrow/schema.js';
import type { ColumnType } from '../../dataset.js';
import { dataFromValues } from '../../expr/batch.js';
import { readValues } from '../../expr/columns.js';
import { forEachListValue, int64Data, listData, listType, readInt64Exact } from './arrow.js';
import type { IntValue } from './arrow.js';
import type { AggPlanItem } from './spec.js';

/** Reads a partial column of the current batch by name. */
export type PartialColumn = (name: string) => Data;

export interface Accumulator {
  /** Arrow fields of this aggregate's partial columns. */
  readonly partialFields: ArrowField[];
  /** Makes room for groups [0, size). */
  grow(size: number): void;
  /** Phase 0: folds `n` input rows; `values` is the aggregate's column (null for count(*)). */
  addRows(gids: Int32Array, n: number, values: readonly Value[] | null): void;
  /** Phase 1: folds `n` partial rows. */
  mergeRows(gids: Int32Array, n: number, col: PartialColumn): void;
  partialData(order: Int32Array): Data[];
  finalData(order: Int32Array): Data;
}

function pick<T>(values: readonly T[], order: Int32Array): T[] {
  return Array.from(order, (g) => values[g]!);
}

class CountAcc implements Accumulator {
  private n: number[] = [];
  readonly partialFields: ArrowField[];
  constructor(private readonly name: string) {
    this.partialFields = [new Field(name, arrowType('int'), false)];
  }
  grow(size: number): void {
    while (this.n.length < size) this.n.push(0);
  }
  addRows(gids: Int32Array, n: number, values: readonly Value[] | null): void {
    const c = this.n;
    if (values === null) for (let i = 0; i < n; i++) c[gids[i]!]!++;
    else for (let i = 0; i < n; i++) if (values[i] !== null) c[gids[i]!]!++;
  }
  mergeRows(gids: Int32Array, n: number, col: PartialColumn): void {
    const p = readValues(col(this.name));
    for (let i = 0; i < n; i++) this.n[gids[i]!]! += p[i] as number;
  }
  partialData(order: Int32Array): Data[] {
    return [dataFromValues('int', pick(this.n, order))];
  }
  finalData(order: Int32Array): Data {
    return dataFromValues('int', pick(this.n, order));
  }
}

/** Sum and non-null count; int sums stay exact past 2^53 by moving to bigint. */
class SumAcc implements Accumulator {
  private s: number[] = [];
  private n: number[] = [];
  private readonly big = new Map<number, bigint>();
  readonly partialFields: ArrowField[];
  constructor(
    private readonly name: string,
    private readonly type: 'int' | 'float',
    private readonly mean: boolean,
    private readonly what: string,
  ) {
    this.partialFields = [new Field(`${name}_s`, arrowType(type), true), new Field(`${name}_n`, arrowType('int'), false)];
  }
  grow(size: number): void {
    while (this.s.length < size) {
      this.s.push(0);
      this.n.push(0);
    }
  }
  private add(g: number, v: number | bigint): void {
    if (this.n[g] === 0 && typeof v === 'number') this.s[g] = v;
    else if (this.type === 'float') this.s[g]! += v as number;
    else {
      const b = this.big.get(g);
      const t = this.s[g]! + Number(v);
      if (b === undefined && typeof v === 'number' && Number.isSafeInteger(t)) this.s[g] = t;
      else {
        this.big.set(g, (b ?? BigInt(this.s[g]!)) + BigInt(v));
        this.s[g] = 0;
      }
    }
  }
  addRows(gids: Int32Array, n: number, values: readonly Value[] | null): void {
    const vals = values!;
    for (let i = 0; i < n; i++) {
      const v = vals[i]!;
      if (v === null) continue;
      const g = gids[i]!;
      this.add(g, v as number);
      this.n[g]!++;
    }
  }
  mergeRows(gids: Int32Array, n: number, col: PartialColumn): void {
    const ps: readonly IntValue[] = this.type === 'int' ? readInt64Exact(col(`${this.name}_s`)) : (readValues(col(`${this.name}_s`)) as number[]);
    const pn = readValues(col(`${this.name}_n`));
    for (let i = 0; i < n; i++) {
      const k = pn[i] as number;
      if (k === 0) continue;
      const g = gids[i]!;
      this.add(g, ps[i]!);
      this.n[g]! += k;
    }
  }
  private total(g: number): IntValue {
    if (this.n[g] === 0) return null;
    const b = this.big.get(g);
    return b === undefined ? this.s[g]! : b + BigInt(this.s[g]!);
  }
  partialData(order: Int32Array): Data[] {
    const sums = Array.from(order, (g) => this.total(g));
    const s = this.type === 'int' ? int64Data(sums, this.what) : dataFromValues('float', sums as Value[]);
    return [s, dataFromValues('int', pick(this.n, order))];
  }
  finalData(order: Int32Array): Data {
    const sums = Array.from(order, (g) => this.total(g));
    if (this.mean) return dataFromValues('float', sums.map((v, k) => (v === null ? null : Number(v) / this.n[order[k]!]!)));
    return this.type === 'int' ? int64Data(sums, this.what) : dataFromValues('float', sums as Value[]);
  }
}

/** min/max with a total order: NaN above every number (as PostgreSQL orders floats). */
class ExtremeAcc implements Accumulator {
  private v: Value[] = [];
  readonly partialFields: ArrowField[];
  private readonly better: (a: Value, b: Value) => boolean;
  constructor(
    private readonly name: string,
    private readonly type: ColumnType,
    max: boolean,
  ) {
    this.partialFields = [new Field(name, arrowType(type), true)];
    const nan = (x: Value): boolean => typeof x === 'number' && Number.isNaN(x);
    this.better = max ? (a, b) => (a as number) > (b as number) || (nan(a) && !nan(b)) : (a, b) => (a as number) < (b as number) || (nan(b) && !nan(a));
  }
  grow(size: number): void {
    while (this.v.length < size) this.v.push(null);
  }
  addRows(gids: Int32Array, n: number, values: readonly Value[] | null): void {
    const vals = values!;
    const cur = this.v;
    for (let i = 0; i < n; i++) {
      const x = vals[i]!;
      if (x === null) continue;
      const g = gids[i]!;
      const c = cur[g]!;
      if (c === null || this.better(x, c)) cur[g] = x;
    }
  }
  mergeRows(gids: Int32Array, n: number, col: PartialColumn): void {
    this.addRows(gids, n, readValues(col(this.name)));
  }
  partialData(order: Int32Array): Data[] {
    return [dataFromValues(this.type, pick(this.v, order))];
  }
  finalData(order: Int32Array): Data {
    return dataFromValues(this.type, pick(this.v, order));
  }
}

/** Exact distinct counts: the distinct non-null values travel as a list per group. */
class DistinctAcc implements Accumulator {
  private sets: Set<Value>[] = [];
  readonly partialFields: ArrowField[];
  constructor(
    private readonly name: string,
    private readonly type: ColumnType,
  ) {
    this.partialFields = [new Field(name, listType(type), false)];
  }
  grow(size: number): void {
    while (this.sets.length < size) this.sets.push(new Set());
  }
  addRows(gids: Int32Array, n: number, values: readonly Value[] | null): void {
    const vals = values!;
    for (let i = 0; i < n; i++) {
      const x = vals[i]!;
      if (x !== null) this.sets[gids[i]!]!.add(x === 0 ? 0 : x);
    }
  }
  mergeRows(gids: Int32Array, _n: number, col: PartialColumn): void {
    forEachListValue(col(this.name), (row, v) => {
      if (v !== null) this.sets[gids[row]!]!.add(v);
    });
  }
  partialData(order: Int32Array): Data[] {
    return [listData(this.type, Array.from(order, (g) => [...this.sets[g]!]))];
  }
  finalData(order: Int32Array): Data {
    return dataFromValues('int', Array.from(order, (g) => this.sets[g]!.size));
  }
}

/** The accumulator of aggregate `i`; its partial columns are named `a<i>...`. */
export function makeAccumulator(a: AggPlanItem, i: number): Accumulator {
  const name = `a${i}`;
  const what = `${a.fn}(${a.column ?? '*'}) as ${a.as}`;
  switch (a.fn) {
    case 'count':
      return new CountAcc(name);
    case 'sum':
    case 'mean':
      return new SumAcc(name, a.type === 'int' ? 'int' : 'float', a.fn === 'mean', what);
    case 'min':
    case 'max':
      return new ExtremeAcc(name, a.type!, a.fn === 'max');
    case 'count_distinct':
      return new DistinctAcc(name, a.type!);
  }
}
