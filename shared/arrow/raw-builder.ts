/**
 * A column builder for parsers: appends values straight from bytes and typed numbers, with no
 * per-value boxing (no BigInt for int64, no string for UTF-8), and can roll back the values of
 * a row that turned out to be bad. `finish()` hands the buffers to Arrow as one `Data`.
 *
 * ```ts
 * const b = new RawColumnBuilder('int', 1024);
 * b.appendInt(42); b.appendNull(); b.rollback(1); // drops the null again
 * const vector = makeVector(b.finish());
 * ```
 *
 * Storage per type: int and timestamp as int64 (written as two int32 words, little-endian),
 * float as float64, date as int32 days, bool as a bitmap, string as UTF-8 bytes + int32 offsets.
 */
import { makeData, RecordBatch, Struct, Table } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import type { ColumnType, SchemaDef } from '../dataset.js';
import { arrowType, toArrowSchema } from './schema.js';

const TWO32 = 4294967296;
const encoder = new TextEncoder();

export class RawColumnBuilder {
  readonly type: ColumnType;
  length = 0;
  nullCount = 0;
  private cap: number;
  private validity: Uint8Array;
  /** float64 values (float). */
  private f64: Float64Array = new Float64Array(0);
  /** int64 values as int32 word pairs (int, timestamp); `i64` views the same buffer. */
  private i32: Int32Array = new Int32Array(0);
  private i64: BigInt64Array = new BigInt64Array(0);
  /** int32 days (date) or string offsets (string). */
  private offsets: Int32Array = new Int32Array(0);
  /** bool bitmap or UTF-8 bytes. */
  private bytes: Uint8Array = new Uint8Array(0);
  private byteLen = 0;

  constructor(type: ColumnType, capacity = 1024) {
    this.type = type;
    this.cap = Math.max(16, capacity);
    this.validity = new Uint8Array(Math.ceil(this.cap / 8));
    this.alloc(this.cap, 0);
  }

  private alloc(cap: number, keep: number): void {
    switch (this.type) {
      case 'float': {
        const f = new Float64Array(cap);
        f.set(this.f64.subarray(0, keep));
        this.f64 = f;
        break;
      }
      case 'int':
      case 'timestamp': {
        const b = new BigInt64Array(cap);
        b.set(this.i64.subarray(0, keep));
        this.i64 = b;
        this.i32 = new Int32Array(b.buffer);
        break;
      }
      case 'date': {
        const d = new Int32Array(cap);
        d.set(this.offsets.subarray(0, keep));
        this.offsets = d;
        break;
      }
      case 'bool': {
        const bits = new Uint8Array(Math.ceil(cap / 8));
        bits.set(this.bytes.subarray(0, Math.ceil(keep / 8)));
        this.bytes = bits;
        break;
      }
      case 'string': {
        const o = new Int32Array(cap + 1);
        o.set(this.offsets.subarray(0, keep + 1));
        this.offsets = o;
        if (this.bytes.length === 0) this.bytes = new Uint8Array(cap * 8);
        break;
      }
    }
  }

  private grow(): void {
    const cap = this.cap * 2;
    const validity = new Uint8Array(Math.ceil(cap / 8));
    validity.set(this.validity);
    this.validity = validity;
    this.alloc(cap, this.length);
    this.cap = cap;
  }

  /** Marks slot `length` valid and returns it, growing as needed. */
  private slot(): number {
    if (this.length >= this.cap) this.grow();
    const i = this.length++;
    this.validity[i >> 3]! |= 1 << (i & 7);
    return i;
  }

  appendNull(): void {
    if (this.length >= this.cap) this.grow();
    const i = this.length++;
    this.validity[i >> 3]! &= ~(1 << (i & 7));
    this.nullCount++;
    if (this.type === 'string') this.offsets[i + 1] = this.byteLen;
  }

  // Note: take the slot first; `this.f64[this.slot()]` would read the array before growing it.
  appendFloat(v: number): void {
    const i = this.slot();
    this.f64[i] = v;
  }

