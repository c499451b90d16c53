/**
 * Frames: the columnar input of a feature pipeline (see ./types.ts), made from an Arrow table or
 * one record, and the ordered working frame (`Work`) that steps transform. Numeric columns are
 * Float64Array with NaN for missing (bool → 0/1, date → days since epoch, timestamp → ms);
 * text columns are `(string | null)[]`.
 *
 * ```ts
 * const frame = frameFromTable(table, ['age', 'country']);
 * frame.columns.age;      // Float64Array
 * frame.columns.country;  // (string | null)[]
 * ```
 */
import { Type } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import type { ColumnType } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { readValues } from '../../expr/columns.js';
import { DAY_MS, parseTimestamp } from '../../expr/dates.js';
import { vectorOfData } from '../../expr/vector.js';
import type { ColumnData, Frame, TextColumn } from './types.js';

/** A frame plus its column order: what steps read and return. Steps never mutate input arrays. */
export interface Work {
  rows: number;
  cols: Map<string, ColumnData>;
  order: string[];
}

export function inputError(message: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', message);
}

export const isNumericType = (t: ColumnType): boolean => t !== 'string';

/**
 * Reads `columns` of an Arrow table: int/float → Float64 (null → NaN), bool → 0/1, date → days
 * since epoch, timestamp → ms, string → (string | null)[].
 */
