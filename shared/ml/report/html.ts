/**
 * The training report as one self-contained HTML page, in the data-quality report's style:
 * inline CSS and SVG, no scripts, no fonts or images from anywhere. Sections: the job and its
 * setup, the candidates (mean ± std per metric, rank), per-fold scores (collapsible), ROC
 * curves (binary) or regression metrics, the final models (confusion matrix, feature
 * importances, registry), timings. Every value from the report is escaped.
 *
 * ```ts
 * await store.put(`${stagePrefix}report.html`, new TextEncoder().encode(renderTrainingReport(report)));
 * ```
 */
import { esc, fmtInt, fmtSeconds } from '../../quality/html-format.js';
import { finite, fmtMetric, metricLabel, metricNames } from './format.js';
import { anchor, candidatesTable, confusionTable, foldsDetails, kindHtml, orderedCandidates, paramsHtml, regressionTable } from './html-tables.js';
import { CSS } from './style.js';
import { importanceSvg, PALETTE, rocSvg } from './svg.js';
import type { RocLine } from './svg.js';
import type { CandidateReport, FinalModelReport, TrainingReport } from './types.js';

/** Importances drawn per final model. */
const TOP_FEATURES = 20;

const TIMING_LABELS: Record<string, string> = {
  labels: 'labels',
  folds: 'fold assignment',
  'fit-features': 'feature pipeline fit',
  cv: 'cross-validation',
  final: 'final fits',
  cvTaskSeconds: 'cross-validation tasks (sum)',
  finalTaskSeconds: 'final-fit tasks (sum)',
};

function stat(label: string, value: string, sub = ''): string {
  return `<div class="stat"><span>${esc(label)}</span><b>${esc(value)}</b>${sub === '' ? '' : `<small class="muted">${esc(sub)}</small>`}</div>`;
}

/** The best candidate over all model entries by the selection metric. */
function overallBest(r: TrainingReport): CandidateReport | undefined {
  let best: CandidateReport | undefined;
  let score = Number.NaN;
  for (const c of r.candidates) {
    const s = finite(c.summary[r.selection.metric]?.mean);
    if (s === undefined) continue;
    if (best === undefined || (r.selection.greaterIsBetter ? s > score : s < score)) {
      best = c;
      score = s;
    }
  }
  return best;
}

function cvText(cv: TrainingReport['cv']): string {
  const parts = [cv.kind];
  if (cv.kind !== 'holdout') parts.push(`${cv.folds} fold${cv.folds === 1 ? '' : 's'}${cv.repeats > 1 ? ` × ${cv.repeats} repeats` : ''}`);
  parts.push(cv.shuffle ? `shuffled${cv.seed === null ? '' : ` (seed ${cv.seed})`}` : 'not shuffled');
  return parts.join(' · ');
}

function header(r: TrainingReport): string {
  const when = r.createdAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
  const best = overallBest(r);
  const sel = r.selection.metric;
  const models = new Set(r.candidates.map((c) => c.model)).size;
  const classes = r.classes === undefined ? '' : `${r.classes.length} classes`;
  const cards =
    stat('task', r.task, classes) +
    stat('rows', fmtInt(r.rows)) +
    stat('features', fmtInt(r.features.length)) +
    stat('candidates', fmtInt(r.candidates.length), `${models} model entr${models === 1 ? 'y' : 'ies'}`) +
    (best === undefined ? '' : stat(`best ${metricLabel(sel)}`, fmtMetric(best.summary[sel]?.mean), best.id));
  return (
    `<header><h1>Training report: ${esc(r.label)} <span class="task">${esc(r.task)}</span></h1>` +
    `<p class="muted">job <code>${esc(r.jobId)}</code> · stage <code>${esc(r.stage)}</code> · created ${esc(when)}</p></header>` +
    `<div class="summary">${cards}</div>`
  );
}

