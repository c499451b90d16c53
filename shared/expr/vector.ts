/**
 * Column-at-a-time evaluation for the numeric and boolean core of the language (columns,
 * constants, + - * / %, comparisons, and/or/not, is null, in): each node fills a Float64Array
 * (booleans as 0/1) plus a null mask, with no per-row closure calls or boxing. Expressions
 * that use anything else (strings, functions) take the per-row path; both give the same values.
 */
import { Bool, DateDay, Float64, Int64, makeData, TimestampMillisecond, Type } from 'apache-arrow';
import type { Data, Date_, Float, Int, Timestamp } from 'apache-arrow';
import type { Value } from '../arrow/columns.js';
import type { ColumnType } from '../dataset.js';
import type { ArithOp, CompareOp } from './ast.js';
import { nullMask, timeToMs } from './bits.js';
import { DAY_MS } from './dates.js';

/** Values (bool as 0/1) and a null mask (1 = null) or null when nothing is null. */
export interface Vec {
  v: Float64Array;
  n: Uint8Array | null;
}

export interface VecSource {
  readonly length: number;
  /** The column as a vector, or undefined when it is not numeric/bool/temporal. */
  vector(name: string): Vec | undefined;
}

/** Computes a node for every row; undefined when some input cannot be read as a vector. */
export type VecFn = (source: VecSource) => Vec | undefined;

const TWO32 = 4294967296;

/** An Arrow chunk as a vector, or undefined for strings and other types. */
export function vectorOfData(data: Data): Vec | undefined {
  const len = data.length;
  const off = data.offset;
  const mask = nullMask(data);
  let n: Uint8Array | null = null;
  if (mask !== null) {
    n = new Uint8Array(len);
    for (let i = 0; i < len; i++) n[i] = ((mask[(off + i) >> 3]! >> ((off + i) & 7)) & 1) ^ 1;
  }
  const values = data.values as unknown;
  let v: Float64Array;
  switch (data.typeId) {
    case Type.Float:
      if ((data.type as Float).precision === 0) return undefined;
      // A copy, never a view: a result that shared the input's buffer could be written twice in
      // a row, and arrow-js's IPC writer merges overlapping chunks of one buffer.
      v = values instanceof Float64Array ? values.slice(0, len) : copy(values as Float32Array, len, 1);
      break;
    case Type.Int:
      v = (data.type as Int).bitWidth === 64 ? int64ToFloat(values as BigInt64Array, len, (data.type as Int).isSigned) : copy(values as Int32Array, len, 1);
      break;
    case Type.Timestamp: {
      v = int64ToFloat(values as BigInt64Array, len, true);
      const unit = (data.type as Timestamp).unit;
      if (unit !== 1) {
        const toMs = timeToMs(unit);
        for (let i = 0; i < len; i++) v[i] = toMs(v[i]!);
      }
      break;
    }
    case Type.Date:
      v = (data.type as Date_).unit === 0 ? copy(values as Int32Array, len, DAY_MS) : int64ToFloat(values as BigInt64Array, len, true);
      break;
    case Type.Bool: {
      const bits = values as Uint8Array;
      v = new Float64Array(len);
      for (let i = 0; i < len; i++) v[i] = (bits[(off + i) >> 3]! >> ((off + i) & 7)) & 1;
      break;
    }
    default:
      return undefined;
  }
  return { v, n };
}

function copy(values: ArrayLike<number>, len: number, scale: number): Float64Array {
  const out = new Float64Array(len);
  if (scale === 1) for (let i = 0; i < len; i++) out[i] = values[i]!;
  else for (let i = 0; i < len; i++) out[i] = values[i]! * scale;
  return out;
}

function int64ToFloat(values: BigInt64Array, len: number, signed: boolean): Float64Array {
  const w = new Int32Array(values.buffer, values.byteOffset, len * 2);
  const out = new Float64Array(len);
  if (signed) for (let i = 0; i < len; i++) out[i] = w[2 * i + 1]! * TWO32 + (w[2 * i]! >>> 0);
  else for (let i = 0; i < len; i++) out[i] = (w[2 * i + 1]! >>> 0) * TWO32 + (w[2 * i]! >>> 0);
  return out;
}

