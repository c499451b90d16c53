/**
 * Fast column building and reading. Builders fill typed arrays and a validity bitmap and hand
 * them to Arrow without per-value boxing; readers give kernels plain JS values (numbers,
 * strings, booleans; ints, timestamps and dates as numbers) or null.
 */
import { makeData, RecordBatch, Struct, Table, Type } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import type { ColumnType, SchemaDef } from '../dataset.js';
import { arrowType, toArrowSchema } from './schema.js';

export type Value = number | string | boolean | null;

const encoder = new TextEncoder();

/** Appends values of one column type; `finish()` returns an Arrow Data. */
export class ColumnBuilder {
  readonly type: ColumnType;
  length = 0;
  nullCount = 0;
  private validity: Uint8Array;
  private nums: Float64Array | BigInt64Array | Int32Array | Uint8Array;
  private strBytes: Uint8Array;
  private strLen = 0;
  private offsets: Int32Array;

  constructor(type: ColumnType, capacity = 1024) {
    this.type = type;
    const cap = Math.max(capacity, 16);
    this.validity = new Uint8Array(Math.ceil(cap / 8));
    this.offsets = new Int32Array(type === 'string' ? cap + 1 : 1);
    this.strBytes = new Uint8Array(type === 'string' ? cap * 16 : 0);
    this.nums = allocValues(type, type === 'string' ? 0 : cap);
  }

  private grow(): void {
    const cap = this.capacity() * 2;
    const validity = new Uint8Array(Math.ceil(cap / 8));
    validity.set(this.validity);
    this.validity = validity;
    if (this.type === 'string') {
      const offsets = new Int32Array(cap + 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
    } else {
      const nums = allocValues(this.type, cap);
      (nums as Float64Array).set(this.nums as Float64Array);
      this.nums = nums;
    }
  }

  private capacity(): number {
    return this.type === 'string' ? this.offsets.length - 1 : this.nums.length * (this.type === 'bool' ? 8 : 1);
  }

  appendNull(): void {
    if (this.length >= this.capacity()) this.grow();
    if (this.type === 'string') this.offsets[this.length + 1] = this.strLen;
    this.nullCount++;
    this.length++;
  }

  /** Appends a value already of the column's JS type (number for int/float/timestamp/date). */
  append(value: Value | undefined): void {
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value) && this.type !== 'float')) {
      this.appendNull();
      return;
    }
    if (this.length >= this.capacity()) this.grow();
    const i = this.length;
    this.validity[i >> 3]! |= 1 << (i & 7);
    switch (this.type) {
      case 'float':
        (this.nums as Float64Array)[i] = value as number;
        break;
      case 'int':
      case 'timestamp':
        (this.nums as BigInt64Array)[i] = BigInt(Math.trunc(value as number));
        break;
      case 'date':
        (this.nums as Int32Array)[i] = Math.floor((value as number) / 86_400_000);
        break;
      case 'bool':
        if (value === true) this.nums[i >> 3] = (this.nums[i >> 3] as number) | (1 << (i & 7));
        break;
      case 'string': {
        const s = String(value);
        const need = this.strLen + s.length * 3;
        if (need > this.strBytes.length) {
          const bytes = new Uint8Array(Math.max(need, this.strBytes.length * 2));
          bytes.set(this.strBytes.subarray(0, this.strLen));
          this.strBytes = bytes;
        }
        this.strLen += encoder.encodeInto(s, this.strBytes.subarray(this.strLen)).written;
        this.offsets[i + 1] = this.strLen;
        break;
      }
    }
    this.length++;
  }

  finish(): Data {
    const type = arrowType(this.type);
    const nullBitmap = this.nullCount > 0 ? this.validity.slice(0, Math.ceil(this.length / 8)) : undefined;
    const base = { type, length: this.length, nullCount: this.nullCount, nullBitmap } as const;
    if (this.type === 'string') {
      return makeData({
        ...base,
        type: type as never,
        valueOffsets: this.offsets.slice(0, this.length + 1),
        data: this.strBytes.slice(0, this.strLen),
      }) as Data;
    }
    const n = this.type === 'bool' ? Math.ceil(this.length / 8) : this.length;
    return makeData({ ...base, type: type as never, data: this.nums.slice(0, n) as never }) as Data;
  }
}

function allocValues(type: ColumnType, cap: number): Float64Array | BigInt64Array | Int32Array | Uint8Array {
  switch (type) {
    case 'float':
      return new Float64Array(cap);
    case 'int':
    case 'timestamp':
      return new BigInt64Array(cap);
    case 'date':
      return new Int32Array(cap);
    case 'bool':
      return new Uint8Array(Math.ceil(cap / 8));
    case 'string':
      return new Uint8Array(0);
  }
}

/** Builds a table from finished builders in schema order. */
export function tableFromBuilders(schema: SchemaDef, builders: ColumnBuilder[]): Table {
  const arrowSchema = toArrowSchema(schema);
  const children = schema.fields.map((_, i) => builders[i]!.finish());
  const length = children[0]?.length ?? 0;
  // One record batch built from a struct Data: works for zero rows too, and keeps the declared schema.
  const batch = new RecordBatch(arrowSchema, makeData({ type: new Struct(arrowSchema.fields), length, nullCount: 0, children }));
  return new Table([batch]);
}

/** Reads a column as plain JS values: numbers for int/float/timestamp/date, strings, booleans, or null. */
export function readColumn(table: Table, name: string): Value[] {
  const vec = table.getChild(name);
  if (vec === null) return [];
  const out = new Array<Value>(vec.length);
  const isInt = vec.type.typeId === Type.Int;
  let i = 0;
  for (const v of vec) {
    out[i++] = v === null || v === undefined ? null : isInt ? Number(v) : (v as Value);
  }
  return out;
}