function setup(r: TrainingReport): string {
  const item = (k: string, v: string, wide = false): string => `<div class="k">${esc(k)}</div><div class="v${wide ? ' wide' : ''}">${v}</div>`;
  const version = (v: string | null): string => (v === null ? '<span class="muted">none</span>' : `<code>${esc(v)}</code>`);
  const fit =
    r.fitFeatures === 'per-fold'
      ? '<b>per-fold</b> <span class="muted">— the feature pipeline is refit on each training fold, so no statistic sees its test rows</span>'
      : '<b>once</b> <span class="muted">— the feature pipeline was fitted once on all rows, test folds included (scores may be slightly optimistic)</span>';
  const features = r.features.map((f) => `<code>${esc(f)}</code>`).join(' ');
  const featureCell =
    r.features.length <= 12
      ? features || '<span class="muted">none</span>'
      : `<details><summary>${esc(fmtInt(r.features.length))} features</summary><div class="features">${features}</div></details>`;
  const items =
    item('label', `<code>${esc(r.label)}</code>`) +
    (r.classes === undefined ? item('target', r.task === 'regression' ? 'numeric' : '<span class="muted">—</span>') : item('classes', r.classes.map((c) => `<code>${esc(c)}</code>`).join(' '))) +
    item('cross-validation', esc(cvText(r.cv))) +
    item('selection', `${esc(metricLabel(r.selection.metric))} <span class="muted">(${esc(r.selection.metric)}, ${r.selection.greaterIsBetter ? 'higher' : 'lower'} is better)</span>`) +
    item('dataset version', version(r.datasetVersion)) +
    item('pipeline version', version(r.pipelineVersion)) +
    item('fit features', fit, true) +
    item('features', featureCell, true);
  return `<h2 id="setup">Setup</h2><div class="kv">${items}</div>`;
}

/** One line per model entry: its best candidate's pooled out-of-fold ROC curve. */
function rocSection(r: TrainingReport): string {
  const entries = [...new Set(r.candidates.map((c) => c.model))];
  const drawn = new Set<string>();
  const lines: (RocLine & { model: string; auc: number | undefined; foldMean: number | undefined })[] = [];
  for (const c of orderedCandidates(r)) {
    if (c.rank !== 1 || c.roc === undefined || drawn.has(c.model)) continue;
    drawn.add(c.model);
    const color = PALETTE[entries.indexOf(c.model) % PALETTE.length]!;
    const auc = finite(c.roc.auc);
    const foldMean = c.roc.foldMean === undefined ? undefined : finite(c.roc.foldMean);
    lines.push({ id: c.id, model: c.model, label: `${c.model} (${c.id}) pooled AUC ${fmtMetric(auc)}`, color, fpr: c.roc.fpr, tpr: c.roc.tpr, auc, foldMean });
  }
  if (lines.length === 0) return '<h2 id="roc">ROC curves</h2><p class="muted">No ROC curves in this report.</p>';
  const intro = '<p class="muted">Pooled out-of-fold predictions of the best candidate of each model entry: the legend gives the pooled curve\'s area and the mean of the per-fold AUCs. The dashed diagonal is a classifier that guesses.</p>';
  const legend = lines
    .map((l) => `<li><span class="swatch" style="background:${esc(l.color)}"></span><b>${esc(l.model)}</b> <code>${esc(l.id)}</code><br><span class="auc">pooled AUC ${esc(fmtMetric(l.auc))}</span>${l.foldMean === undefined ? '' : `<br><span class="auc">fold mean ${esc(fmtMetric(l.foldMean))}</span>`}</li>`)
    .join('');
  const chance = '<li><span class="swatch chance"></span>chance<br><span class="auc">AUC 0.5000</span></li>';
  return `<h2 id="roc">ROC curves</h2>${intro}<div class="roc-wrap">${rocSvg(lines)}<ul class="legend">${legend}${chance}</ul></div>`;
}

function finalCard(r: TrainingReport, f: FinalModelReport): string {
  const cand = r.candidates.find((c) => c.id === f.candidate);
  const reg = f.registry === undefined ? '' : ` <span class="tag reg">${esc(`${f.registry.name} v${f.registry.version}`)}</span>`;
  const meta = `<p class="muted">candidate <a href="#folds-${esc(anchor(f.candidate))}"><code>${esc(f.candidate)}</code></a> · ${paramsHtml(f.params)} · fitted on all rows in ${esc(fmtSeconds(f.seconds))}</p>`;
  const blocks: string[] = [];
  if (r.task !== 'regression') {
    const cm = cand?.confusion;
    blocks.push(
      cm === undefined
        ? '<div class="block"><h4>Confusion matrix</h4><p class="muted">Not in this report.</p></div>'
        : `<div class="block"><h4>Confusion matrix <span class="small muted">pooled out-of-fold, rows: true class</span></h4>${confusionTable(cm)}</div>`,
    );
  }
  const n = f.importances.length;
  blocks.push(
    n === 0
      ? '<div class="block"><h4>Feature importances</h4><p class="muted">This model reports none.</p></div>'
      : `<div class="block"><h4>Feature importances <span class="small muted">${n > TOP_FEATURES ? `top ${TOP_FEATURES} of ${fmtInt(n)}` : `all ${fmtInt(n)}`}</span></h4>${importanceSvg(f.importances, TOP_FEATURES)}</div>`,
  );
  return `<div class="card final"><h3>${esc(f.model)}${kindHtml(f.model, f.kind)}${reg}</h3>${meta}<div class="blocks">${blocks.join('')}</div></div>`;
}

