/**
 * `quiver gen transactions`: purchase events of the users `quiver gen users` writes, as CSV or
 * NDJSON (`.gz` compresses), streamed in ~1 MB pieces so a million rows take a few seconds.
 *
 * ```ts
 * await generateUsers({ rows: 100_000, seed: 7, out: 'data/users.csv' });
 * await generateTransactions({ users: 100_000, rows: 1_000_000, seed: 7, out: 'data/transactions.csv' });
 * ```
 *
 * Columns: tx_id (1, 2, ...), user_id, ts (ISO 8601 UTC, seconds), amount (2 decimals; refunds
 * are negative), category. `users` and `seed` name the users file to match: the generator
 * replays `gen users --rows <users> --seed <seed>` (same draws, duplicates included), so every
 * user_id is one of that file's and each user's transactions fall between their signup date
 * and their last login (or the data set's "today", 2025-07-01, when it is missing). About
 * 15–35 % of users have no transactions (more among churners and free plans); the others get a
 * share of `rows` proportional to how long they were active times a per-user rate (higher on
 * paid plans, lower for churners), so activity features carry signal without giving the label
 * away. Rows are ordered by user, then time. Same options → same bytes.
 */
import { QuiverError } from '../../shared/errors.js';
import { Rng, Weighted } from './prng.js';
import { openTextSink, writeError } from './sink.js';
import { formatFromPath } from './users.js';
import { AS_OF_DAY, DAY_MS, dayText, isDuplicateRow, PAD2, userRowSource } from './user-rows.js';
import { PLANS } from './vocab.js';
import type { Plan } from './vocab.js';

export const TRANSACTION_COLUMNS: readonly string[] = ['tx_id', 'user_id', 'ts', 'amount', 'category'];

