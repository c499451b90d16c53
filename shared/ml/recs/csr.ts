/**
 * Interactions as compressed sparse rows: row r (a user, or an item for the item step) has the
 * entries `idx[ptr[r] .. ptr[r + 1])` (indices on the other side, ascending) with raw weights
 * `val` (watch counts, ratings: confidence is 1 + alpha · weight, see ./als.ts). Duplicate
 * (row, column) pairs are summed.
 *
 * ```ts
 * const byUser = csrFromPairs(users, nUsers, items, nItems, weights); // Int32Array indices
 * for (let k = byUser.ptr[u]!; k < byUser.ptr[u + 1]!; k++) use(byUser.idx[k]!, byUser.val[k]!);
 * ```
 */
import { QuiverError } from '../../errors.js';

export interface Csr {
  rows: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
}

/**
 * The CSR of `rows` × `cols` from pairs (row[k], col[k], weight[k]): entries of a row sorted by
 * column, duplicates summed. Weights must be finite and > 0 (an implicit-feedback weight says
 * how strong a signal is; 0 is no signal and a negative is not one). Two counting sorts (by
 * column, then stably by row): linear in the pairs, whatever their order.
 */
export function csrFromPairs(row: Int32Array, rows: number, col: Int32Array, cols: number, weight: Float32Array | Float64Array): Csr {
  const n = row.length;
  if (col.length !== n || weight.length !== n) throw QuiverError.nonRetryable('INTERNAL', `csrFromPairs: ${n} rows, ${col.length} columns, ${weight.length} weights`);
  const byCol = new Int32Array(cols + 1);
  const count = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) {
    const r = row[k]!;
    const c = col[k]!;
    if (r < 0 || r >= rows || c < 0 || c >= cols) throw QuiverError.nonRetryable('INTERNAL', `csrFromPairs: pair (${r}, ${c}) outside ${rows}×${cols}`);
    const w = weight[k]!;
    if (!(w > 0) || !Number.isFinite(w)) throw QuiverError.nonRetryable('INPUT_INVALID', `interaction weight ${w} must be a finite number > 0; filter out or fix such rows before the als stage`);
    byCol[c + 1] = byCol[c + 1]! + 1;
    count[r + 1] = count[r + 1]! + 1;
  }
  for (let c = 0; c < cols; c++) byCol[c + 1] = byCol[c + 1]! + byCol[c]!;
  for (let r = 0; r < rows; r++) count[r + 1] = count[r + 1]! + count[r]!;
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[byCol[col[k]!]!++] = k;
  const at = count.slice(0, rows);
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    const k = order[t]!;
    const p = at[row[k]!]!++;
    idx[p] = col[k]!;
    val[p] = weight[k]!;
  }
  // Merge duplicates in place (entries of a row are now ascending by column).
  const ptr = new Int32Array(rows + 1);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    ptr[r] = out;
    for (let i = count[r]!; i < count[r + 1]!; i++) {
      if (out > ptr[r]! && idx[out - 1] === idx[i]) val[out - 1] = val[out - 1]! + val[i]!;
      else {
        idx[out] = idx[i]!;
        val[out] = val[i]!;
        out++;
      }
    }
  }
  ptr[rows] = out;
  return { rows, ptr, idx: out === n ? idx : idx.slice(0, out), val: out === n ? val : val.slice(0, out) };
}

/** The transpose: the same entries by column (`cols` rows). */
export function transpose(m: Csr, cols: number): Csr {
  const rows = new Int32Array(m.idx.length);
  for (let r = 0; r < m.rows; r++) rows.fill(r, m.ptr[r]!, m.ptr[r + 1]!);
  return csrFromPairs(m.idx, cols, rows, m.rows, m.val);
}
