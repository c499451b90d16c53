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
  // Each removal pushes at most 2 entries: m + 2m slots are enough.
  const heap = new MinHeap(3 * m);
  for (let k = 1; k < m - 1; k++) heap.push(area(k), k, 0);
  let left = m;
  let floor = 0;
  while (left > maxPoints) {
    const k = heap.topK();
    const a = heap.topArea();
    const v = heap.topVersion();
    heap.pop();
    if (v !== version[k]) continue;
    // Effective areas never decrease, so a point is never ranked below one removed before it.
    floor = Math.max(floor, a);
    const p = prev[k]!;
    const q = next[k]!;
    next[p] = q;
    prev[q] = p;
    version[k] = -1;
    left--;
    for (const nb of [p, q]) {
      if (nb === 0 || nb === m - 1) continue;
      version[nb]!++;
      heap.push(Math.max(floor, area(nb)), nb, version[nb]!);
    }
  }
  const out: number[] = [];
  for (let k = 0; k !== m; k = next[k]!) out.push(idx[k]!);
  return out;
}

/** Binary min-heap of (area, k, version) by (area, k): a total order, so pops are deterministic. */
class MinHeap {
  private readonly area: Float64Array;
  private readonly k: Int32Array;
  private readonly version: Int32Array;
  private size = 0;

  constructor(capacity: number) {
    this.area = new Float64Array(capacity);
    this.k = new Int32Array(capacity);
    this.version = new Int32Array(capacity);
  }

  topArea(): number {
    return this.area[0]!;
  }

  topK(): number {
    return this.k[0]!;
  }

  topVersion(): number {
    return this.version[0]!;
  }

  private less(i: number, j: number): boolean {
    const a = this.area[i]!;
    const b = this.area[j]!;
    return a < b || (a === b && this.k[i]! < this.k[j]!);
  }

  private swap(i: number, j: number): void {
    const { area, k, version } = this;
    const a = area[i]!;
    area[i] = area[j]!;
    area[j] = a;
    const kk = k[i]!;
    k[i] = k[j]!;
    k[j] = kk;
    const v = version[i]!;
    version[i] = version[j]!;
    version[j] = v;
  }

  push(area: number, k: number, version: number): void {
    let i = this.size++;
    this.area[i] = area;
    this.k[i] = k;
    this.version[i] = version;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.area[0] = this.area[last]!;
    this.k[0] = this.k[last]!;
    this.version[0] = this.version[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < last && this.less(l, s)) s = l;
      if (r < last && this.less(r, s)) s = r;
      if (s === i) break;
      this.swap(i, s);
      i = s;
    }
  }
}