export function frameFromTable(table: Table, columns: string[]): Frame {
  const out: Record<string, ColumnData> = {};
  const rows = table.numRows;
  for (const name of columns) {
    const idx = table.schema.fields.findIndex((f) => f.name === name);
    if (idx < 0) throw inputError(`the input has no column '${name}' that the feature pipeline reads; its columns: ${table.schema.fields.map((f) => f.name).join(', ')}`);
    const typeId = table.schema.fields[idx]!.type.typeId;
    if (typeId === Type.Utf8 || typeId === Type.LargeUtf8 || typeId === Type.Dictionary) {
      const text: TextColumn = new Array<string | null>(rows);
      let at = 0;
      for (const b of table.batches) {
        for (const v of readValues(b.data.children[idx]!)) text[at++] = v === null ? null : String(v);
      }
      Object.defineProperty(out, name, { value: text, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const num = new Float64Array(rows);
    const isDate = typeId === Type.Date;
    let at = 0;
    for (const b of table.batches) {
      const vec = vectorOfData(b.data.children[idx]!);
      if (vec === undefined) throw inputError(`column '${name}' has Arrow type ${String(table.schema.fields[idx]!.type)}, which a feature pipeline cannot read; cast it to int, float, bool, date, timestamp or string first`);
      const { v, n } = vec;
      for (let i = 0; i < v.length; i++) num[at + i] = n !== null && n[i] !== 0 ? NaN : isDate ? Math.floor(v[i]! / DAY_MS) : v[i]!;
      at += v.length;
    }
    Object.defineProperty(out, name, { value: num, enumerable: true, writable: true, configurable: true });
  }
  return { rows, columns: out };
}

/** Rows [from, to) of a frame: numeric columns are views, text columns copies of the slots. */
export function sliceFrame(frame: Frame, from: number, to: number): Frame {
  const out: Record<string, ColumnData> = {};
  for (const [name, c] of Object.entries(frame.columns)) {
    Object.defineProperty(out, name, { value: c instanceof Float64Array ? c.subarray(from, to) : c.slice(from, to), enumerable: true, writable: true, configurable: true });
  }
  return { rows: to - from, columns: out };
}

function recordValue(name: string, type: ColumnType, v: unknown): number | string | null {
  if (v === null || v === undefined) return null;
  const bad = (): QuiverError => inputError(`record field '${name}': ${JSON.stringify(v)} is not a valid ${type} value`);
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw bad();
    case 'bool':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v === 0 || v === 1) return v;
      throw bad();
    case 'date':
    case 'timestamp': {
      let ms: number | null;
      if (v instanceof Date) ms = v.getTime();
      else if (typeof v === 'string') ms = parseTimestamp(v);
      else if (typeof v === 'number' && Number.isFinite(v)) return v;
      else ms = null;
      if (ms === null || !Number.isFinite(ms)) throw bad();
      return type === 'date' ? Math.floor(ms / DAY_MS) : ms;
    }
    default:
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      throw bad();
  }
}

/**
 * One record as a 1-row frame. Numbers for int/float; booleans (or 0/1) for bool; dates and
 * timestamps as ISO text, a Date, or a number (days since epoch for date, ms for timestamp);
 * text as strings (numbers are turned into text). null/absent → missing.
 */
export function frameFromRecord(input: readonly { name: string; type: string }[], record: Record<string, unknown>): Frame {
  if (typeof record !== 'object' || record === null) throw inputError('the record must be an object of field → value');
  const columns: Record<string, ColumnData> = {};
  for (const { name, type } of input) {
    const v = recordValue(name, type as ColumnType, Object.hasOwn(record, name) ? record[name] : undefined);
    const col: ColumnData = type === 'string' ? [v as string | null] : Float64Array.of(v === null ? NaN : (v as number));
    Object.defineProperty(columns, name, { value: col, enumerable: true, writable: true, configurable: true });
  }
  return { rows: 1, columns };
}

/** Checks a frame against the pipeline's inputs and wraps it as a Work (arrays are shared, not copied). */
export function workOf(frame: Frame, input: readonly { name: string; type: string }[]): Work {
  if (typeof frame !== 'object' || frame === null || !Number.isInteger(frame.rows) || frame.rows < 0) throw inputError('frame: must be { rows, columns }');
  const cols = new Map<string, ColumnData>();
  for (const { name, type } of input) {
    const c = Object.hasOwn(frame.columns, name) ? frame.columns[name] : undefined;
    if (c === undefined) throw inputError(`frame: no column '${name}', which the feature pipeline reads`);
    if (type === 'string' ? !Array.isArray(c) : !(c instanceof Float64Array)) {
      throw inputError(`frame column '${name}': a ${type} column must be ${type === 'string' ? 'an array of strings or null' : 'a Float64Array'}`);
    }
    if (c.length !== frame.rows) throw inputError(`frame column '${name}' has ${c.length} values for ${frame.rows} rows`);
    cols.set(name, c);
  }
  return { rows: frame.rows, cols, order: input.map((f) => f.name) };
}

export function frameOfWork(w: Work): Frame {
  const columns: Record<string, ColumnData> = {};
  for (const name of w.order) Object.defineProperty(columns, name, { value: w.cols.get(name)!, enumerable: true, writable: true, configurable: true });
  return { rows: w.rows, columns };
}

/** Only the rows where mask[i] !== 0. */
export function takeRows(w: Work, mask: Uint8Array): Work {
  let n = 0;
  for (let i = 0; i < w.rows; i++) if (mask[i] !== 0) n++;
  const cols = new Map<string, ColumnData>();
  for (const [name, c] of w.cols) {
    if (c instanceof Float64Array) {
      const out = new Float64Array(n);
      for (let i = 0, k = 0; i < w.rows; i++) if (mask[i] !== 0) out[k++] = c[i]!;
      cols.set(name, out);
    } else {
      const out = new Array<string | null>(n);
      for (let i = 0, k = 0; i < w.rows; i++) if (mask[i] !== 0) out[k++] = c[i]!;
      cols.set(name, out);
    }
  }
  return { rows: n, cols, order: [...w.order] };
}

export function checkMask(mask: Uint8Array | null, rows: number): void {
  if (mask !== null && mask.length !== rows) throw inputError(`row mask has ${mask.length} entries for ${rows} rows`);
}

export function num(w: Work, name: string, step: string): Float64Array {
  const c = w.cols.get(name);
  if (!(c instanceof Float64Array)) throw inputError(`${step}: column '${name}' ${c === undefined ? 'is missing' : 'is text, not numeric'} in the frame`);
  return c;
}

export function text(w: Work, name: string, step: string): TextColumn {
  const c = w.cols.get(name);
  if (!Array.isArray(c)) throw inputError(`${step}: column '${name}' ${c === undefined ? 'is missing' : 'is numeric, not text'} in the frame`);
  return c;
}

/** `n` zeroed columns of `rows` values, views of one buffer (one allocation for a wide step). */
export function columnBlock(n: number, rows: number): Float64Array[] {
  const block = new Float64Array(n * rows);
  return Array.from({ length: n }, (_, k) => block.subarray(k * rows, (k + 1) * rows));
}

/** A shallow copy: new map and order, shared arrays. */
export function copyWork(w: Work): Work {
  return { rows: w.rows, cols: new Map(w.cols), order: [...w.order] };
}

/** Replaces column `name` by `names` (in order) at its position. */
export function spliceColumn(w: Work, name: string, names: string[], data: ColumnData[]): void {
  const at = w.order.indexOf(name);
  w.cols.delete(name);
  names.forEach((n, i) => w.cols.set(n, data[i]!));
  if (at < 0) w.order.push(...names);
  else w.order.splice(at, 1, ...names);
}
