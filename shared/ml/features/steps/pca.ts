/**
 * `pca`: projects columns onto their first principal components, like scikit-learn's
 * PCA(n_components=k, svd_solver='full') (no whitening). The outputs `pc0..pc{k-1}` replace the
 * input columns, at the position of the first one.
 *
 * ```yaml
 * - pca: { columns: [x1, x2, x3, x4], components: 2, prefix: pc }
 * ```
 *
 * Partials: count, exact Σx and Σxxᵀ (upper triangle, expansions: see ../exact.ts); `finish`
 * forms the centered cross-product matrix, each entry rounded once, and eigendecomposes it
 * (cyclic Jacobi). Components equal sklearn's up to sign: sklearn
 * 1.2 flips each so the largest-|value| entry of U's column is positive, which needs the rows;
 * we make the largest-|value| entry of each component positive (the first on ties). Missing
 * values fail with INPUT_INVALID (sklearn rejects NaN too): impute first.
 */
import { symmetricEigen } from '../../linear/dense.js';
import { columnBlock, copyWork, inputError, num } from '../frame.js';
import { combine, ExactSum, mergeSums, roundSum } from '../exact.js';
import { Body } from '../spec-check.js';
import { infiniteError } from '../stats.js';
import { badState, findCol, isNumberArray, isNumeric } from './step.js';
import type { Col, ResolveInput, StepDef } from './step.js';

export interface PcaSpec {
  columns: string[];
  components: number;
  prefix: string;
}

export interface PcaPartial {
  n: number;
  /** Exact Σx per column (expansions). */
  sum: number[][];
  /** Exact Σ x_j·x_k for j ≤ k, row by row of the upper triangle (expansions). */
  cross: number[][];
}

const SPLIT = 134217729; // 2^27 + 1: Veltkamp's split for exact products

export interface PcaState {
  mean: number[];
  /** k×d row-major: component j is row j. */
  components: number[];
  explainedVariance: number[];
}

function outputs(spec: PcaSpec): string[] {
  return Array.from({ length: spec.components }, (_, j) => `${spec.prefix}${j}`);
}

