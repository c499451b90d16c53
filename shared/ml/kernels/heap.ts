/**
 * WebAssembly kernels and the memory they work in. A kernel module (built from the `.wat`
 * source beside it by scripts/build-wasm.mjs) imports one `WebAssembly.Memory`; each thread
 * keeps one such memory, a {@link KernelHeap}, and a fit lays its arrays out in it as typed-array
 * views, so JS code and the kernels share them without copies. `begin(bytes)` grows the memory
 * (which detaches every earlier view) and starts a new layout: call it once per fit, before any
 * view of that fit is taken; the memory never shrinks (a thread keeps its largest fit's size).
 *
 * ```ts
 * const heap = kernelHeap();
 * heap.begin(KernelHeap.f64Bytes(n) + KernelHeap.u32Bytes(n));
 * const v = heap.f64(n); const loc = heap.u32(n);
 * histogramKernels().gather(out.byteOffset, v.byteOffset, loc.byteOffset, m);
 * ```
 */
import { readFileSync } from 'node:fs';
import { QuiverError } from '../../errors.js';

const PAGE = 65536;
const MAX_BYTES = 2 ** 31 - PAGE;
/** Views start on 64-byte boundaries (a cache line). */
const ALIGN = 64;

export class KernelHeap {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private top = 0;
  private limit = 0;

  static f64Bytes(n: number): number {
    return KernelHeap.aligned(8 * n);
  }

  static f32Bytes(n: number): number {
    return KernelHeap.aligned(4 * n);
  }

  static u32Bytes(n: number): number {
    return KernelHeap.aligned(4 * n);
  }

  static u8Bytes(n: number): number {
    return KernelHeap.aligned(n);
  }

  private static aligned(bytes: number): number {
    return Math.ceil(bytes / ALIGN) * ALIGN;
  }

  /** Starts a layout of up to `bytes` (the sum of the f64Bytes/u32Bytes of every view to come). */
  begin(bytes: number): void {
    // Kernels take byte offsets as (signed) i32 and use −1 for "none": stay below 2 GiB.
    if (bytes > MAX_BYTES) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `kernel memory: a fit needs ${Math.ceil(bytes / 2 ** 20)} MiB but a thread's kernel memory holds at most 2 GiB; train on fewer rows per task (e.g. subsample, or fewer rows per model)`);
    }
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      const pages = Math.ceil((bytes - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw QuiverError.nonRetryable('INPUT_INVALID', `kernel memory: cannot grow to ${Math.ceil(bytes / 2 ** 20)} MiB (the process is out of memory); train on fewer rows per task or give the worker more memory`);
      }
    }
    this.top = 0;
    this.limit = bytes;
  }

  private take(bytes: number): number {
    const at = this.top;
    const size = KernelHeap.aligned(bytes);
    if (at + size > this.limit) throw QuiverError.nonRetryable('INTERNAL', `kernel heap: ${at + size} bytes taken but ${this.limit} reserved`);
    this.top = at + size;
    return at;
  }

  f64(n: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.take(8 * n), n);
  }

  f32(n: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.take(4 * n), n);
  }

  u32(n: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, this.take(4 * n), n);
  }

  u8(n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.take(n), n);
  }
}

let heap: KernelHeap | null = null;

/** This thread's kernel memory. */
export function kernelHeap(): KernelHeap {
  heap ??= new KernelHeap();
  return heap;
}

export interface HistogramKernels {
  /** loc −1: rows 0..m in order; out −1: no copy of the words. */
  accumulate(lanes: number, words: number, loc: number, m: number, vals: number, out: number): void;
  gather(dst: number, src: number, loc: number, m: number): void;
  partition(loc: number, lo: number, hi: number, column: number, goLeft: number, right: number): number;
}

/** Instantiates `file` (a .wasm built beside this module) over {@link kernelHeap}'s memory. */
function instantiate(file: string): Record<string, unknown> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(new URL(`./${file}`, import.meta.url));
  } catch {
    throw QuiverError.nonRetryable('INTERNAL', `shared/ml/kernels/${file} is missing from the build; run \`npm run build\` (it compiles the .wat kernels)`);
  }
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: kernelHeap().memory } }).exports;
}

let histogram: HistogramKernels | null = null;

/** The histogram kernels (histogram.wat), instantiated once per thread over {@link kernelHeap}'s memory. */
export function histogramKernels(): HistogramKernels {
  histogram ??= instantiate('histogram.wasm') as unknown as HistogramKernels;
  return histogram;
}

export interface ScoreKernels {
  /** Scores of 4 users × a 64-item tile; returns the mask of users whose tile maximum reaches their threshold. */
  score4(users: number, rank: number, tile: number, out: number, thresholds: number): number;
}

let scores: ScoreKernels | null = null;

/** The scoring kernel (scores.wat), instantiated once per thread over {@link kernelHeap}'s memory. */
export function scoreKernels(): ScoreKernels {
  scores ??= instantiate('scores.wasm') as unknown as ScoreKernels;
  return scores;
}

export interface AlsKernels {
  /** CG solve of every row in place; returns Σ‖x‖² (see als.wat for the layout). */
  cg(rows: number, ptr: number, idx: number, val: number, x: number, y: number, g: number, rank: number, reg: number, alpha: number, steps: number, tmp: number): number;
  /** The rows' loss terms. */
  loss(rows: number, ptr: number, idx: number, val: number, x: number, y: number, g: number, rank: number, alpha: number, tmp: number): number;
  /** out (rank × rank f32) += Σ x·xᵀ over the rows. */
  gram(rows: number, x: number, rank: number, out: number): void;
}

let als: AlsKernels | null = null;

/** The ALS kernels (als.wat), instantiated once per thread over {@link kernelHeap}'s memory. */
export function alsKernels(): AlsKernels {
  als ??= instantiate('als.wasm') as unknown as AlsKernels;
  return als;
}
