/**
 * Group keys: assigning rows to groups (first-seen order), a canonical text per key, the hash
 * partition of a group, and the sort order of final groups. Everything here depends only on
 * key values, so every task agrees on a group's partition and every run on the output order.
 */
import type { Value } from '../../arrow/columns.js';

const NULL_PART = '\u0000';
const SEP = '\u0001';

/** -0 and 0 are one key (as SQL's = says). */
const norm = (v: Value): Value => (v === 0 ? 0 : v);

/** Unambiguous for a fixed list of column types: strings carry their length. */
function part(v: Value): string {
  if (v === null) return NULL_PART;
  if (typeof v === 'string') return `${v.length}:${v}`;
  return String(v);
}

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finalizer to spread the low bits. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Groups {
  /** `keys[j][g]`: value of key column j for group g. */
  readonly keys: Value[][];
  size = 0;
  private readonly single = new Map<Value, number>();
  private readonly multi = new Map<string, number>();

  constructor(readonly width: number) {
    this.keys = Array.from({ length: width }, () => []);
  }

  /** The group id of each of `n` rows whose key columns are `cols`, adding new groups in first-seen order. */
  assign(cols: readonly (readonly Value[])[], n: number): Int32Array {
    const gids = new Int32Array(n);
    if (this.width === 0) {
      if (n > 0) this.ensureGlobal();
      return gids;
    }
    if (this.width === 1) {
      const c = cols[0]!;
      const k0 = this.keys[0]!;
      for (let i = 0; i < n; i++) {
        const v = norm(c[i]!);
        let g = this.single.get(v);
        if (g === undefined) {
          g = this.size++;
          this.single.set(v, g);
          k0.push(v);
        }
        gids[i] = g;
      }
      return gids;
    }
    const w = this.width;
    for (let i = 0; i < n; i++) {
      let text = part(norm(cols[0]![i]!));
      for (let j = 1; j < w; j++) text += SEP + part(norm(cols[j]![i]!));
      let g = this.multi.get(text);
      if (g === undefined) {
        g = this.size++;
        this.multi.set(text, g);
        for (let j = 0; j < w; j++) this.keys[j]!.push(norm(cols[j]![i]!));
      }
      gids[i] = g;
    }
    return gids;
  }

  /** Adds the one group of a global aggregate (no key columns) if it is missing. */
  ensureGlobal(): void {
    if (this.width === 0 && this.size === 0) this.size = 1;
  }

  /** Canonical text of a group's key. */
  text(g: number): string {
    let text = '';
    for (let j = 0; j < this.width; j++) text += (j === 0 ? '' : SEP) + part(this.keys[j]![g]!);
    return text;
  }

  /** Which of `r` partitions a group belongs to. */
  partitionOf(g: number, r: number): number {
    return r === 1 ? 0 : hashText(this.text(g)) % r;
  }

  /** Group ids sorted by key: ascending, NaN after numbers, nulls last. */
  sortedOrder(): Int32Array {
    const order = Int32Array.from({ length: this.size }, (_, g) => g);
    if (this.width === 0) return order;
    const keys = this.keys;
    return order.sort((a, b) => {
      for (const col of keys) {
        const c = compareValues(col[a]!, col[b]!);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
}

/** A total order on one column's values: numbers ascending then NaN, strings by code unit, false < true, null last. */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number') {
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b as number);
    if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
