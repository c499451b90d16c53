/**
 * `quiver gen interactions`: implicit feedback of a streaming service (who watched what, how
 * often, when) with a hidden low-rank structure and popularity skew, plus a held-out split (each
 * user's last `holdout` interactions in time), so recommendation quality is measurable.
 *
 * ```ts
 * await generateInteractions({ users: 100_000, items: 10_000, seed: 7, out: 'data/interactions.csv' });
 * // → data/interactions.csv (training) and data/interactions-heldout.csv (the last 2 per user)
 * ```
 *
 * Columns: user_id, item_id (integers from 0), plays (1 + a geometric count, so most
 * are 1), ts (ISO 8601 UTC). The structure: `tastes` hidden taste vectors (rank `rank`) and one
 * vector per item; each user mixes two tastes, and picks items with probability proportional to
 * popularity × exp(taste·item), popularity following a Zipf-like law over the catalog. Per-user
 * counts are log-normal around `perUser` (at least holdout + 1, so every user keeps a training
 * row), items distinct per user. Rows are ordered by user, then time. Same options → same bytes.
 */
import { QuiverError } from '../../shared/errors.js';
import { Rng } from './prng.js';
import { openTextSink, writeError } from './sink.js';
import type { TextSink } from './sink.js';

export const INTERACTION_COLUMNS: readonly string[] = ['user_id', 'item_id', 'plays', 'ts'];

export interface GenerateInteractionsOptions {
  users: number;
  items: number;
  /** Mean interactions per user (training + held out), default 20. */
  perUser?: number;
  /** Held-out interactions per user (the latest ones), default 2; 0 writes no held-out file. */
  holdout?: number;
  /** Rank of the hidden structure, default 16. */
  rank?: number;
  seed: number;
  /** Training file (.csv, optionally .gz). */
  out: string;
  /** Held-out file; default `out` with `-heldout` before the extension. */
  heldOutOut?: string;
  onProgress?: (usersDone: number, usersTotal: number) => void;
}

export interface GenerateInteractionsResult {
  users: number;
  items: number;
  rows: number;
  heldOutRows: number;
  bytes: number;
  heldOutBytes: number;
  out: string;
  heldOutOut: string | null;
  seconds: number;
}

/** Hidden taste groups (the structure's components). */
const TASTES = 48;
/** Zipf-like popularity exponent. */
const ZIPF = 0.9;
/** Strength of taste against popularity. */
const TASTE_STRENGTH = 2.5;
const START_MS = Date.UTC(2026, 0, 1);
const SPAN_MS = 300 * 86_400_000;

export function heldOutPath(out: string): string {
  const m = /^(.*?)(\.[a-z]+)?(\.gz)?$/i.exec(out)!;
  return `${m[1]}-heldout${m[2] ?? ''}${m[3] ?? ''}`;
}

