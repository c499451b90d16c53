/**
 * The key of every row of a shard, straight from its Arrow buffers: {@link KEY_WORDS} 32-bit
 * words per row such that two rows have equal keys exactly when their key values are equal the
 * way quiver values compare (null equals null, -0 equals 0, NaN equals NaN, strings by their
 * text, numbers as the JS numbers the column readers give): the same rows the first version's
 * text keys found equal.
 *
 * Each row's key values are first written as canonical bytes (see {@link layout}: the doubles of
 * number columns, a tag per value, the UTF-8 bytes of texts with their lengths) by typed-array
 * loops per column, a block of rows at a time; rows of at most 32 such bytes keep them as their
 * key (`[length, bytes…, 0…]`), longer rows their SHA-256 (`[0xff, digest]`), as the text keys
 * did beyond 64 characters. A 32-bit hash of the key picks its partition and its slot in the
 * decide phase's table.
 *
 * ```ts
 * const { keys, hashes } = rowKeys(table, [{ name: 'customer_id', type: 'int', nullable: true }]);
 * keys.subarray(KEY_WORDS * i, KEY_WORDS * (i + 1)); // row i's key
 * ```
 */
import * as crypto from 'node:crypto';
import { Type } from 'apache-arrow';
import type { Data, Date_, Float, Int, Table, Timestamp } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import type { ColumnType, FieldDef } from '../../dataset.js';
import { nullMask } from '../../expr/bits.js';
import { DAY_MS } from '../../expr/dates.js';
import { dataReader, readValues } from '../../expr/columns.js';
import { utf8RoundTrips } from '../cleanse/passthrough.js';

/** A key: a marker word (the length of inline bytes, or {@link DIGEST_MARK}) and 8 words of bytes. */
export const KEY_WORDS = 9;
export const KEY_BYTES = KEY_WORDS * 4;
/** Canonical bytes up to this long are the key themselves; longer ones are hashed. */
const INLINE_MAX = 32;
const DIGEST_MARK = 0xff;

/** Tags of a value; 0 (the zeroed buffer) is null. */
const TAG_TEXT = 1;
const TAG_FALSE = 2;
const TAG_TRUE = 3;
const TAG_NUMBER = 4;

const encoder = new TextEncoder();

/**
 * SHA-256 of `bytes` as a 'binary' (latin1) string, one char per byte: crypto.hash (Node
 * 20.12+) is one call, and a string answer is several times cheaper than a Buffer one.
 */
