/**
 * Thinning a ROC curve (or any polyline) for the report without changing its look: at most
 * `maxPoints` of the original points are kept, always the first and the last. Points on a
 * straight run (and repeated points) go first, since dropping them changes nothing; past
 * that, the corner whose removal changes the area under the curve least goes next
 * (Visvalingam–Whyatt: the triangle it makes with its kept neighbours), ties to the earlier
 * point. The result is a subsequence of the input, so a monotone curve stays monotone, and the
 * same input always gives the same output.
 *
 * ```ts
 * const roc = rocCurve(yTrue, yScore);
 * const { fpr, tpr } = thinCurve(roc.fpr, roc.tpr); // ≤ 200 points, [0,0] … [1,1] kept
 * ```
 */
import { QuiverError } from '../../errors.js';

export interface ThinnedCurve {
  fpr: number[];
  tpr: number[];
}

/** Relative tolerance under which three points count as collinear (sine of the turn). */
const COLLINEAR = 1e-12;

/** `fpr`/`tpr` of equal length and finite; `maxPoints` an integer ≥ 2 (default 200). */
export function thinCurve(fpr: ArrayLike<number>, tpr: ArrayLike<number>, maxPoints = 200): ThinnedCurve {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `maxPoints: ${String(maxPoints)} is not an integer ≥ 2; give 2 or more (the ends are always kept)`);
  }
  const n = fpr.length;
  if (tpr.length !== n) throw QuiverError.nonRetryable('INPUT_INVALID', `thinCurve: fpr has ${n} points but tpr has ${tpr.length}; give one tpr per fpr`);
  const x = Array.from(fpr);
  const y = Array.from(tpr);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `thinCurve: point ${i} (${String(x[i])}, ${String(y[i])}) is not finite; drop NaN/Infinity points first`);
    }
  }
  if (n <= maxPoints) return { fpr: x, tpr: y };
  let keep = dropCollinear(x, y);
  if (keep.length > maxPoints) keep = visvalingam(x, y, keep, maxPoints);
  return { fpr: keep.map((i) => x[i]!), tpr: keep.map((i) => y[i]!) };
}

/** Indices of the points that are not on a straight run between their kept neighbours. */
function dropCollinear(x: readonly number[], y: readonly number[]): number[] {
  const n = x.length;
  const kept = [0];
  for (let i = 1; i < n - 1; i++) {
    const p = kept[kept.length - 1]!;
    const dx1 = x[i]! - x[p]!;
    const dy1 = y[i]! - y[p]!;
    const dx2 = x[i + 1]! - x[i]!;
    const dy2 = y[i + 1]! - y[i]!;
    const cross = dx1 * dy2 - dy1 * dx2;
    const dot = dx1 * dx2 + dy1 * dy2;
    // A straight continuation (or a repeated point): the curve looks the same without it.
    // A turn back along the same line (dot < 0) is a corner and stays.
    if (Math.abs(cross) <= COLLINEAR * Math.hypot(dx1, dy1) * Math.hypot(dx2, dy2) && dot >= 0) continue;
    kept.push(i);
  }
  kept.push(n - 1);
  return kept;
}

/** Removes the point of smallest effective area until `maxPoints` remain (ends never removed). */
function visvalingam(x: readonly number[], y: readonly number[], idx: readonly number[], maxPoints: number): number[] {
  const m = idx.length;
  const prev = Int32Array.from({ length: m }, (_, i) => i - 1);
  const next = Int32Array.from({ length: m }, (_, i) => i + 1);
  const version = new Int32Array(m);
  const area = (k: number): number => {
    const a = idx[prev[k]!]!;
    const b = idx[k]!;
    const c = idx[next[k]!]!;
    return Math.abs((x[b]! - x[a]!) * (y[c]! - y[b]!) - (y[b]! - y[a]!) * (x[c]! - x[b]!)) / 2;
  };
  const heap = new MinHeap();
  for (let k = 1; k < m - 1; k++) heap.push({ area: area(k), k, version: 0 });
  let left = m;
  let floor = 0;
  while (left > maxPoints) {
    const e = heap.pop()!;
    if (e.version !== version[e.k]) continue;
    // Effective areas never decrease, so a point is never ranked below one removed before it.
    floor = Math.max(floor, e.area);
    const p = prev[e.k]!;
    const q = next[e.k]!;
    next[p] = q;
    prev[q] = p;
    version[e.k] = -1;
    left--;
    for (const nb of [p, q]) {
      if (nb === 0 || nb === m - 1) continue;
      version[nb]!++;
      heap.push({ area: Math.max(floor, area(nb)), k: nb, version: version[nb]! });
    }
  }
  const out: number[] = [];
  for (let k = 0; k !== m; k = next[k]!) out.push(idx[k]!);
  return out;
}

interface Entry {
  area: number;
  k: number;
  version: number;
}

/** Binary min-heap by (area, k): a total order, so pops are deterministic. */
class MinHeap {
  private readonly items: Entry[] = [];

  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < a.length && less(a[l]!, a[s]!)) s = l;
      if (r < a.length && less(a[r]!, a[s]!)) s = r;
      if (s === i) break;
      [a[i], a[s]] = [a[s]!, a[i]!];
      i = s;
    }
    return top;
  }
}

const less = (a: Entry, b: Entry): boolean => a.area < b.area || (a.area === b.area && a.k < b.k);