  /** An integer-valued number (int, or ms since the epoch for timestamp). */
  appendInt(v: number): void {
    const i = this.slot() << 1;
    const hi = Math.floor(v / TWO32);
    this.i32[i] = (v - hi * TWO32) | 0;
    this.i32[i + 1] = hi;
  }

  appendBigInt(v: bigint): void {
    const i = this.slot();
    this.i64[i] = v;
  }

  /** Days since the epoch (date). */
  appendDays(days: number): void {
    const i = this.slot();
    this.offsets[i] = days;
  }

  appendBool(v: boolean): void {
    const i = this.slot();
    if (v) this.bytes[i >> 3]! |= 1 << (i & 7);
    else this.bytes[i >> 3]! &= ~(1 << (i & 7));
  }

  private reserveBytes(n: number): void {
    const need = this.byteLen + n;
    if (need <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(need, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.byteLen));
    this.bytes = next;
  }

  /** Appends UTF-8 bytes `src[start, end)` as one string value. */
  appendUtf8(src: Uint8Array, start: number, end: number): void {
    const i = this.slot();
    const n = end - start;
    this.reserveBytes(n);
    if (n < 24) {
      const out = this.bytes;
      let o = this.byteLen;
      for (let p = start; p < end; p++) out[o++] = src[p]!;
    } else {
      this.bytes.set(src.subarray(start, end), this.byteLen);
    }
    this.byteLen += n;
    this.offsets[i + 1] = this.byteLen;
  }

  /** Appends `src[start, end)` with every doubled `quote` byte collapsed to one (CSV escapes). */
  appendUtf8Unescaped(src: Uint8Array, start: number, end: number, quote: number): void {
    const i = this.slot();
    this.reserveBytes(end - start);
    const out = this.bytes;
    let o = this.byteLen;
    for (let p = start; p < end; p++) {
      const c = src[p]!;
      out[o++] = c;
      if (c === quote) p++;
    }
    this.byteLen = o;
    this.offsets[i + 1] = o;
  }

  appendString(s: string): void {
    const i = this.slot();
    this.reserveBytes(s.length * 3);
    this.byteLen += encoder.encodeInto(s, this.bytes.subarray(this.byteLen)).written;
    this.offsets[i + 1] = this.byteLen;
  }

  /** Drops values until `length` is back to `to` (used to undo a rejected row). */
  rollback(to: number): void {
    while (this.length > to) {
      const i = --this.length;
      if ((this.validity[i >> 3]! & (1 << (i & 7))) === 0) this.nullCount--;
    }
    if (this.type === 'string') this.byteLen = this.offsets[to]!;
  }

  finish(): Data {
    const type = arrowType(this.type);
    const n = this.length;
    const nullBitmap = this.nullCount > 0 ? this.validity.slice(0, Math.ceil(n / 8)) : undefined;
    const base = { type: type as never, length: n, nullCount: this.nullCount, nullBitmap };
    switch (this.type) {
      case 'float':
        return makeData({ ...base, data: this.f64.slice(0, n) }) as Data;
      case 'int':
      case 'timestamp':
        return makeData({ ...base, data: this.i64.slice(0, n) as never }) as Data;
      case 'date':
        return makeData({ ...base, data: this.offsets.slice(0, n) }) as Data;
      case 'bool':
        return makeData({ ...base, data: this.bytes.slice(0, Math.ceil(n / 8)) }) as Data;
      case 'string':
        return makeData({ ...base, valueOffsets: this.offsets.slice(0, n + 1), data: this.bytes.slice(0, this.byteLen) }) as Data;
    }
  }
}

/** A table (one record batch) from finished raw builders, in schema order; zero rows allowed. */
export function tableFromRawBuilders(schema: SchemaDef, builders: readonly RawColumnBuilder[]): Table {
  const arrowSchema = toArrowSchema(schema);
  const children = schema.fields.map((_, i) => builders[i]!.finish());
  const length = children[0]?.length ?? 0;
  // Built from a struct Data so the batch keeps the declared schema (nullability included).
  const batch = new RecordBatch(arrowSchema, makeData({ type: new Struct(arrowSchema.fields), length, nullCount: 0, children }));
  return new Table([batch]);
}
