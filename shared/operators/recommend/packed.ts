/**
 * The `recommend` stage's intermediate objects (interaction pieces, key lists, CSR blocks,
 * factors, Gram matrices): a JSON header and typed arrays, each 8-byte aligned so they decode
 * as views without a copy.
 *
 *   [u32 header length][header JSON: { meta, arrays: [[type, length], …] }][pad][array]…
 *
 * ```ts
 * const bytes = pack({ rows: 3 }, [ptr, idx, val]);
 * const { meta, arrays: [ptr2, idx2, val2] } = unpack(bytes);
 * ```
 */
import { QuiverError } from '../../errors.js';

type Arr = Float64Array | Float32Array | Int32Array | Uint8Array;
const KINDS = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;
type Kind = keyof typeof KINDS;

function kindOf(a: Arr): Kind {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

const align8 = (n: number): number => (n + 7) & ~7;
const enc = new TextEncoder();
const dec = new TextDecoder();

export function pack(meta: unknown, arrays: readonly Arr[]): Uint8Array {
  const header = enc.encode(JSON.stringify({ meta, arrays: arrays.map((a) => [kindOf(a), a.length]) }));
  let size = align8(4 + header.length);
  for (const a of arrays) size += align8(a.byteLength);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = align8(4 + header.length);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += align8(a.byteLength);
  }
  return out;
}

export function unpack<M>(bytes: Uint8Array, what = 'recommend object'): { meta: M; arrays: Arr[] } {
  try {
    // Views need an 8-aligned start: copy the rare input that is not.
    const b = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    const len = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
    const head = JSON.parse(dec.decode(b.subarray(4, 4 + len))) as { meta: M; arrays: [Kind, number][] };
    let at = align8(4 + len);
    const arrays = head.arrays.map(([kind, n]) => {
      const C = KINDS[kind];
      const a = new C(b.buffer as ArrayBuffer, b.byteOffset + at, n);
      at += align8(a.byteLength);
      return a;
    });
    return { meta: head.meta, arrays };
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not a readable recommend object (${(err as Error).message}); re-run the job`, { cause: err });
  }
}

/** Keys of users or items: numbers (int id columns) or strings. */
export type Keys = Float64Array | string[];

export function packKeys(keys: Keys, meta: Record<string, unknown> = {}): Uint8Array {
  return Array.isArray(keys) ? pack({ ...meta, strings: keys }, []) : pack({ ...meta, strings: null }, [keys]);
}

export function unpackKeys<M extends Record<string, unknown>>(bytes: Uint8Array, what?: string): { keys: Keys; meta: M } {
  const { meta, arrays } = unpack<M & { strings: string[] | null }>(bytes, what);
  return { keys: meta.strings ?? (arrays[0] as Float64Array), meta };
}

/** The parts' keys one after another (all numbers or all strings). */
export function concatKeys(parts: readonly Keys[]): Keys {
  if (parts.length > 0 && Array.isArray(parts[0])) return parts.flatMap((k) => k as string[]);
  const out = new Float64Array(parts.reduce((n, k) => n + k.length, 0));
  let at = 0;
  for (const k of parts as readonly Float64Array[]) {
    out.set(k, at);
    at += k.length;
  }
  return out;
}

/** Sorted distinct keys (numbers ascending, strings by code unit). */
export function distinctSorted(keys: Keys): Keys {
  if (Array.isArray(keys)) return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const s = Float64Array.from(keys).sort();
  let n = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[n - 1]) s[n++] = s[i]!;
  return s.slice(0, n);
}

export interface KeyLookup {
  /** The key's index, or undefined when it is not one of the keys. */
  get(key: string | number): number | undefined;
}

/** Integer ids up to this many times the id count (plus a constant) get a typed table instead of a Map. */
const DENSE_FACTOR = 8;
const DENSE_SLACK = 1 << 20;

/**
 * key → offsets[q] + its position in parts[q] (one part with offset 0: a plain index). Small
 * non-negative integer ids (the common case) look up in an Int32Array; anything else in a Map.
 */
export function keyLookup(parts: readonly Keys[], offsets: readonly number[] = [0]): KeyLookup {
  const total = parts.reduce((n, p) => n + p.length, 0);
  let max = -1;
  let dense = parts.every((p) => !Array.isArray(p));
  for (const p of parts) {
    if (!dense) break;
    for (const k of p as Float64Array) {
      if (!(k >= 0 && Number.isInteger(k))) {
        dense = false;
        break;
      }
      if (k > max) max = k;
    }
  }
  if (dense && max < DENSE_FACTOR * total + DENSE_SLACK) {
    const table = new Int32Array(max + 1).fill(-1);
    parts.forEach((p, q) => (p as Float64Array).forEach((k, j) => (table[k] = offsets[q]! + j)));
    return {
      get(key) {
        const at = typeof key === 'number' && key >= 0 && key <= max ? table[key]! : -1;
        return at >= 0 ? at : undefined;
      },
    };
  }
  const m = new Map<string | number, number>();
  parts.forEach((p, q) => {
    for (let j = 0; j < p.length; j++) m.set(p[j]!, offsets[q]! + j);
  });
  return m;
}
