/**
 * HTML for one stage's section of the report: the column table and per-column charts
 * (profile), the rules table with example rows (validate), the cleansing table
 * (cleanse/dedupe), quarantine reasons, notes. Every value from data is escaped.
 *
 * ```ts
 * const html = sectionHtml(section, 's2'); // an <section> element
 * ```
 */
import { clip, esc, fmtInt, fmtNum, fmtPct, fmtValue } from './html-format.js';
import { isNumeric, isTemporal } from './partial.js';
import { histogramSvg, topValuesSvg } from './svg.js';
import type { ColumnProfile, QualityAction, QualityExample, QualityReason, QualityRuleResult, QualitySection } from './types.js';

/** `≈` before an estimated figure. */
const approx = (exact: boolean | undefined): string => (exact === false ? '<span class="est" title="estimated">≈</span>' : '');

function missingCell(c: ColumnProfile): string {
  const pct = c.count === 0 ? 0 : (100 * c.missing) / c.count;
  const cls = pct >= 20 ? 'bad' : pct > 0 ? 'warn' : 'ok';
  return `<td class="num"><span class="pill ${cls}">${esc(fmtPct(c.missing, c.count))}</span><span class="sub"> ${esc(fmtInt(c.missing))}</span></td>`;
}

function quantileCells(c: ColumnProfile): string {
  const ps = [0.05, 0.25, 0.5, 0.75, 0.95];
  return ps
    .map((p) => {
      const q = c.quantiles?.find((x) => Math.abs(x.p - p) < 1e-9);
      return `<td class="${cellClass(c)}">${q === undefined ? '' : approx(c.quantilesExact) + esc(fmtValue(c.type, q.value))}</td>`;
    })
    .join('');
}

function meanText(c: ColumnProfile): string {
  if (typeof c.mean !== 'number') return '';
  if (c.type === 'bool') return `${(100 * c.mean).toFixed(1)}% true`;
  return isTemporal(c.type) ? fmtValue(c.type, Math.round(c.mean)) : fmtNum(c.mean);
}

function stdText(c: ColumnProfile): string {
  if (typeof c.std !== 'number') return '';
  return isTemporal(c.type) ? `${fmtNum(c.std / 86_400_000)} days` : fmtNum(c.std);
}

/** A top value as shown: ISO timestamps without the `T` and zero milliseconds. */
function topText(type: string, value: string): string {
  return isTemporal(type) ? value.replace('T', ' ').replace(/\.000Z$/, 'Z') : value;
}

/** The class of a table cell holding a value of the column (timestamps may wrap). */
const cellClass = (c: ColumnProfile): string => (c.type === 'timestamp' ? 'num wrap' : 'num');

function topCell(c: ColumnProfile): string {
  const t = c.top?.[0];
  if (t === undefined || t.count < 2) return '<td></td>';
  return `<td>${esc(clip(topText(c.type, t.value), 24))} <span class="sub">${esc(fmtPct(t.count, c.count))}</span></td>`;
}

function columnRow(c: ColumnProfile, anchor: string): string {
  return (
    `<tr><th scope="row"><a href="#${esc(anchor)}">${esc(clip(c.name, 40))}</a></th><td><span class="type">${esc(c.type)}</span></td>` +
    `<td class="num">${esc(fmtInt(c.count))}</td>${missingCell(c)}` +
    `<td class="num">${approx(c.distinctExact)}${esc(fmtInt(c.distinct))}</td>` +
    `<td class="${cellClass(c)}">${esc(fmtValue(c.type, c.min))}</td><td class="${cellClass(c)}">${esc(fmtValue(c.type, c.max))}</td>${topCell(c)}</tr>`
  );
}

function distributionRow(c: ColumnProfile, anchor: string): string {
  return `<tr><th scope="row"><a href="#${esc(anchor)}">${esc(clip(c.name, 40))}</a></th><td class="${cellClass(c)}">${esc(meanText(c))}</td><td class="num">${esc(stdText(c))}</td>${quantileCells(c)}</tr>`;
}

function columnCard(c: ColumnProfile, anchor: string): string {
  const charts: string[] = [];
  const hist = c.histogram !== undefined && c.histogram.length > 0;
  if (hist) {
    const label = (x: number): string => fmtValue(c.type, x);
    const ends: [string, string] | undefined = typeof c.min === 'number' && typeof c.max === 'number' ? [label(c.min), label(c.max)] : undefined;
    charts.push(`<figure><figcaption>Histogram (${c.histogram!.length} bins, exact counts)</figcaption>${histogramSvg(c.histogram!, label, ends)}</figure>`);
  }
  if (!hist && c.top !== undefined && c.top.length > 0) {
    const est = c.topExact === false ? ` (lower bounds, up to ${fmtInt(c.topError ?? 0)} short)` : '';
    const top = c.top.map((t) => ({ value: topText(c.type, t.value), count: t.count }));
    charts.push(`<figure><figcaption>Top values${esc(est)}</figcaption>${topValuesSvg(top, c.count)}</figure>`);
  }
  if (charts.length === 0) charts.push('<p class="muted">No values to chart.</p>');
  const facts = [`${fmtInt(c.count - c.missing)} values`, `${fmtInt(c.missing)} missing`, `${c.distinctExact ? '' : '≈'}${fmtInt(c.distinct)} distinct`];
  if (c.nonFinite !== undefined && c.nonFinite > 0) facts.push(`${fmtInt(c.nonFinite)} ±Infinity`);
  return `<div class="card" id="${esc(anchor)}"><h4>${esc(clip(c.name, 60))} <span class="type">${esc(c.type)}</span></h4><p class="muted">${esc(facts.join(' · '))}</p>${charts.join('')}</div>`;
}

