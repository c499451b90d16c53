/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with conjugate-gradient solves (Takács,
 * Pilászy & Tikk 2011; as the `implicit` library's CPU model). With preference p = 1 on every
 * observed (user, item) and 0 elsewhere, and confidence c = 1 + alpha · weight on observed
 * pairs (1 elsewhere), the loss is
 *
 *   Σ_{u,i} c_ui (p_ui − x_u·y_i)² + reg · (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²).
 *
 * A half-step fixes one side's factors Y and solves every row x of the other side from
 * (YᵀY + reg·I + Σ_i (c_i − 1) y_i y_iᵀ) x = Σ_i c_i y_i with `cgSteps` CG steps started from the
 * row's current x (warm start; three steps per half-iteration is what `implicit` uses). YᵀY is
 * given: it is summed from the other side's partitions. Rows are solved in lockstep blocks, so
 * each CG step's YᵀY products form one small matrix product per block.
 *
 * The loss needs no sum over all user × item pairs: Σ_{u,i} (x_u·y_i)² = Σ_u x_uᵀ (YᵀY) x_u, and
 * each observed pair corrects its term by c (1 − s)² − s² (s = x_u·y_i).
 *
 * When the rank is a multiple of 4 the solve runs in a WebAssembly SIMD kernel in float32
 * (shared/ml/kernels/als.wat, as the `implicit` library's float32 CG); {@link alsHalfStepJs},
 * float64 JavaScript, is the reference it is tested against and the path for other ranks.
 *
 * ```ts
 * const G = new Float64Array(r * r); addGram(Y, items, r, G);
 * const { loss, sqNorm } = alsHalfStep(byUser, X, Y, G, { rank: r, reg: 0.1, alpha: 40, cgSteps: 3 }, true);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { alsKernels, kernelHeap, KernelHeap } from '../kernels/heap.js';
import type { Csr } from './csr.js';

export interface AlsParams {
  rank: number;
  /** L2 regularization (reg ≥ 0). */
  reg: number;
  /** Confidence of an observed pair: 1 + alpha · weight. */
  alpha: number;
  /** CG steps per row per half-step (≥ 1). */
  cgSteps: number;
}

/** Rows solved together: one block's CG state stays in cache. */
const BLOCK = 32;
/** A residual below this (squared norm) is solved (the `implicit` library's threshold). */
const RESIDUAL_EPS = 1e-20;

/** Adds FᵀF of the `n` rows of F (n×r, row-major) to `out` (r×r). */
export function addGram(F: Float32Array, n: number, r: number, out: Float64Array): void {
  if (F.length < n * r || out.length !== r * r) throw QuiverError.nonRetryable('INTERNAL', `addGram: ${F.length} factors for ${n}×${r}, out ${out.length}`);
  const upper = new Float64Array(r * r);
  const row = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    const o = i * r;
    for (let a = 0; a < r; a++) row[a] = F[o + a]!;
    for (let a = 0; a < r; a++) {
      const v = row[a]!;
      if (v === 0) continue;
      const ua = a * r;
      for (let b = a; b < r; b++) upper[ua + b] = upper[ua + b]! + v * row[b]!;
    }
  }
  for (let a = 0; a < r; a++) {
    for (let b = a; b < r; b++) {
      out[a * r + b] = out[a * r + b]! + upper[a * r + b]!;
      if (b !== a) out[b * r + a] = out[b * r + a]! + upper[a * r + b]!;
    }
  }
}

/** C (nb×r) = A (nb×r) · G (r×r). */
function timesGram(A: Float64Array, G: Float64Array, nb: number, r: number, C: Float64Array): void {
  C.fill(0, 0, nb * r);
  for (let b = 0; b < nb; b++) {
    const o = b * r;
    for (let k = 0; k < r; k++) {
      const v = A[o + k]!;
      const g = k * r;
      for (let a = 0; a < r; a++) C[o + a] = C[o + a]! + v * G[g + a]!;
    }
  }
}

function dotRow(Y: Float32Array, yo: number, v: Float64Array, vo: number, r: number): number {
  let s = 0;
  for (let a = 0; a < r; a++) s += Y[yo + a]! * v[vo + a]!;
  return s;
}

function checkParams(p: AlsParams): void {
  const ok = Number.isInteger(p.rank) && p.rank >= 1 && p.reg >= 0 && Number.isFinite(p.reg) && p.alpha >= 0 && Number.isFinite(p.alpha) && Number.isInteger(p.cgSteps) && p.cgSteps >= 1;
  if (!ok) throw QuiverError.nonRetryable('OPTION_INVALID', `als: rank ${p.rank}, reg ${p.reg}, alpha ${p.alpha}, cgSteps ${p.cgSteps}: rank and cgSteps must be integers ≥ 1, reg and alpha finite and ≥ 0`);
}

export interface HalfStepResult {
  /** Σ over the rows of x(YᵀY)x + Σ_observed [c (1 − s)² − s²] (no regularization); 0 unless asked. */
  loss: number;
  /** Σ ‖x‖² over the rows (their regularization is reg times this). */
  sqNorm: number;
  /** XᵀX of the new rows (what the other side's next step sums). */
  gram: Float64Array;
}

/** Rows summed in float32 before their block is added to the float64 Gram matrix. */
const GRAM_BLOCK = 256;

/**
 * The other side's factors: one array, or its partitions' arrays in order (the kernel path copies
 * them straight into its memory; they are never joined first).
 */
export type Factors = Float32Array | readonly Float32Array[];

const partsOf = (Y: Factors): readonly Float32Array[] => (Y instanceof Float32Array ? [Y] : Y);

function checkShapes(m: Csr, X: Float32Array, Y: Factors, G: Float64Array, p: AlsParams): void {
  checkParams(p);
  const r = p.rank;
  const yLength = partsOf(Y).reduce((n, y) => n + y.length, 0);
  if (X.length !== m.rows * r || G.length !== r * r || yLength % r !== 0) {
    throw QuiverError.nonRetryable('INTERNAL', `alsHalfStep: X ${X.length} for ${m.rows}×${r}, Y ${yLength}, G ${G.length}`);
  }
}

/**
 * Solves every row of `m` (this side: X, rows × rank, updated in place from its current values)
 * against the other side's factors Y (its rows indexed by `m.idx`) and G = YᵀY. With `withLoss`,
 * also returns the rows' loss terms at the new X.
 */
export function alsHalfStep(m: Csr, X: Float32Array, Y: Factors, G: Float64Array, p: AlsParams, withLoss: boolean): HalfStepResult {
  return p.rank % 4 === 0 ? alsHalfStepWasm(m, X, Y, G, p, withLoss) : alsHalfStepJs(m, X, Y, G, p, withLoss);
}

/** {@link alsHalfStep} in the float32 SIMD kernel (rank a multiple of 4). */
export function alsHalfStepWasm(m: Csr, X: Float32Array, Y: Factors, G: Float64Array, p: AlsParams, withLoss: boolean): HalfStepResult {
  checkShapes(m, X, Y, G, p);
  const r = p.rank;
  if (r % 4 !== 0) throw QuiverError.nonRetryable('INTERNAL', `alsHalfStepWasm: rank ${r} is not a multiple of 4`);
  const nnz = m.ptr[m.rows]!;
  const parts = partsOf(Y);
  const yLength = parts.reduce((n, part) => n + part.length, 0);
  const heap = kernelHeap();
  heap.begin(KernelHeap.u32Bytes(m.rows + 1) + KernelHeap.u32Bytes(nnz) + KernelHeap.f32Bytes(nnz) + KernelHeap.f32Bytes(X.length) + KernelHeap.f32Bytes(yLength) + KernelHeap.f32Bytes(r * r) + KernelHeap.f32Bytes(3 * r));
  const ptr = heap.u32(m.rows + 1);
  ptr.set(m.ptr);
  const idx = heap.u32(nnz);
  idx.set(m.idx.subarray(0, nnz));
  const val = heap.f32(nnz);
  val.set(m.val.subarray(0, nnz));
  const x = heap.f32(X.length);
  x.set(X);
  const y = heap.f32(yLength);
  let at = 0;
  for (const part of parts) {
    y.set(part, at);
    at += part.length;
  }
  const g = heap.f32(r * r);
  g.set(G);
  const tmp = heap.f32(3 * r);
  const k = alsKernels();
  const sqNorm = k.cg(m.rows, ptr.byteOffset, idx.byteOffset, val.byteOffset, x.byteOffset, y.byteOffset, g.byteOffset, r, p.reg, p.alpha, p.cgSteps, tmp.byteOffset);
  X.set(x);
  const loss = withLoss ? k.loss(m.rows, ptr.byteOffset, idx.byteOffset, val.byteOffset, x.byteOffset, y.byteOffset, g.byteOffset, r, p.alpha, tmp.byteOffset) : 0;
  // XᵀX: float32 sums of GRAM_BLOCK rows at a time (in g, no longer needed), added up in float64.
  const gram = new Float64Array(r * r);
  for (let u0 = 0; u0 < m.rows; u0 += GRAM_BLOCK) {
    g.fill(0);
    k.gram(Math.min(GRAM_BLOCK, m.rows - u0), x.byteOffset + 4 * u0 * r, r, g.byteOffset);
    for (let t = 0; t < r * r; t++) gram[t] = gram[t]! + g[t]!;
  }
  return { loss, sqNorm, gram };
}

/** {@link alsHalfStep} in float64 JavaScript, rows in lockstep blocks: the reference, and any rank. */
export function alsHalfStepJs(m: Csr, X: Float32Array, factors: Factors, G: Float64Array, p: AlsParams, withLoss: boolean): HalfStepResult {
  checkShapes(m, X, factors, G, p);
  const parts = partsOf(factors);
  const Y = parts.length === 1 ? parts[0]! : Float32Array.from(parts.flatMap((part) => [...part]));
  const r = p.rank;
  const { ptr, idx, val } = m;
  const x = new Float64Array(BLOCK * r);
  const res = new Float64Array(BLOCK * r);
  const dir = new Float64Array(BLOCK * r);
  const ad = new Float64Array(BLOCK * r);
  const rs = new Float64Array(BLOCK);
  const active = new Uint8Array(BLOCK);
  let loss = 0;
  let sqNorm = 0;
  for (let u0 = 0; u0 < m.rows; u0 += BLOCK) {
    const nb = Math.min(BLOCK, m.rows - u0);
    for (let t = 0; t < nb * r; t++) x[t] = X[u0 * r + t]!;
    // res = b − A x = Σ c y − (G + reg) x − Σ (c − 1)(y·x) y
    timesGram(x, G, nb, r, ad);
    for (let b = 0; b < nb; b++) {
      const o = b * r;
      for (let a = 0; a < r; a++) res[o + a] = -ad[o + a]! - p.reg * x[o + a]!;
      for (let k = ptr[u0 + b]!; k < ptr[u0 + b + 1]!; k++) {
        const yo = idx[k]! * r;
        const extra = p.alpha * val[k]!;
        const coef = 1 + extra - extra * dotRow(Y, yo, x, o, r);
        for (let a = 0; a < r; a++) res[o + a] = res[o + a]! + coef * Y[yo + a]!;
      }
      let s = 0;
      for (let a = 0; a < r; a++) {
        dir[o + a] = res[o + a]!;
        s += res[o + a]! * res[o + a]!;
      }
      rs[b] = s;
      active[b] = s >= RESIDUAL_EPS ? 1 : 0;
    }
    for (let step = 0; step < p.cgSteps; step++) {
      timesGram(dir, G, nb, r, ad);
      for (let b = 0; b < nb; b++) {
        if (active[b] === 0) continue;
        const o = b * r;
        for (let a = 0; a < r; a++) ad[o + a] = ad[o + a]! + p.reg * dir[o + a]!;
        for (let k = ptr[u0 + b]!; k < ptr[u0 + b + 1]!; k++) {
          const yo = idx[k]! * r;
          const coef = p.alpha * val[k]! * dotRow(Y, yo, dir, o, r);
          for (let a = 0; a < r; a++) ad[o + a] = ad[o + a]! + coef * Y[yo + a]!;
        }
        let pAp = 0;
        for (let a = 0; a < r; a++) pAp += dir[o + a]! * ad[o + a]!;
        if (!(pAp > 0)) {
          active[b] = 0;
          continue;
        }
        const step = rs[b]! / pAp;
        let next = 0;
        for (let a = 0; a < r; a++) {
          x[o + a] = x[o + a]! + step * dir[o + a]!;
          res[o + a] = res[o + a]! - step * ad[o + a]!;
          next += res[o + a]! * res[o + a]!;
        }
        if (next < RESIDUAL_EPS) {
          active[b] = 0;
          continue;
        }
        const beta = next / rs[b]!;
        for (let a = 0; a < r; a++) dir[o + a] = res[o + a]! + beta * dir[o + a]!;
        rs[b] = next;
      }
    }
    for (let t = 0; t < nb * r; t++) X[u0 * r + t] = x[t]!;
    // Loss and norms at the stored (float32) factors, as the next step will see them.
    for (let t = 0; t < nb * r; t++) x[t] = X[u0 * r + t]!;
    for (let t = 0; t < nb * r; t++) sqNorm += x[t]! * x[t]!;
    if (!withLoss) continue;
    timesGram(x, G, nb, r, ad);
    for (let b = 0; b < nb; b++) {
      const o = b * r;
      for (let a = 0; a < r; a++) loss += x[o + a]! * ad[o + a]!;
      for (let k = ptr[u0 + b]!; k < ptr[u0 + b + 1]!; k++) {
        const s = dotRow(Y, idx[k]! * r, x, o, r);
        const c = 1 + p.alpha * val[k]!;
        loss += c * (1 - s) * (1 - s) - s * s;
      }
    }
  }
  const gram = new Float64Array(r * r);
  addGram(X, m.rows, r, gram);
  return { loss, sqNorm, gram };
}

/** The loss of the docs above from its parts; `normalized` divides by Σ c over all pairs. */
export function totalLoss(parts: { loss: number; sqNormUsers: number; sqNormItems: number; reg: number; users: number; items: number; nnz: number; sumConfidence: number }): { loss: number; normalized: number } {
  const loss = parts.loss + parts.reg * (parts.sqNormUsers + parts.sqNormItems);
  const weight = parts.sumConfidence + parts.users * parts.items - parts.nnz;
  return { loss, normalized: weight > 0 ? loss / weight : 0 };
}
