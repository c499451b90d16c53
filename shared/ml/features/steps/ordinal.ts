/**
 * `ordinal`: each category becomes its index, like scikit-learn's OrdinalEncoder.
 *
 * ```yaml
 * - ordinal: { columns: [size], categories: { size: [S, M, L, XL] }, unknown: value, unknownValue: -1 }
 * ```
 *
 * Without `categories` the categories are the sorted values seen in the fitted rows. Missing
 * values encode as `missingValue` (default NaN, written null: sklearn's encoded_missing_value),
 * so an impute step usually follows. Unknown values: `error` (default) fails the transform with
 * INPUT_INVALID; `value` encodes them as `unknownValue` (default -1). With every column's
 * categories given, the step needs no fit. Partials: value → count tables (exact).
 */
import { codeColumn, isCatList, lookup } from '../categories.js';
import { copyWork, inputError } from '../frame.js';
import { Body } from '../spec-check.js';
import { countValues, mergeCounts } from '../stats.js';
import type { Cat, Counts } from '../stats.js';
import type { ColumnType } from '../../../dataset.js';
import { badState, findCol, retype } from './step.js';
import type { ResolveInput, StepDef } from './step.js';

export interface OrdinalSpec {
  columns: string[];
  types: ColumnType[];
  /** Given categories per column, or null: learned. */
  given: (Cat[] | null)[];
  unknown: 'error' | 'value';
  unknownValue: number;
  /** null: NaN. */
  missingValue: number | null;
}

export interface OrdinalState {
  categories: Cat[][];
}

function clash(v: number | null, n: number): boolean {
  return v !== null && v >= 0 && v < n;
}

