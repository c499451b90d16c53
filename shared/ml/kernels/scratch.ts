/**
 * Per-thread scratch arrays, kept between fits. A model fit on a million rows needs some
 * short-lived arrays of tens of MB (a binning sample, the binned table before bundling):
 * fresh memory costs a page fault per 4 KiB on first write (about 1 s per 300 MB on this
 * project's machines, and two threads faulting contend), while memory written before does not.
 * A task runs alone on its thread, so a named buffer is reused by the next fit on that thread.
 *
 * The contents are whatever the previous user left: callers write every element they read.
 * A view is valid until the next request for the same name on the thread. Buffers above
 * {@link MAX_SCRATCH_BYTES} are handed out fresh and not kept. A new buffer gets 30 % headroom
 * (untouched pages cost nothing), so the final fit after a 5-fold CV reuses the folds' buffers.
 *
 * ```ts
 * const sample = scratchF64('binning.sample', m * d); // m·d doubles, old contents
 * ```
 */

const MAX_SCRATCH_BYTES = 2 ** 30;
/** Buffers are made this much larger than first asked for. */
const HEADROOM = 1.3;

const f64 = new Map<string, Float64Array>();
const u8 = new Map<string, Uint8Array>();
const u32 = new Map<string, Uint32Array>();
const i32 = new Map<string, Int32Array>();

function take<A extends Float64Array | Float32Array | Uint8Array | Uint32Array | Int32Array>(held: Map<string, A>, name: string, n: number, make: (n: number) => A, capacity = 0): A {
  const have = held.get(name);
  if (have !== undefined && have.length >= n) return have.subarray(0, n) as A;
  // Headroom: a later, somewhat larger fit (the final fit after k-fold CV) reuses it too. Pages
  // never written cost nothing.
  const fresh = make(Math.max(Math.ceil(n * HEADROOM), capacity));
  if (fresh.byteLength <= MAX_SCRATCH_BYTES) held.set(name, fresh);
  else held.delete(name);
  return fresh.subarray(0, n) as A;
}

/**
 * `n` doubles of the thread's scratch buffer `name` (old contents). A new buffer holds at least
 * `capacity` (when the caller knows how large later requests can get).
 */
export function scratchF64(name: string, n: number, capacity = 0): Float64Array {
  return take(f64, name, n, (k) => new Float64Array(k), capacity);
}

/** `n` bytes of the thread's scratch buffer `name` (old contents). */
export function scratchU8(name: string, n: number): Uint8Array {
  return take(u8, name, n, (k) => new Uint8Array(k));
}

/** `n` 32-bit words of the thread's scratch buffer `name` (old contents). */
export function scratchU32(name: string, n: number): Uint32Array {
  return take(u32, name, n, (k) => new Uint32Array(k));
}

/** `n` signed 32-bit words of the thread's scratch buffer `name` (old contents). */
export function scratchI32(name: string, n: number): Int32Array {
  return take(i32, name, n, (k) => new Int32Array(k));
}

const f32 = new Map<string, Float32Array>();

/** `n` floats of the thread's scratch buffer `name` (old contents). */
export function scratchF32(name: string, n: number): Float32Array {
  return take(f32, name, n, (k) => new Float32Array(k));
}