/** Plain values (numbers/booleans/null) as a vector. */
export function vectorOfValues(values: readonly Value[]): Vec {
  const len = values.length;
  const v = new Float64Array(len);
  let n: Uint8Array | null = null;
  for (let i = 0; i < len; i++) {
    const x = values[i]!;
    if (x === null) (n ??= new Uint8Array(len))[i] = 1;
    else v[i] = x === true ? 1 : x === false ? 0 : (x as number);
  }
  return { v, n };
}

export function constantVec(value: Value, len: number): Vec {
  if (value === null) return { v: new Float64Array(len), n: new Uint8Array(len).fill(1) };
  return { v: new Float64Array(len).fill(value === true ? 1 : value === false ? 0 : (value as number)), n: null };
}

function orNulls(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (a === null) return b === null ? null : b.slice();
  if (b === null) return a.slice();
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! | b[i]!;
  return out;
}

export function arithVec(op: ArithOp, a: Vec, b: Vec): Vec {
  const x = a.v;
  const y = b.v;
  const len = x.length;
  const v = new Float64Array(len);
  let n = orNulls(a.n, b.n);
  switch (op) {
    case '+':
      for (let i = 0; i < len; i++) v[i] = x[i]! + y[i]!;
      break;
    case '-':
      for (let i = 0; i < len; i++) v[i] = x[i]! - y[i]!;
      break;
    case '*':
      for (let i = 0; i < len; i++) v[i] = x[i]! * y[i]!;
      break;
    case '/':
    case '%':
      for (let i = 0; i < len; i++) {
        const d = y[i]!;
        if (d === 0) (n ??= new Uint8Array(len))[i] = 1;
        else v[i] = op === '/' ? x[i]! / d : x[i]! % d;
      }
      break;
  }
  return { v, n };
}

export function negateVec(a: Vec): Vec {
  const v = new Float64Array(a.v.length);
  for (let i = 0; i < v.length; i++) v[i] = -a.v[i]!;
  return { v, n: a.n };
}

export function compareVec(op: CompareOp, a: Vec, b: Vec): Vec {
  const x = a.v;
  const y = b.v;
  const len = x.length;
  const v = new Float64Array(len);
  switch (op) {
    case '==':
      for (let i = 0; i < len; i++) v[i] = x[i]! === y[i]! ? 1 : 0;
      break;
    case '!=':
      for (let i = 0; i < len; i++) v[i] = x[i]! !== y[i]! ? 1 : 0;
      break;
    case '<':
      for (let i = 0; i < len; i++) v[i] = x[i]! < y[i]! ? 1 : 0;
      break;
    case '<=':
      for (let i = 0; i < len; i++) v[i] = x[i]! <= y[i]! ? 1 : 0;
      break;
    case '>':
      for (let i = 0; i < len; i++) v[i] = x[i]! > y[i]! ? 1 : 0;
      break;
    case '>=':
      for (let i = 0; i < len; i++) v[i] = x[i]! >= y[i]! ? 1 : 0;
      break;
  }
  return { v, n: orNulls(a.n, b.n) };
}

/** SQL and/or: a false (and) or true (or) operand decides; otherwise a null gives null. */
export function logicVec(op: 'and' | 'or', a: Vec, b: Vec): Vec {
  const len = a.v.length;
  const v = new Float64Array(len);
  if (a.n === null && b.n === null) {
    if (op === 'and') for (let i = 0; i < len; i++) v[i] = a.v[i]! !== 0 && b.v[i]! !== 0 ? 1 : 0;
    else for (let i = 0; i < len; i++) v[i] = a.v[i]! !== 0 || b.v[i]! !== 0 ? 1 : 0;
    return { v, n: null };
  }
  const decide = op === 'and' ? 0 : 1;
  const n = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const an = a.n !== null && a.n[i] === 1;
    const bn = b.n !== null && b.n[i] === 1;
    const x = a.v[i]! !== 0 ? 1 : 0;
    const y = b.v[i]! !== 0 ? 1 : 0;
    if ((!an && x === decide) || (!bn && y === decide)) v[i] = decide;
    else if (an || bn) n[i] = 1;
    else v[i] = 1 - decide;
  }
  return { v, n };
}

