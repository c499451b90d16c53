/**
 * Small dense symmetric solvers for d×d systems (row-major Float64Array): Cholesky (also as a
 * reusable factor) with a collinearity check, and a minimum-norm pseudo-inverse solve through a
 * cyclic Jacobi eigendecomposition (the least-squares answer scipy's `lstsq` gives on
 * rank-deficient data).
 *
 * ```ts
 * const w = choleskySolve(A, b, d) ?? pinvSolve(A, b, d).x;
 * ```
 */

/**
 * Cholesky factor L (lower triangle, row-major d×d) of symmetric positive-definite A, or null
 * when a pivot falls below `relTol` times the original diagonal entry (a column that is, to that
 * precision, a linear combination of the previous ones). Reads only the lower triangle of A.
 */
export function choleskyFactor(A: Float64Array, d: number, relTol = 1e-10, out?: Float64Array): Float64Array | null {
  const L = out ?? new Float64Array(d * d);
  L.fill(0);
  for (let j = 0; j < d; j++) {
    const rj = j * d;
    let s = A[rj + j]!;
    for (let k = 0; k < j; k++) s -= L[rj + k]! ** 2;
    const diag = A[rj + j]!;
    if (!(s > relTol * diag) || !(diag > 0)) return null;
    const ljj = Math.sqrt(s);
    L[rj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let t = A[ri + j]!;
      for (let k = 0; k < j; k++) t -= L[ri + k]! * L[rj + k]!;
      L[ri + j] = t / ljj;
    }
  }
  return L;
}

/** Solve L Lᵀ x = b given the factor from {@link choleskyFactor}; writes x into `out` (may alias b). */
export function choleskySolveFactored(L: Float64Array, b: Float64Array, d: number, out?: Float64Array): Float64Array {
  const x = out ?? new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let t = b[i]!;
    for (let k = 0; k < i; k++) t -= L[i * d + k]! * x[k]!;
    x[i] = t / L[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let t = x[i]!;
    for (let k = i + 1; k < d; k++) t -= L[k * d + i]! * x[k]!;
    x[i] = t / L[i * d + i]!;
  }
  return x;
}

/**
 * Solve A x = b for symmetric positive-definite A (d×d). Returns null when the factorization
 * fails (see {@link choleskyFactor}), so the caller can switch to {@link pinvSolve}.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, d: number, relTol = 1e-10): Float64Array | null {
  const L = choleskyFactor(A, d, relTol);
  return L === null ? null : choleskySolveFactored(L, b, d);
}

/** Eigenvalues and eigenvectors (columns of V, row-major) of symmetric A by cyclic Jacobi. */
export function symmetricEigen(A: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const v = a[i * d + j]! ** 2;
        total += v;
        if (i !== j) off += v;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const app = a[p * d + p]!;
        const aqq = a[q * d + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p]!;
          const vkq = V[k * d + q]!;
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: V };
}

/**
 * Minimum-norm solution of A x = b for symmetric positive-semidefinite A: eigenvalues at or
 * below `relTol`·λmax count as zero. Returns x and the numerical rank.
 */
export function pinvSolve(A: Float64Array, b: Float64Array, d: number, relTol = 1e-10): { x: Float64Array; rank: number } {
  const { values, vectors: V } = symmetricEigen(A, d);
  let lmax = 0;
  for (const v of values) lmax = Math.max(lmax, v);
  const x = new Float64Array(d);
  let rank = 0;
  for (let k = 0; k < d; k++) {
    const lk = values[k]!;
    if (!(lk > relTol * lmax)) continue;
    rank++;
    let proj = 0;
    for (let i = 0; i < d; i++) proj += V[i * d + k]! * b[i]!;
    const c = proj / lk;
    for (let i = 0; i < d; i++) x[i] = x[i]! + c * V[i * d + k]!;
  }
  return { x, rank };
}