function timingsTable(r: TrainingReport): string {
  const entries = Object.entries(r.timings).filter(([, v]) => finite(v) !== undefined);
  if (entries.length === 0) return '<h2 id="timings">Timings</h2><p class="muted">No timings recorded.</p>';
  const max = Math.max(...entries.map(([, v]) => v), 1e-9);
  const rows = entries
    .map(([k, v]) => `<tr><td>${esc(TIMING_LABELS[k] ?? k)}${TIMING_LABELS[k] === undefined || TIMING_LABELS[k] === k ? '' : ` <span class="sub">${esc(k)}</span>`}</td><td class="num">${esc(fmtSeconds(v))}</td><td class="barcell"><span class="hbar" style="width:${((100 * v) / max).toFixed(1)}%"></span></td></tr>`)
    .join('');
  return `<h2 id="timings">Timings</h2><table class="timings"><thead><tr><th>Phase</th><th class="num">Seconds</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function registryTable(r: TrainingReport): string {
  const reg = r.final.filter((f) => f.registry !== undefined);
  if (reg.length === 0) return '';
  const rows = reg
    .map((f) => {
      const g = f.registry!;
      const aliases = g.aliases.length === 0 ? '<span class="muted">none</span>' : g.aliases.map((a) => `<span class="tag alias">${esc(a)}</span>`).join(' ');
      return `<tr><td>${esc(f.model)}</td><td><code>${esc(g.name)}</code></td><td class="num">${esc(g.version)}</td><td>${aliases}</td><td><code>${esc(g.id)}</code></td></tr>`;
    })
    .join('');
  return `<h2 id="registry">Registry</h2><table class="registry"><thead><tr><th>Model</th><th>Name</th><th class="num">Version</th><th>Aliases</th><th>Id</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The page for one training report. */
export function renderTrainingReport(r: TrainingReport): string {
  const metrics = metricNames(r);
  const finals = new Set(r.final.map((f) => f.candidate));
  const first = r.final[0]?.candidate;
  const sections: [string, string, string][] = [];
  sections.push(['candidates', 'Candidates', `<h2 id="candidates">Candidates</h2><p class="muted">Mean and ± std over the folds (population std). Rank 1 is the best of its model entry by ${esc(metricLabel(r.selection.metric))}; hover a cell for exact values.</p>${candidatesTable(r, metrics, finals)}`]);
  if (r.candidates.length > 0) sections.push(['folds', 'Per-fold scores', `<h2 id="folds">Per-fold scores</h2>${foldsDetails(r, metrics, new Set(first === undefined ? [] : [first]))}`]);
  if (r.task === 'binary') sections.push(['roc', 'ROC curves', rocSection(r)]);
  if (r.task === 'regression') sections.push(['regression', 'Regression metrics', `<h2 id="regression">Regression metrics</h2><p class="muted">The best candidate of each model entry: mean ± std over the folds, and the range over folds.</p>${regressionTable(r)}`]);
  const finalBody = r.final.length === 0 ? '<p class="muted">No final models.</p>' : r.final.map((f) => finalCard(r, f)).join('');
  sections.push(['final', 'Final models', `<h2 id="final">Final models</h2><p class="muted">The best candidate of each model entry, refitted on all rows.</p>${finalBody}`]);
  sections.push(['timings', 'Timings', timingsTable(r)]);
  const registry = registryTable(r);
  if (registry !== '') sections.push(['registry', 'Registry', registry]);
  const toc = `<p class="muted toc">Sections: <a href="#setup">Setup</a>${sections.map(([id, title]) => ` · <a href="#${id}">${esc(title)}</a>`).join('')}</p>`;
  const footer =
    '<footer>Scores are computed on held-out folds only; mean ± std is over folds (population std, ddof 0). ' +
    "ROC curves and confusion matrices pool the out-of-fold predictions of all of a candidate's folds. " +
    `Generated by quiver at ${esc(r.createdAt)}.</footer>`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${esc(`Training report: ${r.label} (${r.jobId} / ${r.stage})`)}</title><style>${CSS}</style></head>` +
    `<body><main>${header(r)}${toc}${setup(r)}${sections.map(([, , html]) => html).join('')}${footer}</main></body></html>\n`
  );
}