const sha256: (bytes: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (bytes) => crypto.hash('sha256', bytes, 'binary') : (bytes) => crypto.createHash('sha256').update(bytes).digest('binary');

export interface RowKeys {
  /** `KEY_WORDS` words per row. */
  keys: Int32Array;
  /** A 32-bit hash of each row's key. */
  hashes: Int32Array;
}

/** How a column's values sit in a row's canonical bytes, by its quiver type (the same in every shard). */
type Kind = 'number' | 'bool' | 'text';

const kindOf = (type: ColumnType): Kind => (type === 'string' ? 'text' : type === 'bool' ? 'bool' : 'number');

const isNull = (mask: Uint8Array | null, k: number): boolean => mask !== null && ((mask[k >> 3]! >> (k & 7)) & 1) === 0;

/**
 * Canonical bytes of one block of a batch's rows: row i is `u8[start[i] - base, start[i + 1] - base)`,
 * `start` holding the offsets over the whole batch.
 */
interface Layout {
  u8: Uint8Array;
  f64: Float64Array;
  start: Float64Array;
  base: number;
}

/** A text column of one chunk: the bytes straight when they read back as themselves, else the text re-encoded. */
interface TextSource {
  offs: Int32Array;
  src: Uint8Array;
  /** Null rows; null when none. */
  nulls: Uint8Array | null;
}

function textSource(data: Data): TextSource {
  const rows = data.length;
  if (data.typeId === Type.Utf8 && utf8RoundTrips(data)) {
    const mask = nullMask(data);
    const off = data.offset;
    let nulls: Uint8Array | null = null;
    if (mask !== null) {
      nulls = new Uint8Array(rows);
      for (let i = 0; i < rows; i++) nulls[i] = isNull(mask, off + i) ? 1 : 0;
    }
    return { offs: data.valueOffsets as Int32Array, src: data.values as Uint8Array, nulls };
  }
  const values = readValues(data);
  const encoded = values.map((v) => (v === null ? new Uint8Array(0) : encoder.encode(String(v))));
  const offs = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offs[i + 1] = offs[i]! + encoded[i]!.length;
  const src = new Uint8Array(offs[rows]!);
  encoded.forEach((e, i) => src.set(e, offs[i]!));
  return { offs, src, nulls: Uint8Array.from(values, (v) => (v === null ? 1 : 0)) };
}

/**
 * One key column of one chunk, ready to write: numbers straight from their typed arrays where
 * the Arrow type is quiver's own, else through the column reader (as readColumnValues reads).
 * Plain records and top-level loops (no per-column closures) keep every loop monomorphic.
 */
type Source =
  | { kind: 'int64'; words: Int32Array; mask: Uint8Array | null; off: number; slot: number; tag: number }
  | { kind: 'float64'; values: Float64Array; mask: Uint8Array | null; off: number; slot: number; tag: number }
  | { kind: 'days'; values: Int32Array; mask: Uint8Array | null; off: number; slot: number; tag: number }
  | { kind: 'number'; read: (i: number) => Value; slot: number; tag: number }
  | { kind: 'bool'; read: (i: number) => Value; tag: number }
  | { kind: 'text'; text: TextSource; tag: number };

function numberSource(data: Data, slot: number, tag: number): Source {
  const mask = nullMask(data);
  const off = data.offset;
  const t = data.type as Int;
  if ((data.typeId === Type.Int && t.bitWidth === 64 && t.isSigned) || (data.typeId === Type.Timestamp && (data.type as Timestamp).unit === 1)) {
    const v = data.values as BigInt64Array;
    return { kind: 'int64', words: new Int32Array(v.buffer, v.byteOffset, data.length * 2), mask, off, slot, tag };
  }
  if (data.typeId === Type.Float && (data.type as Float).precision === 2) return { kind: 'float64', values: data.values as Float64Array, mask, off, slot, tag };
  if (data.typeId === Type.Date && (data.type as Date_).unit === 0) return { kind: 'days', values: data.values as Int32Array, mask, off, slot, tag };
  return { kind: 'number', read: dataReader(data), slot, tag };
}

/** Stores number `v` of row i: tag, and its double (-0 as 0, every NaN as the one quiet NaN). */
function putNumber(l: Layout, i: number, slot: number, tag: number, v: number): void {
  const at = l.start[i]! - l.base;
  l.u8[at + tag] = TAG_NUMBER;
  if (v !== v) {
    l.u8[at + slot * 8 + 6] = 0xf8;
    l.u8[at + slot * 8 + 7] = 0x7f;
  } else l.f64[(at >> 3) + slot] = v === 0 ? 0 : v;
}

function writeInt64(l: Layout, s: Extract<Source, { kind: 'int64' }>, from: number, to: number): void {
  const { words, mask, off, slot, tag } = s;
  for (let i = from; i < to; i++) {
    if (isNull(mask, off + i)) continue;
    const hi = words[2 * i + 1]!;
    const lo = words[2 * i]! >>> 0;
    putNumber(l, i, slot, tag, hi === 0 ? lo : hi * 4294967296 + lo);
  }
}

function writeFloat64(l: Layout, s: Extract<Source, { kind: 'float64' }>, from: number, to: number): void {
  const { values, mask, off, slot, tag } = s;
  for (let i = from; i < to; i++) if (!isNull(mask, off + i)) putNumber(l, i, slot, tag, values[i]!);
}

function writeDays(l: Layout, s: Extract<Source, { kind: 'days' }>, from: number, to: number): void {
  const { values, mask, off, slot, tag } = s;
  for (let i = from; i < to; i++) if (!isNull(mask, off + i)) putNumber(l, i, slot, tag, values[i]! * DAY_MS);
}

function writeRead(l: Layout, s: Extract<Source, { kind: 'number' | 'bool' }>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = s.read(i);
    if (v === null) continue;
    if (s.kind === 'number') putNumber(l, i, s.slot, s.tag, v as number);
    else l.u8[l.start[i]! - l.base + s.tag] = v === true ? TAG_TRUE : TAG_FALSE;
  }
}

/** Text: tag, then at the row's cursor a 4-byte length and the bytes. */
function writeText(l: Layout, s: Extract<Source, { kind: 'text' }>, cursor: Float64Array, from: number, to: number): void {
  const { offs, src, nulls } = s.text;
  const { u8, start, base } = l;
  for (let i = from; i < to; i++) {
    if (nulls !== null && nulls[i] === 1) continue;
    const a = offs[i]!;
    const len = offs[i + 1]! - a;
    let at = cursor[i]! - base;
    u8[start[i]! - base + s.tag] = TAG_TEXT;
    u8[at] = len & 0xff;
    u8[at + 1] = (len >>> 8) & 0xff;
    u8[at + 2] = (len >>> 16) & 0xff;
    u8[at + 3] = len >>> 24;
    at += 4;
    if (len > 32) u8.set(src.subarray(a, a + len), at);
    else for (let k = 0; k < len; k++) u8[at + k] = src[a + k]!;
    cursor[i] = base + at + len;
  }
}

function writeBlock(l: Layout, sources: readonly Source[], cursor: Float64Array, from: number, to: number): void {
  for (const s of sources) {
    switch (s.kind) {
      case 'int64':
        writeInt64(l, s, from, to);
        break;
      case 'float64':
        writeFloat64(l, s, from, to);
        break;
      case 'days':
        writeDays(l, s, from, to);
        break;
      case 'number':
      case 'bool':
        writeRead(l, s, from, to);
        break;
      case 'text':
        writeText(l, s, cursor, from, to);
        break;
    }
  }
}

