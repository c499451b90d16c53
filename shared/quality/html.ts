/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts, no
 * fonts or images from anywhere; it reads the same offline, from disk or from a bucket. Every
 * value that comes from data (column names, values, reasons, paths) is escaped.
 *
 * ```ts
 * const html = renderHtml(report, 's3://bucket/jobs/j1/quality/');
 * ```
 */
import { esc, fmtBytes, fmtInt, fmtPct, fmtSeconds, storeLink } from './html-format.js';
import { sectionHtml } from './html-sections.js';
import type { QualityReport } from './types.js';

const CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff;--accent:#3b6fd8;--ok:#1a7f4b;--okbg:#e3f5eb;--warn:#8a5a00;--warnbg:#fff3d6;--bad:#b42318;--badbg:#fde7e5}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-top:12px;border-top:2px solid var(--line)}h3{font-size:15px;margin:18px 0 8px}h4{margin:0 0 2px;font-size:14px;word-break:break-all}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f5;padding:1px 4px;border-radius:4px;word-break:break-all}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.muted{color:var(--muted)}.small{font-size:13px;font-weight:normal}.sub{color:var(--muted);font-size:12px}
.summary{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 16px;min-width:150px}
.stat b{display:block;font-size:22px}.stat span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.status{display:inline-block;padding:1px 10px;border-radius:99px;font-weight:600;font-size:12px;text-transform:uppercase}
.status.succeeded{background:var(--okbg);color:var(--ok)}.status.failed,.status.cancelled{background:var(--badbg);color:var(--bad)}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden;font-size:13px}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:#f0f2f6;font-weight:600;white-space:nowrap}tbody tr:nth-child(even){background:#fafbfc}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.num.wrap{white-space:normal;min-width:92px}
.scroll{overflow-x:auto}
.type{font:11px ui-monospace,Menlo,Consolas,monospace;color:#475467;background:#eef1f5;border-radius:4px;padding:0 5px}
.tag{font-size:12px;font-weight:600;color:#fff;background:var(--accent);border-radius:4px;padding:1px 7px;vertical-align:middle}
.pill{display:inline-block;min-width:44px;text-align:center;padding:0 6px;border-radius:99px;font-weight:600}
.pill.ok{background:var(--okbg);color:var(--ok)}.pill.warn{background:var(--warnbg);color:var(--warn)}.pill.bad{background:var(--badbg);color:var(--bad)}
.est{color:var(--warn);font-weight:700;margin-right:2px}
.cards-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(390px,1fr));gap:12px;margin-top:14px;align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
figure{margin:8px 0 0}figcaption{font-size:12px;color:var(--muted);margin-bottom:2px}
svg.chart{display:block;width:100%;max-width:440px;height:auto}
svg .bar{fill:var(--accent);opacity:.85}svg .base{stroke:#98a2b3;stroke-width:1}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#475467}svg .label{fill:var(--fg)}
details summary{cursor:pointer;color:var(--accent);font-size:12px;margin-top:4px}
table.examples{margin-top:6px}
.counts{font-size:15px;margin:4px 0 10px}
ul.notes{color:var(--muted);font-size:13px;overflow-wrap:anywhere}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:12px}
@media print{body{background:#fff}.card,table{break-inside:avoid}}
`;

function statCard(label: string, value: number, total?: number): string {
  const pct = total === undefined || total === 0 ? '' : ` <small class="muted">${esc(fmtPct(value, total))}</small>`;
  return `<div class="stat"><span>${esc(label)}</span><b>${esc(fmtInt(value))}${pct}</b></div>`;
}

function overview(r: QualityReport): string {
  const rec = r.records;
  return `<div class="summary">${statCard('records in', rec.in)}${statCard('records out', rec.out, rec.in)}${statCard('quarantined', rec.quarantined, rec.in)}${statCard('filtered', rec.filtered, rec.in)}${statCard('deduplicated', rec.deduplicated, rec.in)}</div>`;
}

function stagesTable(r: QualityReport): string {
  const rows = r.stages
    .map((s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.op)}</td><td class="num">${esc(fmtInt(s.rowsIn))}</td><td class="num">${esc(fmtInt(s.rowsOut))}</td><td class="num">${esc(fmtInt(s.quarantined))}</td><td class="num">${esc(fmtSeconds(s.seconds))}</td></tr>`)
    .join('');
  return `<h2>Stages</h2><table><thead><tr><th>Stage</th><th>Operator</th><th class="num">Rows in</th><th class="num">Rows out</th><th class="num">Quarantined</th><th class="num">Time</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function datasetsTable(r: QualityReport, dir: string | undefined): string {
  if (r.datasets.length === 0) return '';
  const rows = r.datasets
    .map((d) => {
      const cols = d.columns.map((c) => `${esc(c.name)} <span class="type">${esc(c.type)}</span>`).join(', ');
      return `<tr><td>${esc(d.stage)}</td><td>${storeLink(d.uri, dir)}<div class="sub">${cols}</div></td><td class="num">${esc(fmtInt(d.rows))}</td><td class="num">${esc(fmtInt(d.files))}</td><td class="num">${esc(fmtBytes(d.bytes))}</td></tr>`;
    })
    .join('');
  return `<h2>Outputs</h2><table><thead><tr><th>Stage</th><th>Where (and columns)</th><th class="num">Rows</th><th class="num">Files</th><th class="num">Size</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function quarantineTable(r: QualityReport, dir: string | undefined): string {
  if (r.quarantine.length === 0) return '<h2>Quarantine</h2><p class="muted">No rows were quarantined.</p>';
  const rows = r.quarantine
    .map((q) => `<tr><td>${esc(q.stage)}</td><td class="num">${esc(fmtInt(q.rows))}</td><td class="num">${esc(fmtInt(q.files))}</td><td>${storeLink(q.uri, dir)}</td></tr>`)
    .join('');
  return `<h2>Quarantine</h2><p class="muted">Rejected rows, one NDJSON record each with its source position and reason.</p><table><thead><tr><th>Stage</th><th class="num">Rows</th><th class="num">Files</th><th>Where</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The page; `dir` is the report's own folder (for relative links to the job's outputs). */
export function renderHtml(r: QualityReport, dir?: string): string {
  const when = r.finishedAt ?? r.generatedAt;
  const head = `<header><h1>Data-quality report: ${esc(r.name)}</h1><p class="muted">job <code>${esc(r.jobId)}</code> · <span class="status ${esc(r.status)}">${esc(r.status)}</span> · finished ${esc(when.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))} · ran ${esc(fmtSeconds(r.seconds))}</p></header>`;
  const toc = r.sections.length === 0 ? '' : `<p class="muted">Sections: ${r.sections.map((s, i) => `<a href="#s${i}">${esc(s.title)}</a>`).join(' · ')}</p>`;
  const sections = r.sections.map((s, i) => sectionHtml(s, `s${i}`)).join('');
  const footer =
    '<footer><span class="est">≈</span> marks an estimate: distinct counts past 1,000 values per shard (HyperLogLog, about ±1.6%), quantiles of large columns (KLL sketch, rank error about ±1%), top-value counts from capped per-shard lists. ' +
    'Counts, missing, min, max, mean, std and histograms are exact. Quantiles are nearest-rank; std is the sample standard deviation. Dates and timestamps are shown in UTC. ' +
    `Generated by quiver at ${esc(r.generatedAt)}.</footer>`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${esc(`Data quality: ${r.name} (${r.jobId})`)}</title><style>${CSS}</style></head>` +
    `<body><main>${head}${overview(r)}${toc}${stagesTable(r)}${datasetsTable(r, dir)}${quarantineTable(r, dir)}${sections}${footer}</main></body></html>\n`
  );
}
