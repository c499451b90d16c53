/**
 * `onehot`: one 0/1 column per category, like scikit-learn's OneHotEncoder.
 *
 * ```yaml
 * - onehot: { columns: [country, plan], maxCategories: 20, minFrequency: 0.01, unknown: bucket }
 * ```
 *
 * Categories are sorted (numbers ascending, text by code point, missing last as its own
 * category `col=__missing__`, as sklearn does with None/NaN). With `minFrequency` (a count ≥ 1,
 * or a proportion in (0, 1)) and/or `maxCategories`, rare categories become infrequent and share
 * one `col=__other__` column, chosen exactly as sklearn 1.2 does: below minFrequency first, then
 * while more than maxCategories outputs (counting `__other__`) remain, the smallest counts, ties
 * going to the category that sorts first. Unknown values at transform: `ignore` → all zeros
 * (handle_unknown='ignore'); `bucket` → the `__other__` column when there is one, else zeros
 * (handle_unknown='infrequent_if_exist'). Partials: value → count tables (exact).
 */
import { catLabel, codeColumn, isCatList, lookup, OTHER_LABEL } from '../categories.js';
import { copyWork, spliceColumn } from '../frame.js';
import { Body, countOrProportion, thresholdOf } from '../spec-check.js';
import { countValues, mergeCounts } from '../stats.js';
import type { Cat, Counts } from '../stats.js';
import type { ColumnType } from '../../../dataset.js';
import { badState, findCol, replaceCol } from './step.js';
import type { Col, ResolveInput, StepDef } from './step.js';

export interface OnehotSpec {
  columns: string[];
  types: ColumnType[];
  maxCategories: number | null;
  minFrequency: number | null;
  unknown: 'ignore' | 'bucket';
}

interface OnehotPartial {
  n: number;
  counts: Counts[];
}

export interface OnehotColumnState {
  /** Frequent categories, in output order. */
  categories: Cat[];
  /** Whether there is a `col=__other__` column. */
  other: boolean;
  /** Infrequent categories (kept for unknown: ignore, where they differ from unknown values). */
  infrequent: Cat[];
}

export interface OnehotState {
  columns: OnehotColumnState[];
}

/** Indices of the infrequent categories (sklearn 1.2 `_identify_infrequent`). */
export function infrequentIndices(counts: readonly number[], n: number, minFrequency: number | null, maxCategories: number | null): Set<number> {
  const out = new Set<number>();
  if (minFrequency !== null) {
    const t = thresholdOf(minFrequency, n);
    counts.forEach((c, i) => {
      if (c < t) out.add(i);
    });
  }
  const current = counts.length - out.size + 1;
  if (maxCategories !== null && maxCategories < current) {
    // numpy's stable argsort of the counts: ascending count, ties in category order.
    const order = counts.map((_, i) => i).sort((a, b) => counts[a]! - counts[b]! || a - b);
    for (const i of order.slice(0, counts.length - maxCategories + 1)) out.add(i);
  }
  return out;
}

function outputNames(column: string, type: ColumnType, s: OnehotColumnState): string[] {
  const names = s.categories.map((c) => `${column}=${catLabel(c, type)}`);
  if (s.other) names.push(`${column}=${OTHER_LABEL}`);
  return names;
}

export const onehot: StepDef<OnehotSpec, OnehotPartial, OnehotState> = {
  name: 'onehot',
  schema: {
    type: 'object',
    description: 'One 0/1 column per category (sklearn OneHotEncoder).',
    required: ['columns'],
    additionalProperties: false,
    properties: {
      columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
      maxCategories: { type: 'integer', minimum: 2, description: 'At most this many output columns per input column, `__other__` included.' },
      minFrequency: { type: 'number', exclusiveMinimum: 0, description: 'Categories seen fewer times become infrequent: a count (whole number ≥ 1) or a proportion of rows (0 < x < 1).' },
      unknown: { enum: ['ignore', 'bucket'], description: "ignore (default): unknown values encode as all zeros. bucket: into the `__other__` column when there is one (sklearn 'infrequent_if_exist')." },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['columns', 'maxCategories', 'minFrequency', 'unknown']);
    const columns = b.names('columns');
    const cols = columns.map((c, i) => findCol(r, c, `${b.at('columns')}[${i}]`));
    const spec: OnehotSpec = {
      columns,
      types: cols.map((c) => c.type),
      maxCategories: b.int('maxCategories', { min: 2 }) ?? null,
      minFrequency: countOrProportion(b, 'minFrequency') ?? null,
      unknown: b.choice('unknown', ['ignore', 'bucket'] as const, 'ignore'),
    };
    let after: Col[] = [...r.cols];
    const placeholders = columns.map((c) => `${c}=*`);
    columns.forEach((c, i) => {
      after = replaceCol(after, c, [{ name: placeholders[i]!, type: 'float', dynamic: true }]);
    });
    return { spec, reads: columns, writes: [...columns, ...placeholders], needsFit: true, cols: after, removes: columns };
  },

  partial(spec, w, mask) {
    let n = w.rows;
    if (mask !== null) {
      n = 0;
      for (let i = 0; i < w.rows; i++) if (mask[i] !== 0) n++;
    }
    return { n, counts: spec.columns.map((c) => countValues(w.cols.get(c)!, mask, 'onehot', c)) };
  },

  merge(_spec, a, b) {
    return { n: a.n + b.n, counts: a.counts.map((c, k) => mergeCounts(c, b.counts[k]!)) };
  },

  finish(spec, merged) {
    const columns = merged.counts.map(({ keys, counts }): OnehotColumnState => {
      const inf = infrequentIndices(counts, merged.n, spec.minFrequency, spec.maxCategories);
      return {
        categories: keys.filter((_, i) => !inf.has(i)),
        other: inf.size > 0,
        infrequent: spec.unknown === 'ignore' ? keys.filter((_, i) => inf.has(i)) : [],
      };
    });
    const outputs = columns.flatMap((s, k) => outputNames(spec.columns[k]!, spec.types[k]!, s));
    return { state: { columns }, inputs: spec.columns, outputs };
  },

  transform(spec, state, w) {
    const out = copyWork(w);
    spec.columns.forEach((c, k) => {
      const s = state.columns[k]!;
      const width = s.categories.length + (s.other ? 1 : 0);
      const map = lookup(s.categories);
      const otherAt = s.other ? s.categories.length : -1;
      for (const v of s.infrequent) map.set(v, otherAt);
      const codes = codeColumn(w.cols.get(c)!, map);
      const unknownAt = spec.unknown === 'bucket' ? otherAt : -1;
      const n = w.rows;
      const block = new Float64Array(width * n);
      for (let i = 0; i < n; i++) {
        const code = codes[i]! >= 0 ? codes[i]! : unknownAt;
        if (code >= 0) block[code * n + i] = 1;
      }
      const data = Array.from({ length: width }, (_, q) => block.subarray(q * n, (q + 1) * n));
      spliceColumn(out, c, outputNames(c, spec.types[k]!, s), data);
    });
    return out;
  },

  checkState(spec, state, path) {
    const s = state as OnehotState | null;
    if (s === null || typeof s !== 'object' || !Array.isArray(s.columns) || s.columns.length !== spec.columns.length) throw badState(path, 'state.columns must have one entry per column');
    s.columns.forEach((c, k) => {
      const text = spec.types[k] === 'string';
      if (!isCatList(c.categories, text) || !isCatList(c.infrequent, text) || typeof c.other !== 'boolean') {
        throw badState(`${path}.columns[${k}]`, `must be { categories, other, infrequent } of ${text ? 'text' : 'numeric'} values`);
      }
    });
  },
};
