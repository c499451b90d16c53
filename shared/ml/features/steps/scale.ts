/**
 * `scale`: standardize like scikit-learn's StandardScaler, or map to a range like MinMaxScaler.
 *
 * ```yaml
 * - scale: { columns: [age, income], method: standard }
 * - scale: { columns: [score], method: minmax, range: [-1, 1] }
 * ```
 *
 * standard: (x − mean) / std with the population std; a column sklearn's `_is_constant_feature`
 * calls constant (var ≤ n·ε·var + (n·mean·ε)²) gets scale 1. minmax: x·s + m with
 * s = (hi − lo) / (max − min) (range below 10ε counts as 1) and m = lo − min·s, as sklearn
 * computes it. Missing values are ignored when fitting and stay missing. Partials: count, exact
 * Σx and Σx², min, max per column; the mean and variance come from the exact merged sums.
 */
import { copyWork, inputError, num } from '../frame.js';
import { Body } from '../spec-check.js';
import { mergeMoments, momentMean, moments, momentVariance } from '../stats.js';
import type { Moments } from '../stats.js';
import { badState, findCol, isNumberArray, isNumeric, retype } from './step.js';
import type { ResolveInput, StepDef } from './step.js';

const EPS = 2.220446049250313e-16;

export interface ScaleSpec {
  columns: string[];
  method: 'standard' | 'minmax';
  range: [number, number];
}

export interface ScaleState {
  /** standard: the means; minmax: unused (zeros). */
  mean: number[];
  /** standard: divide by; minmax: multiply by. */
  scale: number[];
  /** minmax: added after scaling; standard: unused (zeros). */
  min: number[];
}

export const scale: StepDef<ScaleSpec, Moments[], ScaleState> = {
  name: 'scale',
  schema: {
    type: 'object',
    description: 'Standardize (sklearn StandardScaler) or map to a range (MinMaxScaler).',
    required: ['columns'],
    additionalProperties: false,
    properties: {
      columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
      method: { enum: ['standard', 'minmax'], description: 'Default standard.' },
      range: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: 'minmax only: the target [low, high]. Default [0, 1].' },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['columns', 'method', 'range']);
    const columns = b.names('columns');
    columns.forEach((c, i) => {
      const col = findCol(r, c, `${b.at('columns')}[${i}]`);
      if (!isNumeric(col.type)) throw b.fail(`columns[${i}]`, `column '${c}' is text; encode it first (onehot, ordinal) or leave it out of scale`);
    });
    const method = b.choice('method', ['standard', 'minmax'] as const, 'standard');
    const raw = b.raw('range');
    if (raw !== undefined && method !== 'minmax') throw b.fail('range', 'is only used by method minmax');
    if (raw !== undefined && !(Array.isArray(raw) && raw.length === 2 && isNumberArray(raw) && raw[0]! < raw[1]!)) throw b.fail('range', 'must be [low, high] numbers with low < high');
    const range = (raw ?? [0, 1]) as [number, number];
    return { spec: { columns, method, range }, reads: columns, writes: columns, needsFit: true, cols: retype(r.cols, columns, 'float'), removes: [] };
  },

  partial(spec, w, mask) {
    return spec.columns.map((c) => moments(num(w, c, 'scale'), mask, 'scale', c));
  },

  merge(_spec, a, b) {
    return a.map((m, k) => mergeMoments(m, b[k]!));
  },

  finish(spec, merged) {
    const d = spec.columns.length;
    const state: ScaleState = { mean: new Array<number>(d).fill(0), scale: new Array<number>(d).fill(1), min: new Array<number>(d).fill(0) };
    merged.forEach((m, k) => {
      if (m.n === 0) throw inputError(`scale: column '${spec.columns[k]}' has no values in the rows the pipeline is fitted on; impute it first or drop it`);
      if (spec.method === 'standard') {
        const v = momentVariance(m);
        const mean = momentMean(m);
        const constant = v <= m.n * EPS * v + (m.n * mean * EPS) ** 2;
        state.mean[k] = mean;
        state.scale[k] = constant ? 1 : Math.sqrt(v);
      } else {
        const [lo, hi] = spec.range;
        const dataRange = m.max! - m.min!;
        const s = (hi - lo) / (dataRange < 10 * EPS ? 1 : dataRange);
        state.scale[k] = s;
        state.min[k] = lo - m.min! * s;
      }
    });
    return { state, inputs: spec.columns, outputs: spec.columns };
  },

  transform(spec, state, w) {
    const out = copyWork(w);
    spec.columns.forEach((c, k) => {
      const col = num(w, c, 'scale');
      const o = new Float64Array(col.length);
      const s = state.scale[k]!;
      if (spec.method === 'standard') {
        const m = state.mean[k]!;
        for (let i = 0; i < col.length; i++) o[i] = (col[i]! - m) / s;
      } else {
        const m = state.min[k]!;
        for (let i = 0; i < col.length; i++) o[i] = col[i]! * s + m;
      }
      out.cols.set(c, o);
    });
    return out;
  },

  checkState(spec, state, path) {
    const s = state as ScaleState | null;
    const d = spec.columns.length;
    if (s === null || typeof s !== 'object' || !isNumberArray(s.mean, d) || !isNumberArray(s.scale, d) || !isNumberArray(s.min, d)) {
      throw badState(path, `state must hold mean, scale and min, ${d} finite numbers each`);
    }
  },
};
