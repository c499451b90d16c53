/**
 * `tfidf`: TF-IDF weights of a vocabulary learned from the text, like scikit-learn's
 * TfidfVectorizer (smooth_idf=True, norm='l2', default analyzer).
 *
 * ```yaml
 * - tfidf: { column: notes, maxFeatures: 500, minDf: 2, maxDf: 0.9, sublinearTf: false }
 * ```
 *
 * Vocabulary: terms with minDf ≤ document frequency ≤ maxDf (each a count ≥ 1 or a proportion
 * in (0, 1); default 1 and all documents), then, with maxFeatures, the terms of highest total
 * count, cut exactly where sklearn cuts (numpy's argsort, ties included: ../argsort.ts).
 * idf = ln((n + 1) / (df + 1)) + 1; a row is count (or 1 + ln count) × idf, L2-normalized.
 * Outputs `notes:term` (terms sorted) replace the text column. Missing text is an empty document.
 * Partials: document count, and per term its document frequency and total count (exact; memory
 * ∝ the corpus vocabulary).
 */
import { npArgsort } from '../argsort.js';
import { compareCodePoints } from '../../folds/labels.js';
import { columnBlock, copyWork, inputError, spliceColumn, text } from '../frame.js';
import { Body, countOrProportion, thresholdOf } from '../spec-check.js';
import { analyze } from '../text.js';
import { fillRows, MAX_TEXT_COLUMNS } from './hashing.js';
import { badState, findCol, isNumberArray, isStringArray, replaceCol } from './step.js';
import type { ResolveInput, StepDef } from './step.js';

export interface TfidfSpec {
  column: string;
  maxFeatures: number | null;
  minDf: number | null;
  maxDf: number | null;
  sublinearTf: boolean;
  ngram: [number, number];
}

export interface TfidfPartial {
  docs: number;
  /** Sorted by code point. */
  terms: string[];
  df: number[];
  tf: number[];
}

export interface TfidfState {
  terms: string[];
  idf: number[];
}

function outputs(spec: TfidfSpec, state: TfidfState): string[] {
  return state.terms.map((t) => `${spec.column}:${t}`);
}

