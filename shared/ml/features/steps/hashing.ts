/**
 * `hashing`: the hashing trick over words, like scikit-learn's HashingVectorizer(n_features,
 * alternate_sign=True, norm='l2') with its default analyzer. Needs no fit.
 *
 * ```yaml
 * - hashing: { column: notes, features: 64, ngram: [1, 2] }
 * ```
 *
 * Each token (see ../text.ts) hashes with MurmurHash3 (seed 0) to column |h| mod n with sign
 * +1 when h ≥ 0 and −1 otherwise; a row's sums are divided by their L2 norm. Outputs
 * `notes#0 .. notes#{n-1}` replace the text column. A missing text is an empty document (all
 * zeros; sklearn rejects None).
 */
import { columnBlock, copyWork, spliceColumn, text } from '../frame.js';
import { Body } from '../spec-check.js';
import { analyze, hashSlot, murmurhash3_32 } from '../text.js';
import { badState, findCol, replaceCol } from './step.js';
import type { ResolveInput, StepDef } from './step.js';

/** Most output columns a text step may create (the matrix is dense). */
export const MAX_TEXT_COLUMNS = 1 << 16;

export interface HashingSpec {
  column: string;
  features: number;
  ngram: [number, number];
}

function outputs(spec: HashingSpec): string[] {
  return Array.from({ length: spec.features }, (_, j) => `${spec.column}#${j}`);
}

/** token → (index + 1) · sign, per transform call. */
function slotCache(n: number): (token: string) => number {
  const cache = new Map<string, number>();
  return (token) => {
    let s = cache.get(token);
    if (s === undefined) {
      const { index, sign } = hashSlot(murmurhash3_32(token), n);
      s = (index + 1) * sign;
      if (cache.size > 1 << 18) cache.clear();
      cache.set(token, s);
    }
    return s;
  };
}

/**
 * Fills `outs` (one column per feature) row by row: each token's slot is ±(column + 1) (0: skip
 * it); a row's per-column sums, optionally re-weighted, are divided by their L2 norm, summed in
 * column order as sklearn's CSR normalize does.
 */
export function fillRows(docs: readonly (string | null)[], outs: Float64Array[], ngram: [number, number], slot: (token: string) => number, weight?: (count: number, col: number) => number): void {
  const n = outs.length;
  const row = new Float64Array(n);
  const seen = new Int32Array(n);
  const touched = new Int32Array(n);
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    if (doc === null || doc === undefined || doc.length === 0) continue;
    let m = 0;
    for (const t of analyze(doc, ngram)) {
      const s = slot(t);
      if (s === 0) continue;
      const j = Math.abs(s) - 1;
      if (seen[j] !== i + 1) {
        seen[j] = i + 1;
        touched[m++] = j;
      }
      row[j] = row[j]! + (s > 0 ? 1 : -1);
    }
    const cols = touched.subarray(0, m).sort();
    let sum = 0;
    for (let q = 0; q < m; q++) {
      const j = cols[q]!;
      if (weight !== undefined) row[j] = weight(row[j]!, j);
      sum += row[j]! * row[j]!;
    }
    const norm = Math.sqrt(sum);
    for (let q = 0; q < m; q++) {
      const j = cols[q]!;
      outs[j]![i] = norm === 0 ? row[j]! : row[j]! / norm;
      row[j] = 0;
    }
  }
}

export const hashing: StepDef<HashingSpec, null, null> = {
  name: 'hashing',
  schema: {
    type: 'object',
    description: 'Hashed word counts, signed and L2-normalized (sklearn HashingVectorizer). No fit.',
    required: ['column'],
    additionalProperties: false,
    properties: {
      column: { type: 'string', minLength: 1 },
      features: { type: 'integer', minimum: 1, maximum: MAX_TEXT_COLUMNS, description: 'Output columns (n_features). Default 64; powers of two spread best.' },
      ngram: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2, description: 'Word n-gram range [min, max]. Default [1, 1].' },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['column', 'features', 'ngram']);
    const column = b.str('column');
    const col = findCol(r, column, b.at('column'));
    if (col.type !== 'string') throw b.fail('column', `column '${column}' is ${col.type}, not text; hashing reads text columns`);
    const spec: HashingSpec = { column, features: b.int('features', { min: 1, max: MAX_TEXT_COLUMNS }) ?? 64, ngram: b.range('ngram', [1, 1], 10) };
    const outs = outputs(spec);
    const clash = outs.find((o) => r.cols.some((c) => c.name === o));
    if (clash !== undefined) throw b.fail('column', `the output column '${clash}' already exists`);
    const cols = replaceCol(r.cols, column, outs.map((name) => ({ name, type: 'float' as const, dynamic: false })));
    return { spec, reads: [column], writes: [column, ...outs], needsFit: false, cols, removes: [column] };
  },

  io(spec) {
    return { inputs: [spec.column], outputs: outputs(spec) };
  },

  partial() {
    return null;
  },
  merge() {
    return null;
  },
  finish(spec) {
    return { state: null, ...this.io!(spec) };
  },

  transform(spec, _state, w) {
    const docs = text(w, spec.column, 'hashing');
    const outs = columnBlock(spec.features, w.rows);
    const slot = slotCache(spec.features);
    fillRows(docs, outs, spec.ngram, slot);
    const out = copyWork(w);
    spliceColumn(out, spec.column, outputs(spec), outs);
    return out;
  },

  checkState(_spec, state, path) {
    if (state !== null) throw badState(path, 'hashing has no fitted state');
  },
};
