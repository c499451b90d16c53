/**
 * Inline SVG charts for the HTML report (no scripts, no external resources): a histogram of a
 * numeric column and horizontal bars of its top values. Every label is escaped.
 *
 * ```ts
 * histogramSvg(profile.histogram, (x) => fmtValue(profile.type, x));
 * topValuesSvg(profile.top, profile.count);
 * ```
 */
import { clip, esc, fmtInt, fmtPct } from './html-format.js';

const W = 360;

/** `ends`: the axis labels under the first and last bin (default: their edges). */
export function histogramSvg(bins: readonly { lo: number; hi: number; count: number }[], label: (x: number) => string, ends?: [string, string]): string {
  if (bins.length === 0) return '';
  const h = 120;
  const top = 14;
  const bottom = 20;
  const plotH = h - top - bottom;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const bw = W / bins.length;
  const rects = bins
    .map((b, i) => {
      const bh = b.count === 0 ? 0 : Math.max(1, (b.count / max) * plotH);
      const x = i * bw;
      const y = top + plotH - bh;
      return `<rect class="bar" x="${(x + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}"><title>${esc(`${label(b.lo)} – ${label(b.hi)}: ${fmtInt(b.count)}`)}</title></rect>`;
    })
    .join('');
  const [left, right] = ends ?? [label(bins[0]!.lo), label(bins[bins.length - 1]!.hi)];
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="histogram">` +
    `<text class="axis" x="0" y="10">${esc(fmtInt(max))}</text>` +
    `<line class="base" x1="0" y1="${top + plotH}" x2="${W}" y2="${top + plotH}"/>` +
    rects +
    `<text class="axis" x="0" y="${h - 4}">${esc(clip(left, 28))}</text>` +
    `<text class="axis" x="${W}" y="${h - 4}" text-anchor="end">${esc(clip(right, 28))}</text>` +
    '</svg>'
  );
}

export function topValuesSvg(top: readonly { value: string; count: number }[], total: number): string {
  if (top.length === 0) return '';
  const row = 18;
  const labelW = 150;
  const countW = 92;
  const barW = W - labelW - countW;
  const max = Math.max(1, ...top.map((t) => t.count));
  const h = top.length * row + 2;
  const rows = top
    .map((t, i) => {
      const y = i * row;
      const w = Math.max(1, (t.count / max) * barW);
      return (
        `<text class="label" x="${labelW - 6}" y="${y + 13}" text-anchor="end">${esc(clip(t.value, 18))}<title>${esc(t.value)}</title></text>` +
        `<rect class="bar" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}"/>` +
        `<text class="axis" x="${W}" y="${y + 13}" text-anchor="end">${esc(`${fmtInt(t.count)} · ${fmtPct(t.count, total)}`)}</text>`
      );
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="top values">${rows}</svg>`;
}
