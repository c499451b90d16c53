/**
 * `impute`: fills missing values like scikit-learn's SimpleImputer.
 *
 * ```yaml
 * - impute: { columns: [age, income], strategy: median }
 * - impute: { columns: [country], strategy: most_frequent }
 * - impute: { columns: [plan], strategy: constant, fill: none }
 * ```
 *
 * mean and median need numeric columns; most_frequent and constant take numeric or text ones.
 * Ties of most_frequent go to the smallest value (sklearn). constant fills 0 (numeric) or
 * 'missing_value' (text) unless `fill` is given, and needs no fit. Partials: exact Σ and count
 * (mean), or value → count tables (median, most_frequent; memory ∝ distinct values).
 * A column with no value at all in the fitted rows fails with INPUT_INVALID (sklearn drops it).
 */
import { parseTimestamp } from '../../../expr/dates.js';
import { copyWork, inputError, num, text } from '../frame.js';
import { ExactSum, mergeSums, roundSum } from '../exact.js';
import { Body } from '../spec-check.js';
import { countValues, infiniteError, mergeCounts } from '../stats.js';
import type { Counts } from '../stats.js';
import { badState, findCol, isNumeric, retype } from './step.js';
import type { ResolveInput, StepDef } from './step.js';

const STRATEGIES = ['mean', 'median', 'most_frequent', 'constant'] as const;
type Strategy = (typeof STRATEGIES)[number];

export interface ImputeSpec {
  columns: string[];
  strategy: Strategy;
  /** Per column: whether it is a text column. */
  text: boolean[];
  /** Per column fill value (constant only). */
  fill: (number | string)[] | null;
}

type SumPart = { n: number; sum: number[] };
type ImputePartial = (SumPart | Counts)[];
export interface ImputeState {
  values: (number | string)[];
}

function fillFor(b: Body, type: string, raw: unknown): number | string {
  const bad = (): Error => b.fail('fill', `${JSON.stringify(raw)} is not a valid ${type} value for the ${type} column${type === 'string' ? '' : 's'} listed`);
  if (raw === undefined) return type === 'string' ? 'missing_value' : 0;
  switch (type) {
    case 'string':
      if (typeof raw !== 'string') throw bad();
      return raw;
    case 'bool':
      if (typeof raw === 'boolean') return raw ? 1 : 0;
      if (raw === 0 || raw === 1) return raw;
      throw bad();
    case 'date':
    case 'timestamp': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      const ms = typeof raw === 'string' ? parseTimestamp(raw) : null;
      if (ms === null) throw bad();
      return type === 'date' ? Math.floor(ms / 86_400_000) : ms;
    }
    default:
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw bad();
      return raw;
  }
}