function columnsHtml(columns: readonly ColumnProfile[], key: string): string {
  const anchor = (i: number): string => `${key}-c${i}`;
  const head = '<tr><th>Column</th><th>Type</th><th class="num">Count</th><th class="num">Missing</th><th class="num">Distinct</th><th class="num">Min</th><th class="num">Max</th><th>Most frequent</th></tr>';
  const rows = columns.map((c, i) => columnRow(c, anchor(i))).join('');
  const numeric = columns.flatMap((c, i) => (isNumeric(c.type) || c.type === 'bool' ? [distributionRow(c, anchor(i))] : []));
  const dist =
    numeric.length === 0
      ? ''
      : '<h3>Distributions</h3><div class="scroll"><table class="cols"><thead><tr><th>Column</th><th class="num">Mean</th><th class="num">Std</th><th class="num">p5</th><th class="num">p25</th><th class="num">p50</th><th class="num">p75</th><th class="num">p95</th></tr></thead>' +
        `<tbody>${numeric.join('')}</tbody></table></div>`;
  const cards = columns.map((c, i) => columnCard(c, anchor(i))).join('');
  return `<h3>Columns</h3><div class="scroll"><table class="cols"><thead>${head}</thead><tbody>${rows}</tbody></table></div>${dist}<h3>Column details</h3><div class="cards-grid">${cards}</div>`;
}

function valuesText(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(clip(v, 120)) : JSON.stringify(v) ?? 'undefined'}`)
    .join(', ');
}

function examplesHtml(examples: readonly QualityExample[]): string {
  if (examples.length === 0) return '';
  const rows = examples.map((e) => `<tr><td><code>${esc(clip(e.position, 120))}</code></td><td><code>${esc(clip(valuesText(e.values), 300))}</code></td><td>${esc(clip(e.reason, 200))}</td></tr>`).join('');
  return `<details><summary>${examples.length} example row(s)</summary><table class="examples"><thead><tr><th>Where</th><th>Values</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function rulesHtml(rules: readonly QualityRuleResult[]): string {
  const rows = rules
    .map((r) => {
      const cls = r.failed === 0 ? 'ok' : 'bad';
      return (
        `<tr><td>${esc(r.rule)}${examplesHtml(r.examples)}</td><td>${esc(r.kind)}</td><td>${esc(r.column ?? '')}</td>` +
        `<td class="num">${esc(fmtInt(r.checked))}</td><td class="num">${esc(fmtInt(r.passed))}</td>` +
        `<td class="num"><span class="pill ${cls}">${esc(fmtInt(r.failed))}</span></td><td class="num">${esc(fmtPct(r.passed, r.checked))}</td></tr>`
      );
    })
    .join('');
  return `<h3>Rules</h3><table><thead><tr><th>Rule</th><th>Kind</th><th>Column</th><th class="num">Checked</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Pass rate</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function actionsHtml(actions: readonly QualityAction[]): string {
  const rows = actions.map((a) => `<tr><td>${esc(a.step)}</td><td>${esc(a.column ?? '')}</td><td class="num">${esc(fmtInt(a.changed))}</td><td>${esc(a.detail ?? '')}</td></tr>`).join('');
  return `<h3>Cleansing</h3><table><thead><tr><th>Step</th><th>Column</th><th class="num">Changed</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function reasonsHtml(reasons: readonly QualityReason[], exact: boolean | undefined): string {
  const rows = reasons
    .map((r) => {
      const ex = r.example === undefined ? '' : `<div class="sub"><code>${esc(clip(r.example.position, 160))}</code> <code>${esc(clip(valuesText(r.example.values), 200))}</code></div>`;
      return `<tr><td>${esc(r.reason)}${ex}</td><td class="num">${approx(exact)}${esc(fmtInt(r.count))}</td></tr>`;
    })
    .join('');
  return `<h3>Quarantine reasons</h3><table><thead><tr><th>Reason (with an example row)</th><th class="num">Rows</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function countsLine(s: QualitySection): string {
  const parts: string[] = [];
  if (s.rowsIn !== undefined) parts.push(`${fmtInt(s.rowsIn)} rows in`);
  if (s.rowsOut !== undefined) parts.push(`${fmtInt(s.rowsOut)} out`);
  if (s.quarantined !== undefined) parts.push(`${fmtInt(s.quarantined)} quarantined`);
  if (s.deduplicated !== undefined) parts.push(`${fmtInt(s.deduplicated)} deduplicated`);
  return parts.length === 0 ? '' : `<p class="counts">${esc(parts.join(' · '))}</p>`;
}

export function sectionHtml(s: QualitySection, key: string): string {
  const body: string[] = [countsLine(s)];
  if (s.columns !== undefined && s.columns.length > 0) body.push(columnsHtml(s.columns, key));
  if (s.rules !== undefined && s.rules.length > 0) body.push(rulesHtml(s.rules));
  if (s.actions !== undefined && s.actions.length > 0) body.push(actionsHtml(s.actions));
  if (s.reasons !== undefined && s.reasons.length > 0) body.push(reasonsHtml(s.reasons, s.reasonsExact));
  if (s.notes !== undefined && s.notes.length > 0) body.push(`<ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return `<section class="stage" id="${esc(key)}"><h2>${esc(s.title)} <span class="tag">${esc(s.op)}</span> <span class="muted small">stage ${esc(s.stage)}</span></h2>${body.join('')}</section>`;
}
