/**
 * numpy's default `argsort` (kind='quicksort') for float64, step for step: the introsort of
 * numpy 1.24's `npysort/quicksort.cpp` (median-of-3 quicksort, insertion sort for 16 or fewer
 * elements, heapsort past a depth of 2·⌊log2 n⌋). It is not stable, so the order of equal
 * values depends on this exact algorithm; TfidfVectorizer's `max_features` cut goes through it
 * (`(-tfs[mask]).argsort()[:limit]`), and copying it is how ties come out as sklearn's do.
 *
 * ```ts
 * npArgsort(Float64Array.of(3, 1, 2)); // Int32Array [1, 2, 0]
 * ```
 */

const SMALL_QUICKSORT = 15;

/** numpy's float order: NaN sorts last. */
function lessValue(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

function msb(n: number): number {
  let d = 0;
  while ((n >>= 1) > 0) d++;
  return d;
}

/** numpy's `aheapsort_` over tosort[pl..pl+n-1]. */
function heapsort(less: (i: number, j: number) => boolean, tosort: Int32Array, pl: number, n: number): void {
  // 1-based heap over tosort[pl - 1 + i].
  const base = pl - 1;
  let i: number;
  let j: number;
  let tmp: number;
  for (let l = n >> 1; l > 0; --l) {
    tmp = tosort[base + l]!;
    for (i = l, j = l << 1; j <= n; ) {
      if (j < n && less(tosort[base + j]!, tosort[base + j + 1]!)) j += 1;
      if (less(tmp, tosort[base + j]!)) {
        tosort[base + i] = tosort[base + j]!;
        i = j;
        j += j;
      } else break;
    }
    tosort[base + i] = tmp;
  }
  for (; n > 1; ) {
    tmp = tosort[base + n]!;
    tosort[base + n] = tosort[base + 1]!;
    n -= 1;
    for (i = 1, j = 2; j <= n; ) {
      if (j < n && less(tosort[base + j]!, tosort[base + j + 1]!)) j++;
      if (less(tmp, tosort[base + j]!)) {
        tosort[base + i] = tosort[base + j]!;
        i = j;
        j += j;
      } else break;
    }
    tosort[base + i] = tmp;
  }
}

/** Indices that sort `v` ascending, in the order numpy 1.24's `np.argsort(v)` returns them. */
export function npArgsort(v: Float64Array): Int32Array {
  return argsortBy(v.length, (i, j) => lessValue(v[i]!, v[j]!));
}

/**
 * The same algorithm over indices 0..num-1 ordered by `less(i, j)` (the pivot is compared by
 * its index, which stays put during a partition, so this equals comparing its value).
 */
export function argsortBy(num: number, less: (i: number, j: number) => boolean): Int32Array {
  const tosort = new Int32Array(num);
  for (let i = 0; i < num; i++) tosort[i] = i;
  if (num < 2) return tosort;
  const swap = (a: number, b: number): void => {
    const t = tosort[a]!;
    tosort[a] = tosort[b]!;
    tosort[b] = t;
  };
  let pl = 0;
  let pr = num - 1;
  const stack: number[] = [];
  const depth: number[] = [];
  let cdepth = msb(num) * 2;
  for (;;) {
    let sorted = false;
    if (cdepth < 0) {
      heapsort(less, tosort, pl, pr - pl + 1);
      sorted = true;
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (less(tosort[pm]!, tosort[pl]!)) swap(pm, pl);
        if (less(tosort[pr]!, tosort[pm]!)) swap(pr, pm);
        if (less(tosort[pm]!, tosort[pl]!)) swap(pm, pl);
        const ip = tosort[pm]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (less(tosort[pi]!, ip));
          do --pj;
          while (less(ip, tosort[pj]!));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        const pk = pr - 1;
        swap(pi, pk);
        // Push the larger partition, go on with the smaller one.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depth.push(--cdepth);
      }
    }
    if (!sorted) {
      for (let pi = pl + 1; pi <= pr; ++pi) {
        const vi = tosort[pi]!;
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && less(vi, tosort[pk]!)) tosort[pj--] = tosort[pk--]!;
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depth.pop()!;
  }
  return tosort;
}
