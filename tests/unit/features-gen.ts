/**
 * Generated data for the feature-pipeline tests (seeded): numeric columns with missing values
 * and offsets, a small-integer column (ties), a flag, a constant column, categories with a long
 * tail and missing values, and free text. Shared by tests/unit/features-*.test.ts and
 * tests/integration/sklearn-features.test.ts.
 *
 * ```ts
 * const { frame, schema } = genFrame(1000, 7);
 * ```
 */
import { mulberry32 } from '../../shared/prng.js';
import type { ColumnType } from '../../shared/dataset.js';
import type { Frame } from '../../shared/ml/features/index.js';

export interface Generated {
  frame: Frame;
  schema: { fields: { name: string; type: ColumnType; nullable: boolean }[] };
}

const WORDS = [
  'the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'Data', 'pipeline', 'shard', 'merge', 'café', 'naïve',
  'Straße', 'über', '東京', 'x', 'a', 'I', 'ok', 'OK', 'v2', '42', '3.14', 'e-mail', "don't", 'well-known', 'foo_bar', 'ÆSIR',
  'model', 'feature', 'hash', 'vector', 'idf', 'term', 'doc', 'text', 'word', 'rare', 'long', 'tail',
];

const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'IT', 'ES', 'NL', 'BE', 'PL', 'SE', 'NO', 'DK', 'FI', 'AT', 'CH', 'PT', 'IE', 'CZ', 'HU', 'RO', 'GR', 'BG', 'HR', 'SI', 'SK', 'LT', 'LV', 'EE', 'LU', 'MT'];
const PLANS = ['free', 'pro', 'team', 'enterprise'];

export function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A Zipf-like draw from `list` (index k with weight 1 / (k + 1)^s). */
function zipf(r: () => number, list: readonly string[], s: number): string {
  const w = list.map((_, k) => 1 / (k + 1) ** s);
  let u = r() * w.reduce((a, b) => a + b, 0);
  for (let k = 0; k < list.length; k++) {
    u -= w[k]!;
    if (u <= 0) return list[k]!;
  }
  return list[list.length - 1]!;
}

export function genText(r: () => number): string {
  const n = Math.floor(r() * 12);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(zipf(r, WORDS, 0.9) + (r() < 0.1 ? ',' : r() < 0.05 ? '!' : ''));
  return parts.join(r() < 0.1 ? '  ' : ' ');
}

export function genFrame(n: number, seed: number, opts: { missing?: boolean } = {}): Generated {
  const r = mulberry32(seed);
  const missing = opts.missing ?? true;
  const num = (scale: number, offset: number, pMissing: number): Float64Array =>
    Float64Array.from({ length: n }, () => (missing && r() < pMissing ? NaN : offset + scale * gauss(r)));
  const columns = {
    x0: num(1, 0, 0.1),
    x1: num(100, 1e4, 0.05),
    x2: num(0.01, -3, 0.2),
    x3: num(5, 50, 0),
    count: Float64Array.from({ length: n }, () => (missing && r() < 0.1 ? NaN : Math.floor(r() * 6))),
    flag: Float64Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0)),
    zero: new Float64Array(n).fill(0.1),
    country: Array.from({ length: n }, () => (missing && r() < 0.05 ? null : zipf(r, COUNTRIES, 1.3))),
    plan: Array.from({ length: n }, () => (missing && r() < 0.02 ? null : PLANS[Math.floor(r() * PLANS.length)]!)),
    notes: Array.from({ length: n }, () => (missing && r() < 0.03 ? null : genText(r))),
  };
  const types: Record<string, ColumnType> = { x0: 'float', x1: 'float', x2: 'float', x3: 'float', count: 'int', flag: 'bool', zero: 'float', country: 'string', plan: 'string', notes: 'string' };
  return {
    frame: { rows: n, columns },
    schema: { fields: Object.entries(types).map(([name, type]) => ({ name, type, nullable: true })) },
  };
}

/** Splits a frame into `k` shards of random sizes (contiguous rows). */
export function shardFrame(frame: Frame, k: number, seed: number): Frame[] {
  const r = mulberry32(seed);
  const cuts = Array.from({ length: k - 1 }, () => Math.floor(r() * frame.rows)).sort((a, b) => a - b);
  const bounds = [0, ...cuts, frame.rows];
  const out: Frame[] = [];
  for (let s = 0; s < k; s++) {
    const lo = bounds[s]!;
    const hi = bounds[s + 1]!;
    const columns: Frame['columns'] = {};
    for (const [name, c] of Object.entries(frame.columns)) columns[name] = c instanceof Float64Array ? c.slice(lo, hi) : c.slice(lo, hi);
    out.push({ rows: hi - lo, columns });
  }
  return out;
}

/** Rows of a frame where mask[i] !== 0. */
export function selectRows(frame: Frame, mask: Uint8Array): Frame {
  const columns: Frame['columns'] = {};
  for (const [name, c] of Object.entries(frame.columns)) {
    columns[name] = c instanceof Float64Array ? c.filter((_, i) => mask[i] !== 0) : c.filter((_, i) => mask[i] !== 0);
  }
  let rows = 0;
  for (const m of mask) if (m !== 0) rows++;
  return { rows, columns };
}