export function notVec(a: Vec): Vec {
  const v = new Float64Array(a.v.length);
  for (let i = 0; i < v.length; i++) v[i] = a.v[i] !== 0 ? 0 : 1;
  return { v, n: a.n };
}

export function isNullVec(a: Vec, negated: boolean, len: number): Vec {
  const v = new Float64Array(len);
  if (a.n !== null) for (let i = 0; i < len; i++) v[i] = a.n[i]! ^ (negated ? 1 : 0);
  else if (negated) v.fill(1);
  return { v, n: null };
}

/** `x [not] in (constants)`: found → true; else null if the list holds a null; else false. */
export function inSetVec(a: Vec, values: readonly Value[], negated: boolean): Vec {
  const set = new Set(values.filter((x) => x !== null).map((x) => (x === true ? 1 : x === false ? 0 : (x as number))));
  const listNull = values.includes(null);
  const len = a.v.length;
  const v = new Float64Array(len);
  const n = a.n === null ? (listNull ? new Uint8Array(len) : null) : a.n.slice();
  for (let i = 0; i < len; i++) {
    const hit = set.has(a.v[i]!);
    if (hit) v[i] = negated ? 0 : 1;
    else if (listNull) n![i] = 1;
    else v[i] = negated ? 1 : 0;
  }
  return { v, n };
}

export function vectorToValues(vec: Vec, type: ColumnType): Value[] {
  const { v, n } = vec;
  const out = new Array<Value>(v.length);
  const bool = type === 'bool';
  for (let i = 0; i < v.length; i++) out[i] = n !== null && n[i] === 1 ? null : bool ? v[i] !== 0 : v[i]!;
  return out;
}

/** An Arrow chunk of quiver type `type` straight from a vector. */
export function vectorToData(vec: Vec, type: ColumnType): Data {
  const { v, n } = vec;
  const len = v.length;
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (n !== null) {
    nullBitmap = new Uint8Array((len + 7) >> 3);
    for (let i = 0; i < len; i++) {
      if (n[i] === 1) nullCount++;
      else nullBitmap[i >> 3]! |= 1 << (i & 7);
    }
    if (nullCount === 0) nullBitmap = undefined;
  }
  const base = { length: len, nullCount, nullBitmap };
  switch (type) {
    case 'float':
      return makeData({ ...base, type: new Float64(), data: v });
    case 'bool': {
      const bits = new Uint8Array((len + 7) >> 3);
      for (let i = 0; i < len; i++) if (v[i] !== 0 && (n === null || n[i] === 0)) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ ...base, type: new Bool(), data: bits });
    }
    case 'date': {
      const days = new Int32Array(len);
      for (let i = 0; i < len; i++) days[i] = Math.floor(v[i]! / DAY_MS);
      return makeData({ ...base, type: new DateDay(), data: days });
    }
    case 'int':
    case 'timestamp': {
      const w = new Int32Array(len * 2);
      for (let i = 0; i < len; i++) {
        const x = Math.trunc(v[i]!);
        const hi = Math.floor(x / TWO32);
        w[2 * i] = (x - hi * TWO32) | 0;
        w[2 * i + 1] = hi | 0;
      }
      const data = new BigInt64Array(w.buffer);
      return type === 'int' ? makeData({ ...base, type: new Int64(), data }) : makeData({ ...base, type: new TimestampMillisecond(), data });
    }
    case 'string':
      throw new Error('internal: a string expression has no vector form');
  }
}
