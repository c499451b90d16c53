/**
 * Best split of one node from its histogram, as scikit-learn's `Splitter`: every feature, every
 * bin threshold, missing values first sent right (scanning left to right, which also tries
 * "all values left, missing right"), then, for features with missing values, sent left
 * (scanning right to left). A split scores ΣG²/(H+λ) over its two children and must beat the
 * node's own G²/(H+λ), leave ≥ minSamplesLeaf rows and a hessian ≥ 1e-3 on each side.
 *
 * Sums are the histogram's exact quantized integers; λ and the hessian floor are rescaled to
 * them. Row counts per side are estimated from the hessian as LightGBM does
 * (count · H_side / H_node); with a constant hessian (squared error, no weights) that is exact.
 *
 * ```ts
 * const s = newSplit();
 * if (findBestSplit(ctx, hist, totalPacked, nRows, s)) use(s.feature, s.bin, s.missingLeft);
 * ```
 */
import { SLOTS } from './histogram.js';

export interface SplitContext {
  d: number;
  /** Value bins per feature (thresholds + 1). */
  nBins: Int32Array;
  /** 1 where the feature had a missing value in the training rows. */
  hasMissing: Uint8Array;
  /** Packing base and its inverse (see quantize.ts). */
  S: number;
  invS: number;
  /** λ and the minimum hessian, in quantized hessian units. */
  lambdaQ: number;
  minHessQ: number;
  minLeaf: number;
}

export interface Split {
  feature: number;
  /** Rows with a value bin ≤ bin go left. */
  bin: number;
  missingLeft: boolean;
  /** Score gain over the unsplit node, quantized units (× sg²/sh for real units). */
  gain: number;
  /** Packed sum of the left child's rows. */
  leftPacked: number;
}

export function newSplit(): Split {
  return { feature: -1, bin: 0, missingLeft: false, gain: 0, leftPacked: 0 };
}

/** Fills `out` with the node's best split; false when no split is allowed or none helps. */
export function findBestSplit(ctx: SplitContext, hist: Float64Array, totalP: number, count: number, out: Split): boolean {
  const { d, nBins, hasMissing, S, invS, lambdaQ: lam, minHessQ, minLeaf } = ctx;
  const tG = Math.floor(totalP * invS);
  const tH = totalP - tG * S;
  if (tH <= 0 || count < 2 * minLeaf) return false;
  const cf = count / tH;
  const parent = (tG * tG) / (tH + lam);
  let best = parent;
  let bestF = -1;
  let bestB = 0;
  let bestMissLeft = false;
  let bestLeft = 0;
  for (let j = 0; j < d; j++) {
    const base = j * SLOTS;
    const nb = nBins[j]!;
    const end = hasMissing[j] === 1 ? nb : nb - 1;
    let cum = 0;
    for (let b = 0; b < end; b++) {
      cum += hist[base + b]!;
      const gl = Math.floor(cum * invS);
      const hl = cum - gl * S;
      if (hl < minHessQ || Math.round(hl * cf) < minLeaf) continue;
      const hr = tH - hl;
      if (hr < minHessQ || Math.round(hr * cf) < minLeaf) break;
      const gr = tG - gl;
      const s = (gl * gl) / (hl + lam) + (gr * gr) / (hr + lam);
      if (s > best) {
        best = s;
        bestF = j;
        bestB = b;
        bestMissLeft = false;
        bestLeft = cum;
      }
    }
    const missP = hist[base + SLOTS - 1]!;
    if (hasMissing[j] !== 1 || missP === 0) continue;
    let cumR = 0;
    for (let b = nb - 2; b >= 0; b--) {
      cumR += hist[base + b + 1]!;
      const gr = Math.floor(cumR * invS);
      const hr = cumR - gr * S;
      if (hr < minHessQ || Math.round(hr * cf) < minLeaf) continue;
      const hl = tH - hr;
      if (hl < minHessQ || Math.round(hl * cf) < minLeaf) break;
      const gl = tG - gr;
      const s = (gl * gl) / (hl + lam) + (gr * gr) / (hr + lam);
      if (s > best) {
        best = s;
        bestF = j;
        bestB = b;
        bestMissLeft = true;
        bestLeft = totalP - cumR;
      }
    }
  }
  if (bestF < 0) return false;
  out.feature = bestF;
  out.bin = bestB;
  out.missingLeft = bestMissLeft;
  out.gain = best - parent;
  out.leftPacked = bestLeft;
  return true;
}