export const tfidf: StepDef<TfidfSpec, TfidfPartial, TfidfState> = {
  name: 'tfidf',
  schema: {
    type: 'object',
    description: 'TF-IDF over a learned vocabulary (sklearn TfidfVectorizer, smooth idf, L2 norm).',
    required: ['column'],
    additionalProperties: false,
    properties: {
      column: { type: 'string', minLength: 1 },
      maxFeatures: { type: 'integer', minimum: 1, maximum: MAX_TEXT_COLUMNS, description: 'Keep the terms with the highest total count.' },
      minDf: { type: 'number', exclusiveMinimum: 0, description: 'Least documents a term must be in: a count (whole number ≥ 1) or a proportion (0 < x < 1). Default 1.' },
      maxDf: { type: 'number', exclusiveMinimum: 0, description: 'Most documents a term may be in: a count or a proportion. Default: all.' },
      sublinearTf: { type: 'boolean', description: 'Use 1 + ln(count) instead of the count. Default false.' },
      ngram: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2, description: 'Word n-gram range [min, max]. Default [1, 1].' },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['column', 'maxFeatures', 'minDf', 'maxDf', 'sublinearTf', 'ngram']);
    const column = b.str('column');
    const col = findCol(r, column, b.at('column'));
    if (col.type !== 'string') throw b.fail('column', `column '${column}' is ${col.type}, not text; tfidf reads text columns`);
    const spec: TfidfSpec = {
      column,
      maxFeatures: b.int('maxFeatures', { min: 1, max: MAX_TEXT_COLUMNS }) ?? null,
      minDf: countOrProportion(b, 'minDf') ?? null,
      maxDf: countOrProportion(b, 'maxDf') ?? null,
      sublinearTf: b.bool('sublinearTf', false),
      ngram: b.range('ngram', [1, 1], 10),
    };
    const placeholder = `${column}:*`;
    const cols = replaceCol(r.cols, column, [{ name: placeholder, type: 'float', dynamic: true }]);
    return { spec, reads: [column], writes: [column, placeholder], needsFit: true, cols, removes: [column] };
  },

  partial(spec, w, mask) {
    const docs = text(w, spec.column, 'tfidf');
    const df = new Map<string, number>();
    const tf = new Map<string, number>();
    let n = 0;
    const inDoc = new Set<string>();
    for (let i = 0; i < docs.length; i++) {
      if (mask !== null && mask[i] === 0) continue;
      n++;
      const doc = docs[i];
      if (doc === null || doc === undefined) continue;
      inDoc.clear();
      for (const t of analyze(doc, spec.ngram)) {
        tf.set(t, (tf.get(t) ?? 0) + 1);
        inDoc.add(t);
      }
      for (const t of inDoc) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const terms = [...tf.keys()].sort(compareCodePoints);
    return { docs: n, terms, df: terms.map((t) => df.get(t)!), tf: terms.map((t) => tf.get(t)!) };
  },

  merge(_spec, a, b) {
    const out: TfidfPartial = { docs: a.docs + b.docs, terms: [], df: [], tf: [] };
    let i = 0;
    let j = 0;
    while (i < a.terms.length || j < b.terms.length) {
      const c = i === a.terms.length ? 1 : j === b.terms.length ? -1 : compareCodePoints(a.terms[i]!, b.terms[j]!);
      if (c <= 0) {
        out.terms.push(a.terms[i]!);
        out.df.push(a.df[i]! + (c === 0 ? b.df[j]! : 0));
        out.tf.push(a.tf[i]! + (c === 0 ? b.tf[j]! : 0));
        i++;
        if (c === 0) j++;
      } else {
        out.terms.push(b.terms[j]!);
        out.df.push(b.df[j]!);
        out.tf.push(b.tf[j]!);
        j++;
      }
    }
    return out;
  },

  finish(spec, m) {
    const n = m.docs;
    if (m.terms.length === 0) throw inputError(`tfidf: column '${spec.column}' has no words (runs of 2+ letters or digits) in the fitted rows, so the vocabulary is empty`);
    const maxCount = spec.maxDf === null ? n : thresholdOf(spec.maxDf, n);
    const minCount = spec.minDf === null ? 1 : thresholdOf(spec.minDf, n);
    if (maxCount < minCount) throw inputError(`tfidf: maxDf stands for ${maxCount} documents, fewer than minDf's ${minCount}; raise maxDf or lower minDf`);
    let kept: number[] = [];
    m.df.forEach((d, i) => {
      if (d <= maxCount && d >= minCount) kept.push(i);
    });
    if (spec.maxFeatures !== null && kept.length > spec.maxFeatures) {
      const negTf = Float64Array.from(kept, (i) => -m.tf[i]!);
      const order = npArgsort(negTf).subarray(0, spec.maxFeatures);
      const pick = new Uint8Array(kept.length);
      for (const o of order) pick[o] = 1;
      kept = kept.filter((_, q) => pick[q] === 1);
    }
    if (kept.length === 0) throw inputError(`tfidf: after minDf/maxDf no terms of '${spec.column}' remain; lower minDf or raise maxDf`);
    if (kept.length > MAX_TEXT_COLUMNS) throw inputError(`tfidf: column '${spec.column}' has ${kept.length} terms, more than ${MAX_TEXT_COLUMNS} dense columns; set maxFeatures (or minDf)`);
    const state: TfidfState = { terms: kept.map((i) => m.terms[i]!), idf: kept.map((i) => Math.log((n + 1) / (m.df[i]! + 1)) + 1) };
    return { state, inputs: [spec.column], outputs: outputs(spec, state) };
  },

  transform(spec, state, w) {
    const docs = text(w, spec.column, 'tfidf');
    const vocab = new Map<string, number>();
    state.terms.forEach((t, j) => vocab.set(t, j + 1));
    const outs = columnBlock(state.terms.length, w.rows);
    const idf = state.idf;
    const weight = spec.sublinearTf ? (c: number, j: number): number => (Math.log(c) + 1) * idf[j]! : (c: number, j: number): number => c * idf[j]!;
    fillRows(docs, outs, spec.ngram, (t) => vocab.get(t) ?? 0, weight);
    const out = copyWork(w);
    spliceColumn(out, spec.column, outputs(spec, state), outs);
    return out;
  },

  checkState(_spec, state, path) {
    const s = state as TfidfState | null;
    if (s === null || typeof s !== 'object' || !isStringArray(s.terms) || !isNumberArray(s.idf, s.terms.length)) throw badState(path, 'state must hold terms and one finite idf per term');
  },
};