export interface GenerateTransactionsOptions {
  /** The `--rows` of the `gen users` file to match, ≥ 1. */
  users: number;
  /** Transactions to write, ≥ 0. */
  rows: number;
  /** The `--seed` of the `gen users` file to match; the same options give the same bytes. */
  seed: number;
  /** Local file path; parent folders are created. `.gz` compresses. */
  out: string;
  /** Default: from the extension (`.csv`, `.ndjson`/`.jsonl`, optionally + `.gz`). */
  format?: 'csv' | 'ndjson';
  /** Called after each ~1 MB piece with rows written so far. */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

export interface GenerateTransactionsResult {
  rows: number;
  /** Distinct users in the users file (its rows less its duplicate rows). */
  users: number;
  /** Of those, users with at least one transaction. */
  activeUsers: number;
  /** Size of the written file (compressed size for `.gz`). */
  bytes: number;
  seconds: number;
}

/** Per distinct user of the replayed users file, in file order. */
interface Profiles {
  count: number;
  ids: string[];
  firstDay: Int32Array;
  lastDay: Int32Array;
  plan: Uint8Array;
  /** Relative share of the transactions; 0 = none. */
  weight: Float64Array;
}

const CATEGORIES = new Weighted<string>([
  ['subscription', 45],
  ['add-on', 20],
  ['marketplace', 20],
  ['services', 10],
  ['refund', 5],
]);
const PLAN_RATE: Record<Plan, number> = { free: 0.02, basic: 0.05, premium: 0.08, enterprise: 0.15 };
const PLAN_AMOUNT: Record<Plan, number> = { free: 4, basic: 12, premium: 35, enterprise: 220 };
/** Per-user draws use their own stream, so they never shift the replayed users' draws. */
const TX_STREAM = 0x7a5c0de;

function optionError(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

function validate(opts: GenerateTransactionsOptions): 'csv' | 'ndjson' {
  if (!Number.isInteger(opts.users) || opts.users < 1) throw optionError(`users must be a whole number ≥ 1 (the --rows of gen users), got ${String(opts.users)}`);
  if (!Number.isInteger(opts.rows) || opts.rows < 0) throw optionError(`rows must be a whole number ≥ 0, got ${String(opts.rows)}`);
  if (!Number.isFinite(opts.seed)) throw optionError(`seed must be a finite number, got ${String(opts.seed)}`);
  if (typeof opts.out !== 'string' || opts.out === '') throw optionError('out must be a file path such as data/transactions.csv');
  const format = opts.format ?? formatFromPath(opts.out).format;
  if (format !== 'csv' && format !== 'ndjson') {
    throw optionError(`cannot tell the format of "${opts.out}": name it .csv, .ndjson or .jsonl (optionally .gz), or pass format 'csv' or 'ndjson'`);
  }
  return format;
}

const dayOf = (iso: string): number => Math.floor(Date.parse(iso.slice(0, 10)) / DAY_MS);

/** Replays `gen users --rows users --seed seed` and draws each distinct user's activity. */
function profiles(users: number, seed: number): Profiles {
  const rng = new Rng(seed);
  const next = userRowSource(rng);
  const p: Profiles = {
    count: 0,
    ids: [],
    firstDay: new Int32Array(users),
    lastDay: new Int32Array(users),
    plan: new Uint8Array(users),
    weight: new Float64Array(users),
  };
  const tx = new Rng(Math.floor(seed) ^ TX_STREAM);
  for (let i = 0; i < users; i++) {
    if (isDuplicateRow(rng, i)) continue;
    const row = next();
    const u = p.count++;
    const plan = row.plan as Plan;
    const churned = row.churned === '1';
    const first = dayOf(row.signup_date);
    const last = row.last_login === '' ? AS_OF_DAY - 1 : Math.max(first, dayOf(row.last_login));
    p.ids.push(row.user_id);
    p.firstDay[u] = first;
    p.lastDay[u] = last;
    p.plan[u] = PLANS.indexOf(plan);
    const none = 0.15 + (churned ? 0.1 : 0) + (plan === 'free' ? 0.1 : 0);
    const rate = PLAN_RATE[plan] * (churned ? 0.6 : 1) * Math.exp(tx.normal(0, 0.6));
    p.weight[u] = tx.next() < none ? 0 : rate * (last - first + 1);
  }
  return p;
}

export async function generateTransactions(opts: GenerateTransactionsOptions): Promise<GenerateTransactionsResult> {
  const format = validate(opts);
  const t0 = performance.now();
  const p = profiles(opts.users, opts.seed);
  let total = 0;
  let lastActive = -1;
  for (let u = 0; u < p.count; u++) {
    total += p.weight[u]!;
    if (p.weight[u]! > 0) lastActive = u;
  }
  if (opts.rows > 0 && total === 0) throw optionError(`none of the ${p.count} users drew any activity; raise --users or try another --seed`);

  const rng = new Rng((Math.floor(opts.seed) ^ TX_STREAM) + 1);
  const sink = await openTextSink(opts.out);
  let bytes: number;
  let activeUsers = 0;
  try {
    if (format === 'csv') await sink.write(TRANSACTION_COLUMNS.join(',') + '\n');
    let done = 0;
    let cumulative = 0;
    let times = new Float64Array(64);
    for (let u = 0; u < p.count && done < opts.rows; u++) {
      // Cumulative rounding: the counts add up to exactly `rows`, and a zero weight gives none.
      if (p.weight[u] === 0) continue;
      cumulative += p.weight[u]!;
      const end = u === lastActive ? opts.rows : Math.min(opts.rows, Math.round((cumulative / total) * opts.rows));
      const k = end - done;
      if (k <= 0) continue;
      activeUsers++;
      if (times.length < k) times = new Float64Array(Math.max(k, times.length * 2));
      const first = p.firstDay[u]!;
      const span = p.lastDay[u]! - first + 1;
      for (let j = 0; j < k; j++) times[j] = (first + Math.floor(rng.next() * span)) * 86_400 + Math.floor(rng.next() * 86_400);
      const sorted = times.subarray(0, k).sort();
      const id = p.ids[u]!;
      const plan = PLANS[p.plan[u]!]!;
      const lines = new Array<string>(k);
      for (let j = 0; j < k; j++) {
        const s = sorted[j]!;
        const day = Math.floor(s / 86_400);
        const sec = s - day * 86_400;
        const ts = `${dayText(day)}T${PAD2[Math.floor(sec / 3600)]!}:${PAD2[Math.floor(sec / 60) % 60]!}:${PAD2[sec % 60]!}Z`;
        const category = CATEGORIES.draw(rng);
        const size = PLAN_AMOUNT[plan] * Math.exp(rng.normal(0, 0.7));
        const amount = (category === 'refund' ? -size : size).toFixed(2);
        const txId = done + j + 1;
        lines[j] = format === 'csv' ? `${txId},${id},${ts},${amount},${category}` : `{"tx_id":${txId},"user_id":${id},"ts":"${ts}","amount":${amount},"category":"${category}"}`;
      }
      done = end;
      if (await sink.append(lines.join('\n') + '\n', done === opts.rows)) opts.onProgress?.(done, opts.rows);
    }
    bytes = await sink.close();
  } catch (err) {
    sink.destroy();
    throw writeError(opts.out, err);
  }
  return { rows: opts.rows, users: p.count, activeUsers, bytes, seconds: (performance.now() - t0) / 1000 };
}
