/**
 * Tables of the training report page: the candidates (mean ± std of each metric, rank, the
 * best of each model entry highlighted), each candidate's per-fold scores in a collapsible
 * `<details>`, the regression metrics of the best candidates, and a confusion matrix with
 * heat-coloured cells. Every value from the report is escaped; exact values sit in `title`s.
 *
 * ```ts
 * candidatesTable(report, metricNames(report)); // '<table class="candidates">…'
 * confusionTable(candidate.confusion);
 * ```
 */
import { esc, fmtInt, fmtPct, fmtSeconds } from '../../quality/html-format.js';
import type { Summary } from '../metrics/summary.js';
import { finite, fmtMetric, fmtParams, LOWER_IS_BETTER, metricLabel } from './format.js';
import type { CandidateReport, FoldScore, TrainingReport } from './types.js';

/** Candidates grouped by model entry (in order of appearance), then by rank. */
export function orderedCandidates(r: TrainingReport): CandidateReport[] {
  const entries = [...new Set(r.candidates.map((c) => c.model))];
  return r.candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => entries.indexOf(a.c.model) - entries.indexOf(b.c.model) || rankOf(a.c) - rankOf(b.c) || a.i - b.i)
    .map((x) => x.c);
}

const rankOf = (c: CandidateReport): number => finite(c.rank) ?? Number.MAX_SAFE_INTEGER;

/** Hyperparameters as `name=value` chips that wrap between (not inside) parameters. */
export function paramsHtml(params: Record<string, unknown>): string {
  const parts = fmtParams(params);
  return parts.length === 0 ? '<span class="muted">defaults</span>' : parts.map((p) => `<code class="param">${esc(p)}</code>`).join(' ');
}

/** The kind as a chip, unless the model entry is named after it. */
export function kindHtml(model: string, kind: string): string {
  return model === kind ? '' : ` <span class="type">${esc(kind)}</span>`;
}

function summaryCell(s: Summary | undefined, cls: string): string {
  if (s === undefined) return `<td class="num ${cls}"><span class="muted">–</span></td>`;
  const title = `mean ${String(s.mean)}, std ${String(s.std)}, min ${String(s.min)}, max ${String(s.max)}, n ${String(s.n)}`;
  return `<td class="num ${cls}" title="${esc(title)}"><b>${esc(fmtMetric(s.mean))}</b><span class="pm">± ${esc(fmtMetric(s.std))}</span></td>`;
}

function metricHead(name: string, selection: string, greaterIsBetter: boolean): string {
  const better = name === selection ? greaterIsBetter : !LOWER_IS_BETTER.has(name);
  const sel = name === selection ? ' sel' : '';
  const hint = `${name}: ${better ? 'higher' : 'lower'} is better${name === selection ? '; picks the best candidate' : ''}`;
  return `<th class="num${sel}" title="${esc(hint)}">${esc(metricLabel(name))}&nbsp;<span class="dir">${better ? '↑' : '↓'}</span></th>`;
}

