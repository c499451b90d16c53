/**
 * The gradient-boosted trees' hyperparameters: their JSON Schema (what a job spec may say), the
 * frozen defaults (scikit-learn's `HistGradientBoosting*` defaults, early stopping off), and
 * `resolveGbtParams`, which merges a params object over the defaults once and rejects each bad
 * or unknown option with OPTION_INVALID naming it.
 *
 * ```ts
 * const p = resolveGbtParams({ maxIter: 200, earlyStopping: { patience: 5 } });
 * p.learningRate; // 0.1
 * p.earlyStopping; // { validationFraction: 0.1, patience: 5, tol: 1e-7 }
 * ```
 */
import { QuiverError } from '../../errors.js';

export interface GbtEarlyStopping {
  /** Share of the rows held out (seeded; stratified for classifiers). Default 0.1. */
  validationFraction: number;
  /** Stop when none of the last `patience` iterations lowered the validation loss by > tol. Default 10. */
  patience: number;
  /** Smallest decrease of the validation loss that counts as progress. Default 1e-7. */
  tol: number;
}

export type GbtClassWeight = 'balanced' | Record<string, number> | null;

/** Resolved hyperparameters (every field present); callers pass any subset. */
export interface GbtParams {
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate: number;
  /** Boosting iterations (one tree each; one per class for multiclass). Default 100. */
  maxIter: number;
  /** Leaves per tree, grown best-first; null: no limit. Default 31. */
  maxLeafNodes: number | null;
  /** Edges from the root to the deepest leaf (root depth 0); null: no limit. Default null. */
  maxDepth: number | null;
  /** Fewest training rows in a leaf. Default 20. */
  minSamplesLeaf: number;
  /** L2 penalty on leaf values (λ in −G/(H+λ)). Default 0. */
  l2Regularization: number;
  /** Bins per feature for non-missing values (2..255); missing values get a bin of their own. Default 255. */
  maxBins: number;
  /** Hold out rows and stop when their loss stops falling; null (default) runs every iteration. */
  earlyStopping: GbtEarlyStopping | null;
  /** Classifiers: 'balanced', a map from String(label) to weight, or null (default). */
  classWeight: GbtClassWeight;
}

export type GbtParamsInput = Partial<Omit<GbtParams, 'earlyStopping'>> & { earlyStopping?: Partial<GbtEarlyStopping> | null };

export const GBT_DEFAULTS: Readonly<GbtParams> = Object.freeze({
  learningRate: 0.1,
  maxIter: 100,
  maxLeafNodes: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
  earlyStopping: null,
  classWeight: null,
});

const EARLY_DEFAULTS: Readonly<GbtEarlyStopping> = Object.freeze({ validationFraction: 0.1, patience: 10, tol: 1e-7 });

const nullableInt = (min: number, dflt: number | null, description: string): Record<string, unknown> => ({
  description,
  oneOf: [{ type: 'integer', minimum: min }, { type: 'null' }],
  default: dflt,
});

export const GBT_PARAMS_SCHEMA: Record<string, unknown> = Object.freeze({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'gbt params',
  type: 'object',
  additionalProperties: false,
  properties: {
    learningRate: { description: 'Shrinkage applied to every leaf value.', type: 'number', exclusiveMinimum: 0, default: 0.1 },
    maxIter: { description: 'Boosting iterations (one tree each, one per class for multiclass).', type: 'integer', minimum: 1, default: 100 },
    maxLeafNodes: nullableInt(2, 31, 'Leaves per tree, grown best-first; null: no limit.'),
    maxDepth: nullableInt(1, null, 'Edges from the root to the deepest leaf; null: no limit.'),
    minSamplesLeaf: { description: 'Fewest training rows in a leaf.', type: 'integer', minimum: 1, default: 20 },
    l2Regularization: { description: 'L2 penalty on leaf values.', type: 'number', minimum: 0, default: 0 },
    maxBins: { description: 'Bins per feature for non-missing values; missing values get their own bin.', type: 'integer', minimum: 2, maximum: 255, default: 255 },
    earlyStopping: {
      description: 'Hold out rows (seeded) and stop when their loss stops falling; null runs every iteration.',
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            validationFraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1 },
            patience: { type: 'integer', minimum: 1, default: 10 },
            tol: { type: 'number', minimum: 0, default: 1e-7 },
          },
        },
      ],
      default: null,
    },
    classWeight: {
      description: "Classifiers: 'balanced', a {label: weight} object, or null.",
      oneOf: [{ type: 'null' }, { const: 'balanced' }, { type: 'object', additionalProperties: { type: 'number', minimum: 0 } }],
      default: null,
    },
  },
});

