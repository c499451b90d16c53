/**
 * Reads the row counts out of a Parquet footer (Thrift compact protocol), so planning can cut a
 * file into row-group tasks from its last bytes alone. Only `FileMetaData.num_rows` (field 3)
 * and each `RowGroup.num_rows` (field 3 of field 4's structs) are decoded; everything else is
 * skipped by type.
 *
 * ```ts
 * const len = footerLength(last8Bytes);                      // -1 when not Parquet
 * const { rows, rowGroups } = parquetRowGroups(footerBytes);  // rowGroups[i] = rows of group i
 * ```
 */
import { QuiverError } from '../errors.js';

/** The footer's length from the file's last 8 bytes (`<int32 length>PAR1`), or -1. */
export function footerLength(last8: Uint8Array): number {
  if (last8.length < 8) return -1;
  const n = last8.length;
  if (last8[n - 4] !== 0x50 || last8[n - 3] !== 0x41 || last8[n - 2] !== 0x52 || last8[n - 1] !== 0x31) return -1;
  return new DataView(last8.buffer, last8.byteOffset, last8.byteLength).getInt32(n - 8, true);
}

const STOP = 0;
const TRUE = 1;
const FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;

class CompactReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('footer ends early');
    return this.buf[this.pos++]!;
  }

  varint(): bigint {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
      if (shift > 70n) throw new RangeError('varint too long');
    }
  }

  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  /** Field header: [type, id]; type STOP ends the struct. */
  field(lastId: number): [number, number] {
    const b = this.byte();
    const type = b & 0x0f;
    if (type === STOP) return [STOP, 0];
    const delta = b >> 4;
    return [type, delta === 0 ? Number(this.zigzag()) : lastId + delta];
  }

  listHeader(): [number, number] {
    const b = this.byte();
    const size = b >> 4;
    return [b & 0x0f, size === 15 ? Number(this.varint()) : size];
  }

  skip(type: number): void {
    switch (type) {
      case TRUE:
      case FALSE:
        return;
      case BYTE:
        this.pos++;
        return;
      case I16:
      case I32:
      case I64:
        this.varint();
        return;
      case DOUBLE:
        this.pos += 8;
        return;
      case BINARY: {
        const n = Number(this.varint()); // read first: `pos += varint()` would add to the old pos
        this.pos += n;
        return;
      }
      case LIST:
      case SET: {
        const [elem, size] = this.listHeader();
        for (let i = 0; i < size; i++) {
          if (elem === TRUE || elem === FALSE) this.pos++;
          else this.skip(elem);
        }
        return;
      }
      case MAP: {
        const size = Number(this.varint());
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4);
          this.skip(kv & 0x0f);
        }
        return;
      }
      case STRUCT:
        this.struct(() => false);
        return;
      default:
        throw new RangeError(`unknown Thrift type ${type}`);
    }
  }

  /** Walks a struct's fields; `on(type, id)` returns true when it consumed the value itself. */
  struct(on: (type: number, id: number) => boolean): void {
    let last = 0;
    for (;;) {
      const [type, id] = this.field(last);
      if (type === STOP) return;
      if (!on(type, id)) this.skip(type);
      last = id;
    }
  }
}

export interface ParquetRowGroups {
  rows: number;
  /** Rows of each row group, in file order. */
  rowGroups: number[];
}

/** Row counts from the footer's Thrift bytes (without the trailing length and magic). */
export function parquetRowGroups(footer: Uint8Array, what = 'Parquet file'): ParquetRowGroups {
  const r = new CompactReader(footer);
  let rows = -1;
  const rowGroups: number[] = [];
  try {
    r.struct((type, id) => {
      if (id === 3 && type === I64) {
        rows = Number(r.zigzag());
        return true;
      }
      if (id === 4 && type === LIST) {
        const [, size] = r.listHeader();
        for (let i = 0; i < size; i++) {
          let groupRows = 0;
          r.struct((t, fid) => {
            if (fid === 3 && t === I64) {
              groupRows = Number(r.zigzag());
              return true;
            }
            return false;
          });
          rowGroups.push(groupRows);
        }
        return true;
      }
      return false;
    });
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} has an unreadable Parquet footer (${(err as Error).message}); check that it was written completely`, { cause: err });
  }
  if (rows < 0) throw QuiverError.nonRetryable('INPUT_INVALID', `${what} has a Parquet footer without a row count; check that it was written completely`);
  return { rows, rowGroups };
}
