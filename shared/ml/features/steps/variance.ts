/**
 * `variance`: drops numeric columns whose variance is at or below a threshold, like
 * scikit-learn's VarianceThreshold (it keeps variance > threshold).
 *
 * ```yaml
 * - variance: { threshold: 0 }
 * ```
 *
 * It looks at every numeric column present at its position, one-hot and text outputs included,
 * so it usually comes last; later steps cannot name a column it may drop. Population variance of
 * the non-missing values; with threshold 0 a column without missing values uses
 * min(variance, max − min), as sklearn does, so constant columns read exactly 0. When no column
 * passes, the fit fails with INPUT_INVALID (sklearn raises too). Partials: count, exact Σx and
 * Σx², min and max per column.
 */
import { QuiverError } from '../../../errors.js';
import { copyWork, inputError } from '../frame.js';
import { Body } from '../spec-check.js';
import { mergeMoments, moments, momentVariance } from '../stats.js';
import type { Moments } from '../stats.js';
import { badState, isNumeric, isStringArray } from './step.js';
import type { Col, ResolveInput, StepDef } from './step.js';

export interface VarianceSpec {
  threshold: number;
}

export interface VariancePartial {
  rows: number;
  columns: string[];
  moments: Moments[];
}

export interface VarianceState {
  inputs: string[];
  /** Per input: the variance compared with the threshold (null: no values). */
  variances: (number | null)[];
  dropped: string[];
}

export const variance: StepDef<VarianceSpec, VariancePartial, VarianceState> = {
  name: 'variance',
  schema: {
    type: 'object',
    description: 'Drop numeric columns with variance ≤ threshold (sklearn VarianceThreshold).',
    additionalProperties: false,
    properties: {
      threshold: { type: 'number', minimum: 0, description: 'Default 0: drop constant columns.' },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['threshold']);
    const threshold = b.num('threshold', { min: 0 }) ?? 0;
    const numeric = r.cols.filter((c) => isNumeric(c.type));
    if (numeric.length === 0) throw b.fail('', 'there are no numeric columns at this step to check');
    const label = `${r.path}:*`;
    const cols: Col[] = [...r.cols.filter((c) => !isNumeric(c.type)), { name: label, type: 'float', dynamic: true }];
    const names = numeric.map((c) => c.name);
    return { spec: { threshold }, reads: names, writes: [...names, label], needsFit: true, cols, removes: numeric.filter((c) => !c.dynamic).map((c) => c.name) };
  },

  partial(_spec, w, mask) {
    const columns = w.order.filter((n) => w.cols.get(n) instanceof Float64Array);
    let rows = w.rows;
    if (mask !== null) {
      rows = 0;
      for (let i = 0; i < w.rows; i++) if (mask[i] !== 0) rows++;
    }
    return { rows, columns, moments: columns.map((n) => moments(w.cols.get(n) as Float64Array, mask, 'variance', n)) };
  },

  merge(_spec, a, b) {
    if (a.columns.length !== b.columns.length || a.columns.some((c, i) => c !== b.columns[i])) {
      throw QuiverError.nonRetryable('INTERNAL', `variance: partials over different columns (${a.columns.join(', ')} vs ${b.columns.join(', ')})`);
    }
    return { rows: a.rows + b.rows, columns: a.columns, moments: a.moments.map((m, k) => mergeMoments(m, b.moments[k]!)) };
  },

  finish(spec, m) {
    const variances = m.moments.map((x) => {
      if (x.n === 0) return null;
      const v = momentVariance(x);
      return spec.threshold === 0 && x.n === m.rows ? Math.min(v, x.max! - x.min!) : v;
    });
    const dropped = m.columns.filter((_, k) => !(variances[k] !== null && variances[k]! > spec.threshold));
    if (dropped.length === m.columns.length) throw inputError(`variance: no column has variance above ${spec.threshold} in the fitted rows; lower the threshold or check the data`);
    const state: VarianceState = { inputs: m.columns, variances, dropped };
    return { state, inputs: m.columns, outputs: m.columns.filter((c) => !dropped.includes(c)) };
  },

  transform(_spec, state, w) {
    const out = copyWork(w);
    for (const c of state.dropped) out.cols.delete(c);
    const gone = new Set(state.dropped);
    out.order = out.order.filter((n) => !gone.has(n));
    return out;
  },

  checkState(_spec, state, path) {
    const s = state as VarianceState | null;
    if (s === null || typeof s !== 'object' || !isStringArray(s.inputs) || !isStringArray(s.dropped) || !Array.isArray(s.variances) || s.variances.length !== s.inputs.length) {
      throw badState(path, 'state must hold inputs, variances (one per input) and dropped');
    }
  },
};