function invalid(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

function integer(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name}: ${JSON.stringify(v)} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function number(name: string, v: unknown, min: number, minOpen: boolean, max = Infinity, maxOpen = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
  if (!ok) {
    const range = `${minOpen ? '>' : '≥'} ${min}${Number.isFinite(max) ? ` and ${maxOpen ? '<' : '≤'} ${max}` : ''}`;
    throw invalid(`${name}: ${JSON.stringify(v)} must be a finite number ${range}`);
  }
  return v;
}

function earlyStopping(v: unknown): GbtEarlyStopping | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw invalid(`earlyStopping: ${JSON.stringify(v)} must be null or {validationFraction, patience, tol}`);
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(k in EARLY_DEFAULTS)) throw invalid(`earlyStopping.${k}: unknown option; use validationFraction, patience or tol`);
  }
  return {
    validationFraction: number('earlyStopping.validationFraction', o.validationFraction ?? EARLY_DEFAULTS.validationFraction, 0, true, 1, true),
    patience: integer('earlyStopping.patience', o.patience ?? EARLY_DEFAULTS.patience, 1),
    tol: number('earlyStopping.tol', o.tol ?? EARLY_DEFAULTS.tol, 0, false),
  };
}

function classWeight(v: unknown): GbtClassWeight {
  if (v === null || v === undefined) return null;
  if (v === 'balanced') return v;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`classWeight: ${JSON.stringify(v)} must be 'balanced', a {label: weight} object, or null`);
  const out: Record<string, number> = {};
  for (const [k, w] of Object.entries(v as Record<string, unknown>)) out[k] = number(`classWeight.${k}`, w, 0, false);
  return out;
}

/** Merges `params` over {@link GBT_DEFAULTS}; throws OPTION_INVALID naming the first bad option. */
export function resolveGbtParams(params: Record<string, unknown> | GbtParamsInput = {}): GbtParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalid(`params: ${JSON.stringify(params)} must be an object of gbt hyperparameters`);
  }
  const p = params as Record<string, unknown>;
  for (const k of Object.keys(p)) {
    if (!(k in GBT_DEFAULTS)) throw invalid(`${k}: unknown gbt option; use one of ${Object.keys(GBT_DEFAULTS).join(', ')}`);
  }
  const maxLeaf = p.maxLeafNodes === undefined ? GBT_DEFAULTS.maxLeafNodes : p.maxLeafNodes;
  const maxDepth = p.maxDepth === undefined ? GBT_DEFAULTS.maxDepth : p.maxDepth;
  return {
    learningRate: number('learningRate', p.learningRate ?? GBT_DEFAULTS.learningRate, 0, true),
    maxIter: integer('maxIter', p.maxIter ?? GBT_DEFAULTS.maxIter, 1),
    maxLeafNodes: maxLeaf === null ? null : integer('maxLeafNodes', maxLeaf, 2),
    maxDepth: maxDepth === null ? null : integer('maxDepth', maxDepth, 1),
    minSamplesLeaf: integer('minSamplesLeaf', p.minSamplesLeaf ?? GBT_DEFAULTS.minSamplesLeaf, 1),
    l2Regularization: number('l2Regularization', p.l2Regularization ?? GBT_DEFAULTS.l2Regularization, 0, false),
    maxBins: integer('maxBins', p.maxBins ?? GBT_DEFAULTS.maxBins, 2, 255),
    earlyStopping: earlyStopping(p.earlyStopping),
    classWeight: classWeight(p.classWeight),
  };
}