/** murmur3's 32-bit mix over an inline key's words (the digest's first word is hash enough). */
function hashWords(keys: Int32Array, at: number, words: number): number {
  let h = 0x9747b28c ^ words;
  for (let k = at; k < at + words; k++) {
    let x = Math.imul(keys[k]!, 0xcc9e2d51);
    x = Math.imul((x << 15) | (x >>> 17), 0x1b873593);
    h ^= x;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A batch's canonical bytes, laid out and filled block by block ({@link writeBlock}, then hashed
 * while the block is in cache). Row layout (8-aligned, zero padded): an 8-byte double per number
 * column (in column order), a tag byte per column, then per non-null text column a 4-byte length
 * and the UTF-8 bytes. Nulls leave zeros; the tags tell them apart.
 */
function layout(datas: readonly Data[], kinds: readonly Kind[], rows: number): { start: Float64Array; sources: Source[]; cursor: Float64Array } {
  const numbers = kinds.filter((k) => k === 'number').length;
  const tags = numbers * 8;
  const fixed = tags + kinds.length;
  let slot = 0;
  const sources = kinds.map((kind, j): Source => {
    const data = datas[j]!;
    if (kind === 'number') return numberSource(data, slot++, tags + j);
    if (kind === 'bool') return { kind: 'bool', read: dataReader(data), tag: tags + j };
    return { kind: 'text', text: textSource(data), tag: tags + j };
  });
  const size = new Int32Array(rows).fill(fixed);
  for (const s of sources) {
    if (s.kind !== 'text') continue;
    const { offs, nulls } = s.text;
    for (let i = 0; i < rows; i++) if (nulls === null || nulls[i] === 0) size[i]! += 4 + offs[i + 1]! - offs[i]!;
  }
  // Offsets over the whole batch may pass 2^31; within a block they stay small (see BLOCK_BYTES).
  const start = new Float64Array(rows + 1);
  for (let i = 0; i < rows; i++) start[i + 1] = start[i]! + ((size[i]! + 7) & ~7);
  const cursor = new Float64Array(rows);
  for (let i = 0; i < rows; i++) cursor[i] = start[i]! + fixed;
  return { start, sources, cursor };
}

/** Rows per block: a few hundred KB of canonical bytes for usual rows… */
const BLOCK = 1024;
/** …and fewer rows when they are long (a block always holds at least one row). */
const BLOCK_BYTES = 1 << 26;

/** The keys of all rows of `table` over the key columns `fields` (each present; see checkShardColumns). */
export function rowKeys(table: Table, fields: readonly FieldDef[]): RowKeys {
  const n = table.numRows;
  const keys = new Int32Array(n * KEY_WORDS);
  const hashes = new Int32Array(n);
  const idx = fields.map((f) => table.schema.fields.findIndex((x) => x.name === f.name));
  const kinds = fields.map((f) => kindOf(f.type));
  let buffer = new ArrayBuffer(1 << 16);
  let base = 0;
  for (const batch of table.batches) {
    const rows = batch.numRows;
    const { start, sources, cursor } = layout(
      idx.map((j) => batch.data.children[j]!),
      kinds,
      rows,
    );
    for (let from = 0, to = 0; from < rows; from = to) {
      to = Math.min(rows, from + BLOCK);
      while (to > from + 1 && start[to]! - start[from]! > BLOCK_BYTES) to = from + Math.max(1, (to - from) >> 1);
      const bytes = start[to]! - start[from]!;
      if (bytes > buffer.byteLength) buffer = new ArrayBuffer(Math.max(bytes, buffer.byteLength * 2));
      const l: Layout = { u8: new Uint8Array(buffer, 0, bytes), f64: new Float64Array(buffer, 0, bytes >> 3), start, base: start[from]! };
      l.u8.fill(0);
      writeBlock(l, sources, cursor, from, to);
      const { u8 } = l;
      const words = new Int32Array(buffer, 0, bytes >> 2);
      for (let i = from; i < to; i++) {
        const at = (base + i) * KEY_WORDS;
        const a = start[i]! - l.base;
        const len = start[i + 1]! - start[i]!;
        if (len <= INLINE_MAX) {
          // Rows are whole multiples of 8 bytes, 8-aligned: copy words.
          const w = len >> 2;
          keys[at] = len;
          for (let k = 0; k < w; k++) keys[at + 1 + k] = words[(a >> 2) + k]!;
          hashes[base + i] = hashWords(keys, at + 1, w);
        } else {
          keys[at] = DIGEST_MARK;
          const d = sha256(u8.subarray(a, a + len));
          for (let k = 0; k < 8; k++) {
            const c = 4 * k;
            keys[at + 1 + k] = d.charCodeAt(c) | (d.charCodeAt(c + 1) << 8) | (d.charCodeAt(c + 2) << 16) | (d.charCodeAt(c + 3) << 24);
          }
          hashes[base + i] = keys[at + 1]!;
        }
      }
    }
    base += rows;
  }
  return { keys, hashes };
}

/** Whether key `a` of `ka` equals key `b` of `kb`. */
export function sameKey(ka: Int32Array, a: number, kb: Int32Array, b: number): boolean {
  const x = a * KEY_WORDS;
  const y = b * KEY_WORDS;
  for (let k = 0; k < KEY_WORDS; k++) if (ka[x + k] !== kb[y + k]) return false;
  return true;
}
