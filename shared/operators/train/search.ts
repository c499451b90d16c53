/**
 * Hyperparameter search: a model's `params` expand into candidates. A scalar is fixed; a list
 * is a set of values; `{ min, max, log?, int? }` is a range. Grid search takes every
 * combination of the lists (like sklearn's `ParameterGrid`, keys in sorted order, the last
 * key varying fastest); random search draws `trials` candidates (seeded) from lists and ranges
 * (like `ParameterSampler`, though not its exact random stream).
 *
 * ```ts
 * expandCandidates({ C: [0.1, 1], classWeight: 'balanced' }, { kind: 'grid' }, 'stages[2].models[0]');
 * // [{ C: 0.1, classWeight: 'balanced' }, { C: 1, classWeight: 'balanced' }]
 * ```
 */
import { QuiverError } from '../../errors.js';
import { mulberry32 } from '../../prng.js';

export type Candidate = Record<string, unknown>;

interface Range {
  min: number;
  max: number;
  log?: boolean;
  int?: boolean;
}

export const PARAM_VALUE_SCHEMA = {
  description: 'A value, a list of values to search, or a range {min, max, log?, int?} for random search.',
  oneOf: [
    { type: ['number', 'string', 'boolean', 'null'] },
    { type: 'array', minItems: 1 },
    {
      type: 'object',
      required: ['min', 'max'],
      additionalProperties: false,
      properties: { min: { type: 'number' }, max: { type: 'number' }, log: { type: 'boolean' }, int: { type: 'boolean' } },
    },
    { type: 'object', description: 'An object-valued parameter (e.g. classWeight {label: weight}), fixed.' },
  ],
};

function isRange(v: unknown): v is Range {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Range).min === 'number' && typeof (v as Range).max === 'number' && Object.keys(v).every((k) => ['min', 'max', 'log', 'int'].includes(k));
}

const MAX_GRID = 1000;

function invalid(path: string, message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', `${path}: ${message}`);
}

function draw(r: Range, rand: () => number): number {
  if (r.log === true) {
    const v = Math.exp(Math.log(r.min) + rand() * (Math.log(r.max) - Math.log(r.min)));
    return r.int === true ? Math.round(v) : v;
  }
  return r.int === true ? r.min + Math.floor(rand() * (r.max - r.min + 1)) : r.min + rand() * (r.max - r.min);
}

export function expandCandidates(params: Record<string, unknown>, search: { kind: 'grid' | 'random'; trials?: number; seed?: number }, path: string): Candidate[] {
  const keys = Object.keys(params).sort();
  for (const k of keys) {
    const v = params[k];
    if (isRange(v)) {
      if (!(v.max > v.min)) throw invalid(`${path}.params.${k}`, `range max (${v.max}) must be larger than min (${v.min})`);
      if (v.log === true && !(v.min > 0)) throw invalid(`${path}.params.${k}`, 'a log range needs min > 0');
      if (search.kind === 'grid') throw invalid(`${path}.params.${k}`, 'a {min, max} range needs random search; add `search: { kind: random, trials: 10 }` or list the values');
    }
  }
  if (search.kind === 'grid') {
    let out: Candidate[] = [{}];
    for (const k of keys) {
      const v = params[k];
      const values = Array.isArray(v) ? v : [v];
      out = out.flatMap((c) => values.map((x) => ({ ...c, [k]: x })));
      if (out.length > MAX_GRID) throw invalid(`${path}.params`, `the grid has more than ${MAX_GRID} candidates; use random search with a number of trials`);
    }
    return out;
  }
  const trials = search.trials ?? 10;
  const rand = mulberry32(search.seed ?? 0);
  const out: Candidate[] = [];
  for (let t = 0; t < trials; t++) {
    const c: Candidate = {};
    for (const k of keys) {
      const v = params[k];
      c[k] = Array.isArray(v) ? v[Math.floor(rand() * v.length)] : isRange(v) ? draw(v, rand) : v;
    }
    out.push(c);
  }
  return out;
}
