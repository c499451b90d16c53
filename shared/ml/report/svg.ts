/**
 * Inline SVG charts for the training report (no scripts, nothing fetched): ROC curves on a
 * unit square with the chance diagonal, and horizontal bars of feature importances. Every
 * label is escaped; full names are in `<title>` tooltips when a label is shortened.
 *
 * ```ts
 * rocSvg([{ id: 'logistic#1', label: 'logistic', color: '#3b6fd8', fpr: [0, 0.2, 1], tpr: [0, 0.7, 1] }]);
 * importanceSvg(final.importances, 20);
 * ```
 */
import { clip, esc } from '../../quality/html-format.js';
import { fmtMetric } from './format.js';
import { thinCurve } from './roc.js';

/** Line colours, one per model entry (distinct in print and for common colour blindness). */
export const PALETTE = ['#3b6fd8', '#e8590c', '#2f9e44', '#ae3ec9', '#c2255c', '#0c8599', '#f59f00', '#495057'];

export interface RocLine {
  /** The candidate id (`data-candidate` on its path). */
  id: string;
  label: string;
  color: string;
  fpr: readonly number[];
  tpr: readonly number[];
}

/** Plot geometry: the unit square maps to [PX, PX + SIDE] × [PY + SIDE, PY]. */
const PX = 52;
const PY = 14;
const SIDE = 340;

const sx = (v: number): string => (PX + v * SIDE).toFixed(2);
const sy = (v: number): string => (PY + (1 - v) * SIDE).toFixed(2);

/** Curves longer than this are thinned again before drawing (the report keeps ~200). */
const MAX_DRAWN = 1000;

export function rocSvg(lines: readonly RocLine[]): string {
  const w = PX + SIDE + 16;
  const h = PY + SIDE + 44;
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const grid = ticks
    .map(
      (t) =>
        `<line class="grid" x1="${sx(t)}" y1="${sy(0)}" x2="${sx(t)}" y2="${sy(1)}"/><line class="grid" x1="${sx(0)}" y1="${sy(t)}" x2="${sx(1)}" y2="${sy(t)}"/>` +
        `<text x="${sx(t)}" y="${(PY + SIDE + 16).toFixed(0)}" text-anchor="middle">${t.toFixed(1)}</text>` +
        `<text x="${PX - 6}" y="${(Number(sy(t)) + 4).toFixed(2)}" text-anchor="end">${t.toFixed(1)}</text>`,
    )
    .join('');
  const paths = lines
    .map((l) => {
      const c = l.fpr.length > MAX_DRAWN ? thinCurve(l.fpr, l.tpr, MAX_DRAWN) : { fpr: l.fpr, tpr: l.tpr };
      const d = c.fpr.map((x, i) => `${i === 0 ? 'M' : 'L'}${sx(x)} ${sy(c.tpr[i]!)}`).join(' ');
      return `<path class="roc" data-candidate="${esc(l.id)}" d="${d}" stroke="${esc(l.color)}"><title>${esc(l.label)}</title></path>`;
    })
    .join('');
  return (
    `<svg class="chart roc" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="ROC curves">` +
    grid +
    `<rect class="frame" x="${PX}" y="${PY}" width="${SIDE}" height="${SIDE}"/>` +
    `<line class="chance" x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}"><title>chance (AUC 0.5)</title></line>` +
    paths +
    `<text class="label" x="${PX + SIDE / 2}" y="${h - 6}" text-anchor="middle">false positive rate</text>` +
    `<text class="label" transform="translate(14 ${PY + SIDE / 2}) rotate(-90)" text-anchor="middle">true positive rate</text>` +
    '</svg>'
  );
}

/** The first `top` importances (the report sorts them, largest first) as horizontal bars. */
export function importanceSvg(importances: readonly { feature: string; value: number }[], top = 20): string {
  const shown = importances.slice(0, top);
  if (shown.length === 0) return '';
  const W = 560;
  const row = 20;
  const labelW = 200;
  const valueW = 74;
  const barW = W - labelW - valueW;
  const max = Math.max(...shown.map((s) => (Number.isFinite(s.value) ? Math.abs(s.value) : 0)));
  const h = shown.length * row + 4;
  const rows = shown
    .map((s, i) => {
      const y = i * row + 2;
      const v = Number.isFinite(s.value) ? s.value : 0;
      const bw = max > 0 ? Math.max(v === 0 ? 0 : 1, (Math.abs(v) / max) * barW) : 0;
      return (
        `<g><title>${esc(`${s.feature}: ${String(s.value)}`)}</title>` +
        `<text class="label" x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(clip(s.feature, 30))}</text>` +
        `<rect class="bar${v < 0 ? ' neg' : ''}" x="${labelW}" y="${y + 3}" width="${bw.toFixed(1)}" height="${row - 6}" rx="2"/>` +
        `<text x="${(labelW + bw + 6).toFixed(1)}" y="${y + 14}">${esc(fmtMetric(s.value))}</text></g>`
      );
    })
    .join('');
  return `<svg class="chart bars" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="feature importances"><line class="base" x1="${labelW}" y1="0" x2="${labelW}" y2="${h}"/>${rows}</svg>`;
}
