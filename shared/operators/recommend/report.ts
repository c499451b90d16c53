/**
 * The `recommend` stage's HTML report: parameters, the loss per ALS iteration (a line chart),
 * scoring speed, and the held-out metrics of the model next to the popularity baseline.
 * Self-contained (inline SVG, no scripts).
 */
import type { RecSummary } from '../recommend.js';

type Report = RecSummary & { jobId: string; stage: string; createdAt: string; params: Record<string, unknown>; outputs: Record<string, string | null> };

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (x: number | null, digits = 4): string => (x === null ? '–' : Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(digits));

function lossChart(points: { iteration: number; normalizedLoss: number }[]): string {
  if (points.length === 0) return '<p>No iteration finished.</p>';
  const W = 480;
  const H = 200;
  const pad = 40;
  const ys = points.map((p) => p.normalizedLoss);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const x = (i: number): number => pad + (points.length === 1 ? 0 : ((i - 1) / (points.length - 1)) * (W - 2 * pad));
  const y = (v: number): number => H - pad - (hi === lo ? 0.5 : (v - lo) / (hi - lo)) * (H - 2 * pad);
  const line = points.map((p) => `${x(p.iteration).toFixed(1)},${y(p.normalizedLoss).toFixed(1)}`).join(' ');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="loss per iteration">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#888"/>
<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${line}"/>
${points.map((p) => `<circle cx="${x(p.iteration).toFixed(1)}" cy="${y(p.normalizedLoss).toFixed(1)}" r="3" fill="#2563eb"/>`).join('')}
<text x="${pad}" y="${pad - 8}" font-size="11">${fmt(hi)}</text><text x="${pad}" y="${H - pad + 16}" font-size="11">iteration 1</text>
<text x="${W - pad}" y="${H - pad + 16}" font-size="11" text-anchor="end">${points.length}</text><text x="${W - pad}" y="${y(lo) - 6}" font-size="11" text-anchor="end">${fmt(lo)}</text>
</svg>`;
}

function metricsTable(r: Report): string {
  if (r.metrics === null) return '<p>No held-out input: add the held-out interactions as the stage\'s second input to measure recall@K, NDCG@K, MAP@K.</p>';
  const rows = (['precision', 'recall', 'ndcg', 'map', 'coverage'] as const).map((m) => `<tr><td>${m}@${r.metrics!.model.k}</td><td>${fmt(r.metrics!.model[m])}</td><td>${fmt(r.metrics!.popularity[m])}</td></tr>`);
  return `<table><tr><th>metric</th><th>ALS</th><th>popularity baseline</th></tr>${rows.join('')}</table><p>${r.metrics.model.users.toLocaleString('en-US')} users with held-out interactions.</p>`;
}

export function renderRecReport(r: Report): string {
  const params = Object.entries(r.params).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(JSON.stringify(v))}</td></tr>`).join('');
  const iters = r.iterations.map((i) => `<tr><td>${i.iteration}</td><td>${fmt(i.loss, 6)}</td><td>${fmt(i.normalizedLoss, 6)}</td><td>${fmt(i.seconds, 3)}</td></tr>`).join('');
  const s = r.scoring;
  return `<!doctype html><html><head><meta charset="utf-8"><title>recommend ${esc(r.stage)} · ${esc(r.jobId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>
<h1>Recommendations: ${esc(r.stage)}</h1><p>Job ${esc(r.jobId)}, ${esc(r.createdAt)}. ${r.users.toLocaleString('en-US')} users, ${r.items.toLocaleString('en-US')} items, ${r.interactions.toLocaleString('en-US')} distinct interactions${r.quarantined > 0 ? `, ${r.quarantined.toLocaleString('en-US')} rows quarantined` : ''}.</p>
<h2>Held-out quality</h2>${metricsTable(r)}
<h2>ALS loss per iteration</h2>${lossChart(r.iterations)}
<table><tr><th>iteration</th><th>loss</th><th>loss ÷ Σ confidence</th><th>seconds</th></tr>${iters}</table>
<h2>Scoring</h2><table><tr><td>users</td><td>${s.users.toLocaleString('en-US')}</td></tr><tr><td>seconds</td><td>${fmt(s.seconds, 3)}</td></tr><tr><td>users/s</td><td>${fmt(s.usersPerSecond)}</td></tr>
<tr><td>GFLOP/s (2·users·items·rank ÷ seconds)</td><td>${fmt(s.gflopsPerSecond)}</td></tr><tr><td>item tiles scored (the rest skipped by the norm bound)</td><td>${(100 * s.tilesScoredFraction).toFixed(1)} %</td></tr></table>
<h2>Parameters</h2><table>${params}</table>
<p>Outputs: ${Object.entries(r.outputs).filter(([, v]) => v !== null).map(([k, v]) => `${esc(k)}: <code>${esc(v!)}</code>`).join('; ')}</p>
</body></html>`;
}
