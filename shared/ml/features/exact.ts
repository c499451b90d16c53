/**
 * Exact sums of doubles, so that fitted statistics do not depend on how rows are split into
 * shards or in which order partials merge: the same rows give bit-for-bit the same state, and so
 * the same pipeline version. A sum is kept as an *expansion* — non-overlapping doubles in
 * increasing magnitude whose exact total is the sum (Shewchuk's algorithm, the one behind
 * Python's `math.fsum`) — and rounded once, correctly, at the end. Products of doubles are split
 * exactly into two doubles (Dekker's two-product), so Σx² and Σxy are exact too.
 *
 * ```ts
 * const s = new ExactSum();
 * for (const x of [1e16, 1, -1e16]) s.add(x);
 * roundSum(s.parts()); // 1 (a plain loop gives 0)
 * ```
 */

/** Adds `x` into the expansion `p[0..n)` in place; returns the new length (may grow by one). */
function addInto(p: Float64Array | number[], n: number, x: number): number {
  let i = 0;
  for (let j = 0; j < n; j++) {
    let y = p[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  p[i] = x;
  return i + 1;
}

/** An exact running sum. `parts()` is its expansion as plain JSON numbers. */
export class ExactSum {
  private p = new Float64Array(4);
  private n = 0;

  add(x: number): void {
    if (this.n === this.p.length) {
      const q = new Float64Array(this.p.length * 2);
      q.set(this.p);
      this.p = q;
    }
    this.n = addInto(this.p, this.n, x);
  }

  /** Adds a·b exactly. */
  addProduct(a: number, b: number): void {
    const p = a * b;
    this.add(p);
    this.add(productError(a, b, p));
  }

  addAll(parts: readonly number[]): void {
    for (const x of parts) this.add(x);
  }

  parts(): number[] {
    return Array.from(this.p.subarray(0, this.n));
  }
}

const SPLIT = 134217729; // 2^27 + 1

/** The rounding error of p = a·b: a·b − p exactly (Dekker; no FMA needed). */
export function productError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** The exact sum of two expansions. */
export function mergeSums(a: readonly number[], b: readonly number[]): number[] {
  const s = new ExactSum();
  s.addAll(a);
  s.addAll(b);
  return s.parts();
}

/** The correctly rounded value of an expansion (Python's `math.fsum` final step). */
export function roundSum(p: readonly number[]): number {
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Round half to even across the remaining parts.
  if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** Correctly rounded `k·A − B·C` for expansions A, B, C and an integer k (exact in between). */
export function combine(k: number, a: readonly number[], b: readonly number[], c: readonly number[]): number {
  const s = new ExactSum();
  for (const x of a) s.addProduct(k, x);
  for (const x of b) for (const y of c) s.addProduct(-x, y);
  return roundSum(s.parts());
}
