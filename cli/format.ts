/** Human rendering of results for the terminal; `--json` output bypasses this. */
import type { JobResult } from '../shared/job.js';
import { fmtBytes } from '../shared/quality/html-format.js';

export const n = (x: number): string => x.toLocaleString('en-US');

/** `1.5 MB`: one formatter for the terminal and the quality report. */
export const bytes = fmtBytes;

const pad = (s: string, w: number): string => (s.length >= w ? s : s + ' '.repeat(w - s.length));

export function renderResult(r: JobResult): string {
  const lines: string[] = [];
  lines.push(`job ${r.jobId}: ${r.status.toUpperCase()} in ${r.seconds.toFixed(1)}s (${r.mode})`);
  const rec = r.records;
  const written = r.outputs.map((o) => `${o.stage} ${n(o.rows)}`).join(', ');
  lines.push(`records: ${n(rec.in)} in, ${n(rec.quarantined)} quarantined, ${n(rec.filtered)} filtered${rec.deduplicated > 0 ? `, ${n(rec.deduplicated)} deduplicated` : ''}${written === '' ? '' : `; rows out: ${written}`}`);
  lines.push('stages:');
  const w = Math.max(...r.stages.map((s) => s.id.length), 5);
  for (const s of r.stages) {
    const retries = s.tasks.retries > 0 ? `, ${s.tasks.retries} retries` : '';
    lines.push(
      `  ${pad(s.id, w)}  ${pad(s.op, 9)} ${pad(s.status, 9)} ${pad(`${s.tasks.succeeded}/${s.tasks.total} tasks${retries}`, 16)} ${pad(`${s.seconds.toFixed(2)}s`, 8)} ${n(s.rowsIn)} → ${n(s.rowsOut)} rows`,
    );
  }
  if (r.outputs.length > 0) {
    lines.push('outputs:');
    for (const o of r.outputs) lines.push(`  ${pad(o.stage, w)}  ${o.uri}  (${n(o.rows)} rows, ${o.files} file(s), ${bytes(o.bytes)})`);
  }
  if (r.quarantine.length > 0) {
    lines.push('quarantine (rejected rows, with reasons):');
    for (const q of r.quarantine) lines.push(`  ${pad(q.stage, w)}  ${q.uri}  (${n(q.rows)} rows)`);
  }
  for (const st of r.stages) {
    const line = summaryLine(st.op, st.summary);
    if (line !== null) lines.push(`${st.id}: ${line}`);
  }
  for (const st of r.stages) if (st.report !== undefined) lines.push(`${st.op} report (${st.id}): ${st.report.html}  (JSON: ${st.report.json})`);
  if (r.quality !== undefined) lines.push(`data-quality report: ${r.quality.html}  (JSON: ${r.quality.json})`);
  for (const e of r.errors) lines.push(`error [${e.code}]: ${e.message}`);
  return lines.join('\n');
}

/** One line of a stage's summary numbers, for the stages that have them (recommend). */
function summaryLine(op: string, summary: Record<string, unknown> | undefined): string | null {
  if (op !== 'recommend' || summary === undefined) return null;
  const s = summary as {
    iterations?: { loss: number }[];
    alsSecondsPerIteration?: number | null;
    scoring?: { usersPerSecond: number | null; gflopsPerSecond: number | null };
    metrics?: { model: { k: number; recall: number; ndcg: number }; popularity: { recall: number } } | null;
  };
  const parts: string[] = [];
  const its = s.iterations ?? [];
  if (its.length > 0) parts.push(`${its.length} ALS iterations${s.alsSecondsPerIteration == null ? '' : ` (${s.alsSecondsPerIteration.toFixed(2)}s each)`}, loss ${its[0]!.loss.toPrecision(4)} → ${its[its.length - 1]!.loss.toPrecision(4)}`);
  if (s.scoring?.usersPerSecond != null) parts.push(`scoring ${n(Math.round(s.scoring.usersPerSecond))} users/s (${(s.scoring.gflopsPerSecond ?? 0).toFixed(1)} GFLOP/s)`);
  const m = s.metrics;
  if (m != null) parts.push(`recall@${m.model.k} ${m.model.recall.toFixed(4)} (popularity ${m.popularity.recall.toFixed(4)}), NDCG@${m.model.k} ${m.model.ndcg.toFixed(4)}`);
  return parts.length === 0 ? null : parts.join('; ');
}
