/**
 * `quiver gen users`: a realistic, deterministic churn data set written as CSV or NDJSON
 * (`.gz` compresses), streamed in chunks so a million rows take a few seconds and little memory.
 *
 * ```ts
 * const { rows, bytes, seconds } = await generateUsers({ rows: 1_000_000, seed: 7, out: 'data/users.csv' });
 * ```
 *
 * Columns: user_id, email, signup_date, last_login, country, city, age, gender, plan, device,
 * monthly_spend, total_spend, tenure_months, sessions_30d, avg_session_min, support_tickets,
 * is_promo, nps, churned. `churned` follows a logistic model of tenure (−), support tickets
 * (+), sessions (−), plan (free +, enterprise −), promo (+) plus noise, so a model can learn
 * it; churners also logged in less recently (exponential recency, means 30 and 10 days) and
 * rate lower nps, signals that overlap between the classes rather than give the answer. Dirt on purpose: 2–5 % missing values in several columns, malformed emails, country codes
 * like ' us' or 'Us', impossible ages (−1, 230…), nps mostly missing, total_spend sometimes
 * below monthly_spend, and ~0.1 % exact duplicate rows. Same seed → same bytes.
 */
import { QuiverError } from '../../shared/errors.js';
import { Rng } from './prng.js';
import { openTextSink, writeError } from './sink.js';
import { isDuplicateRow, userRowSource, USER_COLUMNS } from './user-rows.js';
import type { UserRow } from './user-rows.js';

export { USER_COLUMNS };

export interface GenerateUsersOptions {
  /** Rows to write (duplicates included), ≥ 0. */
  rows: number;
  /** Any finite number; the same seed gives the same bytes. */
  seed: number;
  /** Local file path; parent folders are created. `.gz` compresses. */
  out: string;
  /** Default: from the extension (`.csv`, `.ndjson`/`.jsonl`, optionally + `.gz`). */
  format?: 'csv' | 'ndjson';
  /** Called after each chunk with rows written so far. */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

export interface GenerateUsersResult {
  rows: number;
  /** Size of the written file (compressed size for `.gz`). */
  bytes: number;
  seconds: number;
}

const BATCH_ROWS = 512;

export function formatFromPath(out: string): { format: 'csv' | 'ndjson' | undefined; gzip: boolean } {
  const lower = out.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  if (base.endsWith('.csv')) return { format: 'csv', gzip };
  if (base.endsWith('.ndjson') || base.endsWith('.jsonl')) return { format: 'ndjson', gzip };
  return { format: undefined, gzip };
}

function validate(opts: GenerateUsersOptions): { format: 'csv' | 'ndjson'; gzip: boolean } {
  if (!Number.isInteger(opts.rows) || opts.rows < 0) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `rows must be a whole number ≥ 0, got ${String(opts.rows)}`);
  }
  if (!Number.isFinite(opts.seed)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `seed must be a finite number, got ${String(opts.seed)}`);
  }
  if (typeof opts.out !== 'string' || opts.out === '') {
    throw QuiverError.nonRetryable('OPTION_INVALID', 'out must be a file path such as data/users.csv');
  }
  const fromPath = formatFromPath(opts.out);
  const format = opts.format ?? fromPath.format;
  if (format !== 'csv' && format !== 'ndjson') {
    throw QuiverError.nonRetryable(
      'OPTION_INVALID',
      `cannot tell the format of "${opts.out}": name it .csv, .ndjson or .jsonl (optionally .gz), or pass format 'csv' or 'ndjson'`,
    );
  }
  return { format, gzip: fromPath.gzip };
}

function csvLine(r: UserRow): string {
  return `${r.user_id},${r.email},${r.signup_date},${r.last_login},${r.country},${r.csvCity},${r.age},${r.gender},${r.plan},${r.device},${r.monthly_spend},${r.total_spend},${r.tenure_months},${r.sessions_30d},${r.avg_session_min},${r.support_tickets},${r.is_promo},${r.nps},${r.churned}`;
}

const q = (s: string): string => (s === '' ? 'null' : `"${s}"`);
const n = (s: string): string => (s === '' ? 'null' : s);

function jsonLine(r: UserRow): string {
  return `{"user_id":${r.user_id},"email":${q(r.email)},"signup_date":${q(r.signup_date)},"last_login":${q(r.last_login)},"country":${q(r.country)},"city":${r.jsonCity},"age":${n(r.age)},"gender":${q(r.gender)},"plan":${q(r.plan)},"device":${q(r.device)},"monthly_spend":${n(r.monthly_spend)},"total_spend":${n(r.total_spend)},"tenure_months":${r.tenure_months},"sessions_30d":${n(r.sessions_30d)},"avg_session_min":${n(r.avg_session_min)},"support_tickets":${r.support_tickets},"is_promo":${r.is_promo},"nps":${n(r.nps)},"churned":${r.churned}}`;
}

export async function generateUsers(opts: GenerateUsersOptions): Promise<GenerateUsersResult> {
  const { format } = validate(opts);
  const t0 = performance.now();
  const sink = await openTextSink(opts.out);

  const rng = new Rng(opts.seed);
  const next = userRowSource(rng);
  const line = format === 'csv' ? csvLine : jsonLine;
  let bytes: number;
  try {
    if (format === 'csv') await sink.write(USER_COLUMNS.join(',') + '\n');
    let done = 0;
    let previous = '';
    // Lines are joined in small batches so the many small strings die young (cheap GC), then
    // written in ~1 MB pieces.
    const batch = new Array<string>(BATCH_ROWS);
    while (done < opts.rows) {
      const count = Math.min(BATCH_ROWS, opts.rows - done);
      batch.length = count;
      for (let i = 0; i < count; i++) {
        const dup = isDuplicateRow(rng, done + i);
        if (!dup) previous = line(next());
        batch[i] = previous;
      }
      done += count;
      if (await sink.append(batch.join('\n') + '\n', done === opts.rows)) opts.onProgress?.(done, opts.rows);
    }
    bytes = await sink.close();
  } catch (err) {
    sink.destroy();
    throw writeError(opts.out, err);
  }
  return { rows: opts.rows, bytes, seconds: (performance.now() - t0) / 1000 };
}