export const pca: StepDef<PcaSpec, PcaPartial, PcaState> = {
  name: 'pca',
  schema: {
    type: 'object',
    description: 'Principal components (sklearn PCA, svd_solver=full); the outputs replace the inputs.',
    required: ['columns', 'components'],
    additionalProperties: false,
    properties: {
      columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
      components: { type: 'integer', minimum: 1, description: 'How many components to keep (≤ the number of columns).' },
      prefix: { type: 'string', minLength: 1, description: "Output column prefix. Default 'pc': pc0, pc1, ..." },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['columns', 'components', 'prefix']);
    const columns = b.names('columns');
    columns.forEach((c, i) => {
      const col = findCol(r, c, `${b.at('columns')}[${i}]`);
      if (!isNumeric(col.type)) throw b.fail(`columns[${i}]`, `column '${c}' is text; pca needs numeric columns`);
    });
    const components = b.int('components', { min: 1, max: columns.length });
    if (components === undefined) throw b.fail('components', `is required: how many components to keep (1 to ${columns.length})`);
    const spec: PcaSpec = { columns, components, prefix: b.str('prefix', 'pc') };
    const outs = outputs(spec);
    for (const o of outs) {
      if (r.cols.some((c) => c.name === o) && !columns.includes(o)) throw b.fail('prefix', `the output column '${o}' already exists; choose another prefix`);
    }
    const cols: Col[] = [];
    for (const c of r.cols) {
      if (c.name === columns[0] && !c.dynamic) cols.push(...outs.map((name) => ({ name, type: 'float' as const, dynamic: false })));
      else if (c.dynamic || !columns.includes(c.name)) cols.push(c);
    }
    return { spec, reads: columns, writes: [...columns, ...outs], needsFit: true, cols, removes: columns.filter((c) => !outs.includes(c)) };
  },

  partial(spec, w, mask) {
    const d = spec.columns.length;
    const cols = spec.columns.map((c) => num(w, c, 'pca'));
    const sum = cols.map(() => new ExactSum());
    const cross = Array.from({ length: (d * (d + 1)) / 2 }, () => new ExactSum());
    const x = new Float64Array(d);
    const hi = new Float64Array(d);
    const lo = new Float64Array(d);
    let n = 0;
    for (let i = 0; i < w.rows; i++) {
      if (mask !== null && mask[i] === 0) continue;
      n++;
      for (let j = 0; j < d; j++) {
        const v = cols[j]![i]!;
        if (v - v !== 0) {
          if (v === v) throw infiniteError('pca', spec.columns[j]!, i);
          throw inputError(`pca: column '${spec.columns[j]}' has missing values; add an impute step for it before pca`);
        }
        x[j] = v;
        const t = SPLIT * v;
        hi[j] = t - (t - v);
        lo[j] = v - hi[j]!;
        sum[j]!.add(v);
      }
      // Each product split exactly into p + e (Dekker), both summed exactly.
      for (let j = 0, at = 0; j < d; j++) {
        for (let k = j; k < d; k++, at++) {
          const p = x[j]! * x[k]!;
          const e = hi[j]! * hi[k]! - p + hi[j]! * lo[k]! + lo[j]! * hi[k]! + lo[j]! * lo[k]!;
          cross[at]!.add(p);
          if (e !== 0) cross[at]!.add(e);
        }
      }
    }
    return { n, sum: sum.map((s) => s.parts()), cross: cross.map((s) => s.parts()) };
  },

  merge(_spec, a, b) {
    return { n: a.n + b.n, sum: a.sum.map((s, j) => mergeSums(s, b.sum[j]!)), cross: a.cross.map((s, j) => mergeSums(s, b.cross[j]!)) };
  },

  finish(spec, merged) {
    const d = spec.columns.length;
    const k = spec.components;
    const n = merged.n;
    if (n < k) throw inputError(`pca: ${k} components need at least ${k} rows; the pipeline is fitted on ${n}`);
    // Centered cross-products Σ(x_j − m_j)(x_k − m_k) = (n·Σx_jx_k − Σx_j·Σx_k) / n, each rounded once.
    const cm = new Float64Array(d * d);
    for (let j = 0, at = 0; j < d; j++) {
      for (let q = j; q < d; q++, at++) {
        const v = combine(n, merged.cross[at]!, merged.sum[j]!, merged.sum[q]!) / n;
        cm[j * d + q] = v;
        cm[q * d + j] = v;
      }
    }
    const mean = merged.sum.map((s) => roundSum(s) / n);
    const { values, vectors } = symmetricEigen(cm, d);
    const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => values[y]! - values[x]! || x - y);
    const components: number[] = [];
    const explainedVariance: number[] = [];
    for (const idx of order.slice(0, k)) {
      const v = Array.from({ length: d }, (_, i) => vectors[i * d + idx]!);
      let big = 0;
      for (let i = 1; i < d; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
      const sign = v[big]! < 0 ? -1 : 1;
      components.push(...v.map((x) => x * sign));
      explainedVariance.push(n > 1 ? Math.max(values[idx]!, 0) / (n - 1) : 0);
    }
    return { state: { mean, components, explainedVariance }, inputs: spec.columns, outputs: outputs(spec) };
  },

  transform(spec, state, w) {
    const d = spec.columns.length;
    const cols = spec.columns.map((c) => num(w, c, 'pca'));
    const outs = columnBlock(spec.components, w.rows);
    const c = new Float64Array(d);
    for (let i = 0; i < w.rows; i++) {
      for (let j = 0; j < d; j++) c[j] = cols[j]![i]! - state.mean[j]!;
      for (let q = 0; q < spec.components; q++) {
        let s = 0;
        const row = q * d;
        for (let j = 0; j < d; j++) s += c[j]! * state.components[row + j]!;
        outs[q]![i] = s;
      }
    }
    const out = copyWork(w);
    const at = out.order.indexOf(spec.columns[0]!);
    for (const col of spec.columns) out.cols.delete(col);
    const names = outputs(spec);
    names.forEach((n, q) => out.cols.set(n, outs[q]!));
    const kept = out.order.filter((n, i) => i !== at && !spec.columns.includes(n));
    const before = out.order.slice(0, at).filter((n) => !spec.columns.includes(n)).length;
    kept.splice(before, 0, ...names);
    out.order = kept;
    return out;
  },

  checkState(spec, state, path) {
    const s = state as PcaState | null;
    const d = spec.columns.length;
    if (s === null || typeof s !== 'object' || !isNumberArray(s.mean, d) || !isNumberArray(s.components, d * spec.components) || !isNumberArray(s.explainedVariance, spec.components)) {
      throw badState(path, `state must hold mean (${d}), components (${spec.components}×${d}) and explainedVariance (${spec.components}), all finite`);
    }
  },
};