export const ordinal: StepDef<OrdinalSpec, Counts[], OrdinalState | null> = {
  name: 'ordinal',
  schema: {
    type: 'object',
    description: 'Categories → their index (sklearn OrdinalEncoder).',
    required: ['columns'],
    additionalProperties: false,
    properties: {
      columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
      categories: {
        type: 'object',
        description: 'The categories of a column, in code order. Default: the sorted values seen when fitting.',
        additionalProperties: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] }, minItems: 1, uniqueItems: true },
      },
      unknown: { enum: ['error', 'value'], description: 'error (default): an unknown value fails the transform. value: it encodes as unknownValue.' },
      unknownValue: { type: 'integer', description: 'Code of unknown values (unknown: value). Default -1.' },
      missingValue: { anyOf: [{ type: 'number' }, { type: 'null' }], description: 'Code of missing values. Default null (NaN).' },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['columns', 'categories', 'unknown', 'unknownValue', 'missingValue']);
    const columns = b.names('columns');
    const cols = columns.map((c, i) => findCol(r, c, `${b.at('columns')}[${i}]`));
    const unknown = b.choice('unknown', ['error', 'value'] as const, 'error');
    if (b.has('unknownValue') && unknown !== 'value') throw b.fail('unknownValue', 'is only used with unknown: value');
    const unknownValue = b.int('unknownValue', {}) ?? -1;
    const mv = b.raw('missingValue');
    if (mv !== undefined && mv !== null && (typeof mv !== 'number' || !Number.isFinite(mv))) throw b.fail('missingValue', 'must be a number, or null for NaN');
    const missingValue = (mv ?? null) as number | null;
    const cats = b.raw('categories');
    if (cats !== undefined && (typeof cats !== 'object' || cats === null || Array.isArray(cats))) throw b.fail('categories', 'must map column names to lists of categories');
    const catMap = (cats ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(catMap)) if (!columns.includes(k)) throw b.fail(`categories.${k}`, `'${k}' is not one of the columns listed (${columns.join(', ')})`);
    const given = cols.map((c) => {
      const list = Object.hasOwn(catMap, c.name) ? catMap[c.name] : undefined;
      if (list === undefined) return null;
      const text = c.type === 'string';
      if (!isCatList(list, text) || list.length === 0) throw b.fail(`categories.${c.name}`, `must be a non-empty list of ${text ? 'strings' : 'numbers'} (null for missing)`);
      if (new Set(list).size !== list.length) throw b.fail(`categories.${c.name}`, 'lists a category twice');
      if (unknown === 'value' && clash(unknownValue, list.length)) throw b.fail('unknownValue', `${unknownValue} is already the code of a category of '${c.name}'; use a negative value or ≥ ${list.length}`);
      if (list.includes(null) && clash(missingValue, list.length)) throw b.fail('missingValue', `${missingValue} is already the code of a category of '${c.name}'`);
      return list;
    });
    const spec: OrdinalSpec = { columns, types: cols.map((c) => c.type), given, unknown, unknownValue, missingValue };
    return { spec, reads: columns, writes: columns, needsFit: given.some((g) => g === null), cols: retype(r.cols, columns, 'float'), removes: [] };
  },

  io(spec) {
    return { inputs: spec.columns, outputs: spec.columns };
  },

  partial(spec, w, mask) {
    return spec.columns.map((c, k) => (spec.given[k] === null ? countValues(w.cols.get(c)!, mask, 'ordinal', c) : { keys: [], counts: [] }));
  },

  merge(_spec, a, b) {
    return a.map((x, k) => mergeCounts(x, b[k]!));
  },

  finish(spec, merged) {
    const categories = merged.map((c, k) => {
      const cats = spec.given[k] ?? c.keys;
      const name = spec.columns[k]!;
      if (spec.unknown === 'value' && clash(spec.unknownValue, cats.length)) {
        throw inputError(`ordinal: unknownValue ${spec.unknownValue} is the code of a category of '${name}' (it has ${cats.length}); use a negative value or ≥ ${cats.length}`);
      }
      if (cats.includes(null) && clash(spec.missingValue, cats.length)) {
        throw inputError(`ordinal: missingValue ${spec.missingValue} is the code of a category of '${name}' (it has ${cats.length}); use null (NaN), a negative value or ≥ ${cats.length}`);
      }
      return cats;
    });
    return { state: { categories }, inputs: spec.columns, outputs: spec.columns };
  },

  transform(spec, state, w) {
    const out = copyWork(w);
    const missing = spec.missingValue ?? NaN;
    spec.columns.forEach((c, k) => {
      const cats = state === null ? spec.given[k]! : state.categories[k]!;
      const col = w.cols.get(c)!;
      const codes = codeColumn(col, lookup(cats));
      const missingAt = cats.indexOf(null);
      const o = new Float64Array(w.rows);
      for (let i = 0; i < w.rows; i++) {
        const code = codes[i]!;
        if (code >= 0 && code === missingAt) o[i] = missing;
        else if (code >= 0) o[i] = code;
        else if (spec.unknown === 'value') o[i] = spec.unknownValue;
        else {
          const v = col[i];
          const shown = v === null || (typeof v === 'number' && v !== v) ? 'a missing value' : `'${String(v)}'`;
          throw inputError(`ordinal: column '${c}' has ${shown} (row ${i}), which is not one of its categories; set unknown: value on the ordinal step, or list it in categories`);
        }
      }
      out.cols.set(c, o);
    });
    return out;
  },

  checkState(spec, state, path) {
    if (state === null) {
      if (spec.given.some((g) => g === null)) throw badState(path, 'state is missing');
      return;
    }
    if (typeof state !== 'object' || !Array.isArray((state as OrdinalState).categories) || (state as OrdinalState).categories.length !== spec.columns.length) {
      throw badState(path, 'state.categories must have one list per column');
    }
    (state as OrdinalState).categories.forEach((c, k) => {
      if (!isCatList(c, spec.types[k] === 'string')) throw badState(`${path}.categories[${k}]`, 'is not a list of categories of the column');
    });
  },
};