export const impute: StepDef<ImputeSpec, ImputePartial, ImputeState> = {
  name: 'impute',
  schema: {
    type: 'object',
    description: 'Fill missing values (sklearn SimpleImputer).',
    required: ['columns', 'strategy'],
    additionalProperties: false,
    properties: {
      columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
      strategy: { enum: [...STRATEGIES], description: 'mean and median: numeric columns; most_frequent (ties → smallest) and constant: any column.' },
      fill: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }], description: "constant only. Default 0 (numeric) or 'missing_value' (text)." },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['columns', 'strategy', 'fill']);
    const columns = b.names('columns');
    const strategy = b.choice('strategy', STRATEGIES);
    if (b.has('fill') && strategy !== 'constant') throw b.fail('fill', `is only used by strategy constant, not ${strategy}`);
    const cols = columns.map((c, i) => findCol(r, c, `${b.at('columns')}[${i}]`));
    if (strategy === 'mean' || strategy === 'median') {
      cols.forEach((c, i) => {
        if (!isNumeric(c.type)) throw b.fail(`columns[${i}]`, `column '${c.name}' is text; strategy ${strategy} needs a numeric column (use most_frequent or constant)`);
      });
    }
    const fill = strategy === 'constant' ? cols.map((c) => fillFor(b, c.type, b.raw('fill'))) : null;
    const spec: ImputeSpec = { columns, strategy, text: cols.map((c) => c.type === 'string'), fill };
    const after = strategy === 'mean' || strategy === 'median' ? retype(r.cols, columns, 'float') : [...r.cols];
    return { spec, reads: columns, writes: columns, needsFit: strategy !== 'constant', cols: after, removes: [] };
  },

  io(spec) {
    return { inputs: spec.columns, outputs: spec.columns };
  },

  partial(spec, w, mask) {
    return spec.columns.map((c, k) => {
      if (spec.strategy === 'mean') {
        const col = num(w, c, 'impute');
        let n = 0;
        const sum = new ExactSum();
        for (let i = 0; i < col.length; i++) {
          const v = col[i]!;
          if ((mask === null || mask[i] !== 0) && v === v) {
            if (v - v !== 0) throw infiniteError('impute', c, i);
            n++;
            sum.add(v);
          }
        }
        return { n, sum: sum.parts() };
      }
      const counts = countValues(spec.text[k] ? text(w, c, 'impute') : num(w, c, 'impute'), mask, 'impute', c);
      if (counts.keys[counts.keys.length - 1] === null) {
        counts.keys.pop();
        counts.counts.pop();
      }
      return counts;
    });
  },

  merge(spec, a, b) {
    return a.map((x, k) => (spec.strategy === 'mean' ? { n: (x as SumPart).n + (b[k] as SumPart).n, sum: mergeSums((x as SumPart).sum, (b[k] as SumPart).sum) } : mergeCounts(x as Counts, b[k] as Counts)));
  },

  finish(spec, merged) {
    const values = merged.map((p, k) => {
      const column = spec.columns[k]!;
      const none = (): Error => inputError(`impute: column '${column}' has no values in the rows the pipeline is fitted on, so its ${spec.strategy} is undefined; use strategy constant, or drop the column`);
      if (spec.strategy === 'mean') {
        const { n, sum } = p as SumPart;
        if (n === 0) throw none();
        return roundSum(sum) / n;
      }
      const { keys, counts } = p as Counts;
      if (keys.length === 0) throw none();
      if (spec.strategy === 'most_frequent') {
        let best = 0;
        for (let i = 1; i < keys.length; i++) if (counts[i]! > counts[best]!) best = i;
        return keys[best] as number | string;
      }
      const total = counts.reduce((s, c) => s + c, 0);
      const at = (rank: number): number => {
        let seen = 0;
        for (let i = 0; i < keys.length; i++) {
          seen += counts[i]!;
          if (rank < seen) return keys[i] as number;
        }
        return keys[keys.length - 1] as number;
      };
      const h = Math.floor(total / 2);
      return total % 2 === 1 ? at(h) : (at(h - 1) + at(h)) / 2;
    });
    return { state: { values }, inputs: spec.columns, outputs: spec.columns };
  },

  transform(spec, state, w) {
    const out = copyWork(w);
    const values = state === null ? spec.fill! : state.values;
    spec.columns.forEach((c, k) => {
      const fill = values[k]!;
      if (spec.text[k]) {
        const col = text(w, c, 'impute');
        if (!col.includes(null)) return;
        out.cols.set(c, col.map((v) => v ?? (fill as string)));
      } else {
        const col = num(w, c, 'impute');
        let missing = false;
        for (let i = 0; i < col.length; i++) {
          const v = col[i]!;
          if (v !== v) {
            missing = true;
            break;
          }
        }
        if (!missing) return;
        const f = fill as number;
        const o = new Float64Array(col.length);
        for (let i = 0; i < col.length; i++) {
          const v = col[i]!;
          o[i] = v === v ? v : f;
        }
        out.cols.set(c, o);
      }
    });
    return out;
  },

  checkState(spec, state, path) {
    if (!spec.columns.every((_, k) => typeof spec.text[k] === 'boolean')) throw badState(path, 'spec.text must have one flag per column');
    if (spec.strategy === 'constant') {
      if (state !== null) throw badState(path, 'a constant impute has no fitted state');
      if (!Array.isArray(spec.fill) || spec.fill.length !== spec.columns.length) throw badState(path, 'spec.fill must have one value per column');
      return;
    }
    const s = state as ImputeState | null;
    if (s === null || typeof s !== 'object' || !Array.isArray(s.values) || s.values.length !== spec.columns.length) throw badState(path, 'state.values must have one value per column');
    s.values.forEach((v, k) => {
      if (spec.text[k] ? typeof v !== 'string' : typeof v !== 'number' || !Number.isFinite(v)) throw badState(`${path}.values[${k}]`, `${JSON.stringify(v)} does not fit column '${spec.columns[k]}'`);
    });
  },
};
