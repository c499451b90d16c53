/**
 * The MLP's hyperparameters: their JSON Schema (what a job spec may say), the frozen defaults,
 * and `resolveMlpParams`, which merges a params object over the defaults once and rejects each
 * bad or unknown option with OPTION_INVALID naming it.
 *
 * ```ts
 * const p = resolveMlpParams({ hiddenLayers: [32], epochs: 5 });
 * p.learningRate; // 0.001
 * ```
 */
import { QuiverError } from '../../errors.js';

export type MlpActivation = 'relu' | 'tanh';

export interface EarlyStoppingParams {
  /** Stop after this many epochs without a lower validation loss. Default 5. */
  patience: number;
  /** Share of the rows held out (seeded) to measure the validation loss. Default 0.1. */
  validationFraction: number;
}

/** Resolved hyperparameters (every field present); `MlpParamsInput` is what callers pass. */
export interface MlpParams {
  /** Units of each hidden layer, input side first. Default [64, 32]; [] fits a linear model. */
  hiddenLayers: number[];
  /** Hidden-layer activation. Default 'relu'. */
  activation: MlpActivation;
  /** Adam step size (β1 0.9, β2 0.999, ε 1e-8, as sklearn). Default 1e-3. */
  learningRate: number;
  /** Rows per mini-batch (the last batch of an epoch may be smaller). Default 256. */
  batchSize: number;
  /** Passes over the training rows (the most, with early stopping). Default 20. */
  epochs: number;
  /** L2 penalty on the weights, not the biases (sklearn `alpha`). Default 1e-4. */
  l2: number;
  /** Hold out rows and keep the weights of the best validation epoch; null (default) trains every epoch. */
  earlyStopping: EarlyStoppingParams | null;
  /** Center and scale each input column (statistics kept in the model). Default true. */
  standardize: boolean;
}

export type MlpParamsInput = Partial<Omit<MlpParams, 'earlyStopping'>> & {
  earlyStopping?: Partial<EarlyStoppingParams> | null;
};

export const MLP_DEFAULTS: Readonly<MlpParams> = Object.freeze({
  hiddenLayers: Object.freeze([64, 32]) as unknown as number[],
  activation: 'relu',
  learningRate: 1e-3,
  batchSize: 256,
  epochs: 20,
  l2: 1e-4,
  earlyStopping: null,
  standardize: true,
});

const EARLY_DEFAULTS = Object.freeze({ patience: 5, validationFraction: 0.1 });

/** Largest layer width accepted: a guard against a typo allocating gigabytes of weights. */
const MAX_UNITS = 65536;

export const MLP_PARAMS_SCHEMA: Record<string, unknown> = Object.freeze({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'mlp params',
  type: 'object',
  additionalProperties: false,
  properties: {
    hiddenLayers: {
      description: 'Units of each hidden layer, input side first; [] fits a linear/logistic model.',
      type: 'array',
      items: { type: 'integer', minimum: 1, maximum: MAX_UNITS },
      default: [64, 32],
    },
    activation: { description: 'Hidden-layer activation.', enum: ['relu', 'tanh'], default: 'relu' },
    learningRate: { description: 'Adam step size.', type: 'number', exclusiveMinimum: 0, default: 1e-3 },
    batchSize: { description: 'Rows per mini-batch.', type: 'integer', minimum: 1, default: 256 },
    epochs: { description: 'Passes over the training rows (the most, with early stopping).', type: 'integer', minimum: 1, default: 20 },
    l2: { description: 'L2 penalty on the weights (sklearn alpha).', type: 'number', minimum: 0, default: 1e-4 },
    earlyStopping: {
      description: 'Hold out rows, stop when their loss stops falling, keep the best epoch; null trains every epoch.',
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            patience: { type: 'integer', minimum: 1, default: 5 },
            validationFraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1 },
          },
        },
      ],
      default: null,
    },
    standardize: { description: 'Center and scale each input column.', type: 'boolean', default: true },
  },
});

/** A value as the user wrote it: numbers plainly (Infinity, NaN), the rest as JSON. */
function show(v: unknown): string {
  return typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v);
}

function invalid(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

function integer(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`${name}: ${show(v)} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function number(name: string, v: unknown, min: number, minOpen: boolean, max = Infinity, maxOpen = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
  if (!ok) {
    const range = `${minOpen ? '>' : '≥'} ${min}${Number.isFinite(max) ? ` and ${maxOpen ? '<' : '≤'} ${max}` : ''}`;
    throw invalid(`${name}: ${show(v)} must be a finite number ${range}`);
  }
  return v;
}

function earlyStopping(v: unknown): EarlyStoppingParams | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw invalid(`earlyStopping: ${show(v)} must be null or {patience, validationFraction}`);
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(k in EARLY_DEFAULTS)) throw invalid(`earlyStopping.${k}: unknown option; use patience or validationFraction`);
  }
  return {
    patience: integer('earlyStopping.patience', o.patience ?? EARLY_DEFAULTS.patience, 1),
    validationFraction: number('earlyStopping.validationFraction', o.validationFraction ?? EARLY_DEFAULTS.validationFraction, 0, true, 1, true),
  };
}

/** Merges `params` over {@link MLP_DEFAULTS}; throws OPTION_INVALID naming the first bad option. */
export function resolveMlpParams(params: Record<string, unknown> | MlpParamsInput = {}): MlpParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalid(`params: ${show(params)} must be an object of mlp hyperparameters`);
  }
  const p = params as Record<string, unknown>;
  for (const k of Object.keys(p)) {
    if (!(k in MLP_DEFAULTS)) throw invalid(`${k}: unknown mlp option; use one of ${Object.keys(MLP_DEFAULTS).join(', ')}`);
  }
  const layers = p.hiddenLayers ?? MLP_DEFAULTS.hiddenLayers;
  if (!Array.isArray(layers)) throw invalid(`hiddenLayers: ${show(layers)} must be an array of layer widths, e.g. [64, 32]`);
  const hiddenLayers = layers.map((u: unknown, i) => integer(`hiddenLayers[${i}]`, u, 1, MAX_UNITS));
  const activation = p.activation ?? MLP_DEFAULTS.activation;
  if (activation !== 'relu' && activation !== 'tanh') throw invalid(`activation: ${show(activation)} must be 'relu' or 'tanh'`);
  const standardize = p.standardize ?? MLP_DEFAULTS.standardize;
  if (typeof standardize !== 'boolean') throw invalid(`standardize: ${show(standardize)} must be true or false`);
  return {
    hiddenLayers,
    activation,
    learningRate: number('learningRate', p.learningRate ?? MLP_DEFAULTS.learningRate, 0, true),
    batchSize: integer('batchSize', p.batchSize ?? MLP_DEFAULTS.batchSize, 1),
    epochs: integer('epochs', p.epochs ?? MLP_DEFAULTS.epochs, 1),
    l2: number('l2', p.l2 ?? MLP_DEFAULTS.l2, 0, false),
    earlyStopping: earlyStopping(p.earlyStopping),
    standardize,
  };
}