/** One row per candidate; `finals`: candidate ids that became a final model. */
export function candidatesTable(r: TrainingReport, metrics: readonly string[], finals: ReadonlySet<string>): string {
  if (r.candidates.length === 0) return '<p class="muted">No candidates were scored.</p>';
  const sel = r.selection.metric;
  const head = `<tr><th>Candidate</th><th>Params</th>${metrics.map((m) => metricHead(m, sel, r.selection.greaterIsBetter)).join('')}<th class="num">Rank</th></tr>`;
  const rows = orderedCandidates(r)
    .map((c) => {
      const best = c.rank === 1;
      const tags = best || finals.has(c.id) ? `<div class="tags">${best ? '<span class="tag">best</span> ' : ''}${finals.has(c.id) ? '<span class="tag final">final</span>' : ''}</div>` : '';
      const cells = metrics.map((m) => summaryCell(c.summary[m], m === sel ? 'sel' : '')).join('');
      return `<tr${best ? ' class="best"' : ''}><td class="id"><a href="#folds-${esc(anchor(c.id))}"><code>${esc(c.id)}</code></a>${kindHtml(c.model, c.kind)}${tags}</td><td class="params">${paramsHtml(c.params)}</td>${cells}<td class="num">${esc(finite(c.rank) ?? '–')}</td></tr>`;
    })
    .join('');
  return `<div class="scroll"><table class="candidates"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}

/** An id usable in `id`/`href` (ids like `logistic#2` contain `#`). */
export function anchor(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}`);
}

function foldCell(v: number | undefined): string {
  return v === undefined ? '<td class="num"><span class="muted">–</span></td>' : `<td class="num" title="${esc(String(v))}">${esc(fmtMetric(v))}</td>`;
}

/** Each candidate's folds in a `<details>`; the ones in `open` start expanded. */
export function foldsDetails(r: TrainingReport, metrics: readonly string[], open: ReadonlySet<string>): string {
  return orderedCandidates(r)
    .map((c) => {
      const sel = c.summary[r.selection.metric];
      const headline = sel === undefined ? '' : ` · ${metricLabel(r.selection.metric)} ${fmtMetric(sel.mean)} ± ${fmtMetric(sel.std)}`;
      const what = `<summary><code>${esc(c.id)}</code> <span class="muted">${esc(`${c.folds.length} fold${c.folds.length === 1 ? '' : 's'}${headline}`)}</span></summary>`;
      const body = c.folds.length === 0 ? '<p class="muted">No fold scores.</p>' : foldTable(c, metrics);
      return `<details id="folds-${esc(anchor(c.id))}"${open.has(c.id) ? ' open' : ''}>${what}${body}</details>`;
    })
    .join('');
}

function foldTable(c: CandidateReport, metrics: readonly string[]): string {
  const repeats = c.folds.some((f) => f.repeat !== 0);
  const head = `<tr>${repeats ? '<th class="num">Repeat</th>' : ''}<th class="num">Fold</th><th class="num">Train rows</th><th class="num">Test rows</th>${metrics.map((m) => `<th class="num">${esc(metricLabel(m))}</th>`).join('')}<th class="num">Time</th></tr>`;
  const row = (f: FoldScore): string =>
    `<tr>${repeats ? `<td class="num">${esc(f.repeat)}</td>` : ''}<td class="num">${esc(f.fold)}</td><td class="num">${esc(fmtInt(f.trainRows))}</td><td class="num">${esc(fmtInt(f.testRows))}</td>${metrics.map((m) => foldCell(finite(f.metrics[m]))).join('')}<td class="num">${esc(fmtSeconds(f.seconds))}</td></tr>`;
  const pad = repeats ? 4 : 3;
  const stat = (label: string, pick: (s: Summary) => number): string =>
    `<tr class="stat-row"><th colspan="${pad}">${label}</th>${metrics.map((m) => foldCell(c.summary[m] === undefined ? undefined : pick(c.summary[m]))).join('')}<td></td></tr>`;
  return `<div class="scroll"><table class="folds"><thead>${head}</thead><tbody>${c.folds.map(row).join('')}</tbody><tfoot>${stat('mean', (s) => s.mean)}${stat('std', (s) => s.std)}</tfoot></table></div>`;
}

const REGRESSION = ['mse', 'rmse', 'mae', 'r2'];

/** Regression: mse/rmse/mae/r2 (mean ± std, and the range over folds) of each entry's best. */
export function regressionTable(r: TrainingReport): string {
  const best = orderedCandidates(r).filter((c) => c.rank === 1);
  if (best.length === 0) return '<p class="muted">No candidates were scored.</p>';
  const head = `<tr><th>Model</th><th>Candidate</th>${REGRESSION.map((m) => `<th class="num">${esc(metricLabel(m))} <span class="dir">${LOWER_IS_BETTER.has(m) ? '↓' : '↑'}</span></th>`).join('')}</tr>`;
  const cell = (s: Summary | undefined): string =>
    s === undefined
      ? '<td class="num"><span class="muted">–</span></td>'
      : `<td class="num" title="${esc(`mean ${String(s.mean)}, std ${String(s.std)}`)}"><b>${esc(fmtMetric(s.mean))}</b><span class="pm">± ${esc(fmtMetric(s.std))}</span><span class="range">${esc(`${fmtMetric(s.min)} … ${fmtMetric(s.max)}`)}</span></td>`;
  const rows = best.map((c) => `<tr><td>${esc(c.model)}${kindHtml(c.model, c.kind)}</td><td><code>${esc(c.id)}</code></td>${REGRESSION.map((m) => cell(c.summary[m])).join('')}</tr>`).join('');
  return `<table class="regression"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

/** Background of a cell: blue on the diagonal (right), red off it (wrong), by the row share. */
function heat(share: number, diagonal: boolean): string {
  const a = (0.06 + 0.84 * share).toFixed(3);
  return diagonal ? `rgba(59,111,216,${a})` : `rgba(214,69,65,${a})`;
}

/** Rows: true class; columns: predicted class; each cell its count and share of its row. */
export function confusionTable(cm: NonNullable<CandidateReport['confusion']>): string {
  const n = cm.labels.length;
  const head = `<tr><th class="corner">true ╲ predicted</th>${cm.labels.map((l) => `<th class="num">${esc(l)}</th>`).join('')}<th class="num total">rows</th></tr>`;
  const rows = cm.labels
    .map((label, i) => {
      const row = cm.matrix[i] ?? [];
      const total = row.reduce((s, v) => s + (finite(v) ?? 0), 0);
      const cells = Array.from({ length: n }, (_, j) => {
        const v = finite(row[j]) ?? 0;
        const share = total > 0 ? v / total : 0;
        const dark = share > 0.55 ? ' dark' : '';
        return `<td class="cm${dark}" style="background:${heat(share, i === j)}" title="${esc(`true ${label}, predicted ${cm.labels[j]!}: ${String(v)}`)}"><b>${esc(fmtInt(v))}</b><span>${esc(fmtPct(v, total))}</span></td>`;
      }).join('');
      return `<tr><th>${esc(label)}</th>${cells}<td class="num total">${esc(fmtInt(total))}</td></tr>`;
    })
    .join('');
  const threshold = finite(cm.threshold) === undefined ? '' : `<p class="sub">Positive when the score is ≥ ${esc(String(cm.threshold))}.</p>`;
  return `<div class="scroll"><table class="confusion"><thead>${head}</thead><tbody>${rows}</tbody></table></div>${threshold}`;
}