function optionError(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

/** Per taste: the cumulative pick weights over the items. */
function tasteTables(items: number, rank: number, rng: Rng): Float64Array[] {
  const itemVec = new Float64Array(items * rank);
  for (let i = 0; i < itemVec.length; i++) itemVec[i] = rng.normal(0, 1 / Math.sqrt(rank));
  // Popularity by a random permutation of Zipf ranks (popular items are not the low ids).
  const perm = Int32Array.from({ length: items }, (_, i) => i);
  for (let i = items - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const pop = Float64Array.from({ length: items }, (_, i) => 1 / (perm[i]! + 10) ** ZIPF);
  const tables: Float64Array[] = [];
  const taste = new Float64Array(rank);
  for (let t = 0; t < TASTES; t++) {
    for (let a = 0; a < rank; a++) taste[a] = rng.normal(0, 1);
    const cdf = new Float64Array(items);
    let s = 0;
    for (let i = 0; i < items; i++) {
      let dot = 0;
      for (let a = 0; a < rank; a++) dot += taste[a]! * itemVec[i * rank + a]!;
      s += pop[i]! * Math.exp(TASTE_STRENGTH * dot);
      cdf[i] = s;
    }
    tables.push(cdf);
  }
  return tables;
}

function drawFrom(cdf: Float64Array, u: number): number {
  const x = u * cdf[cdf.length - 1]!;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export async function generateInteractions(opts: GenerateInteractionsOptions): Promise<GenerateInteractionsResult> {
  const started = performance.now();
  const perUser = opts.perUser ?? 20;
  const holdout = opts.holdout ?? 2;
  const rank = opts.rank ?? 16;
  if (!Number.isInteger(opts.users) || opts.users < 1) throw optionError(`--users must be a positive integer, got ${opts.users}`);
  if (!Number.isInteger(opts.items) || opts.items < 2) throw optionError(`--items must be an integer ≥ 2, got ${opts.items}`);
  if (!Number.isInteger(holdout) || holdout < 0) throw optionError(`--holdout must be an integer ≥ 0, got ${holdout}`);
  if (!(perUser >= holdout + 1)) throw optionError(`--per-user ${perUser} must be at least --holdout + 1 (${holdout + 1}): every user keeps a training interaction`);
  if (perUser > opts.items / 2) throw optionError(`--per-user ${perUser} must be at most half of --items (${opts.items}): items are distinct per user`);
  if (!Number.isInteger(rank) || rank < 1) throw optionError(`--rank must be a positive integer, got ${rank}`);
  if (!/\.csv(\.gz)?$/i.test(opts.out)) throw optionError(`--out ${opts.out}: interactions are written as .csv (or .csv.gz)`);
  const heldOutOut = holdout === 0 ? null : (opts.heldOutOut ?? heldOutPath(opts.out));
  const rng = new Rng(opts.seed);
  const tables = tasteTables(opts.items, rank, rng);
  const header = `${INTERACTION_COLUMNS.join(',')}\n`;
  const train = await openTextSink(opts.out);
  let held: TextSink | null = null;
  let rows = 0;
  let heldOutRows = 0;
  try {
    held = heldOutOut === null ? null : await openTextSink(heldOutOut);
    await train.write(header);
    await held?.write(header);
    const picked = new Set<number>();
    const times: number[] = [];
    const mu = Math.log(perUser) - 0.18;
    for (let u = 0; u < opts.users; u++) {
      const n = Math.min(Math.floor(opts.items / 2), Math.max(holdout + 1, Math.round(Math.exp(rng.normal(mu, 0.6)))));
      const a = tables[rng.int(0, TASTES - 1)]!;
      const b = tables[rng.int(0, TASTES - 1)]!;
      const mix = rng.next();
      picked.clear();
      const order: number[] = [];
      while (order.length < n) {
        const item = drawFrom(rng.next() < mix ? a : b, rng.next());
        if (picked.has(item)) continue;
        picked.add(item);
        order.push(item);
      }
      times.length = 0;
      let t = START_MS + Math.floor(rng.next() * SPAN_MS * 0.5);
      for (let j = 0; j < n; j++) {
        t += 1000 + Math.floor(rng.next() * 3 * 86_400_000);
        times.push(t);
      }
      let trainText = '';
      let heldText = '';
      for (let j = 0; j < n; j++) {
        let plays = 1;
        while (plays < 50 && rng.next() < 0.35) plays++;
        const line = `${u},${order[j]},${plays},${new Date(times[j]!).toISOString().slice(0, 19)}Z\n`;
        if (j >= n - holdout) {
          heldText += line;
          heldOutRows++;
        } else {
          trainText += line;
          rows++;
        }
      }
      const wrote = await train.append(trainText);
      if (held !== null && heldText !== '') await held.append(heldText);
      if (wrote) opts.onProgress?.(u + 1, opts.users);
    }
    const bytes = await train.close();
    const heldOutBytes = held === null ? 0 : await held.close();
    opts.onProgress?.(opts.users, opts.users);
    return { users: opts.users, items: opts.items, rows, heldOutRows, bytes, heldOutBytes, out: opts.out, heldOutOut, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    train.destroy();
    held?.destroy();
    throw writeError(opts.out, err);
  }
}
