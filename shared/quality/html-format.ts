/**
 * Text helpers for the HTML report: escaping (every value from data goes through {@link esc}),
 * number and value formatting, and links to stored objects that work offline.
 *
 * ```ts
 * `<td>${esc(value)}</td>`;          // no HTML injection from data
 * fmtValue('date', 1700000000000);   // '2023-11-14'
 * ```
 */
import { isoOf, isTemporal } from './partial.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML text and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const numFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 6 });

/** `12,345` for counts. */
export function fmtInt(n: number): string {
  return intFormat.format(n);
}

/** A number with at most 6 significant digits; huge or tiny ones in exponent form. */
export function fmtNum(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e15 || a < 1e-4)) return n.toExponential(3);
  return numFormat.format(n);
}

export function fmtPct(part: number, whole: number): string {
  if (whole === 0) return '–';
  const p = (100 * part) / whole;
  return `${p === 0 || p >= 10 || p === 100 ? p.toFixed(p === 0 || p === 100 ? 0 : 1) : p.toFixed(2)}%`;
}

/** Shortens text to `max` characters with an ellipsis. */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A column value as text: dates and timestamps as ISO, numbers formatted, strings clipped. */
export function fmtValue(type: string, v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return isTemporal(type) ? isoOf(type, v).replace('T', ' ').replace(/\.000Z$/, 'Z') : fmtNum(v);
  return clip(v, 60);
}

/** Seconds as `2.3s` or `4m 05s`. */
export function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

export function fmtBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]!}`;
}

/**
 * A link to a stored object or folder that works when the page is opened from disk: relative
 * to the report's folder when under the same job folder, `file://` for other local paths, and
 * no link (the URI as code) for object-store URIs.
 */
export function storeLink(uri: string, reportDir: string | undefined): string {
  const code = `<code>${esc(uri)}</code>`;
  const jobDir = reportDir?.replace(/quality\/$/, '');
  if (jobDir !== undefined && jobDir !== reportDir && uri.startsWith(jobDir)) {
    return `<a href="${esc(encodeURI(`../${uri.slice(jobDir.length)}`))}">${code}</a>`;
  }
  if (uri.startsWith('/')) return `<a href="${esc(encodeURI(`file://${uri}`))}">${code}</a>`;
  return code;
}
