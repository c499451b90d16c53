/**
 * `derive`: new columns from quiver expressions (shared/expr), evaluated over the frame as it
 * is at this step. Needs no fit.
 *
 * ```yaml
 * - derive: { columns: { income_per_member: "income / members", is_weekend: "day_of_week(signup) >= 6" } }
 * ```
 *
 * Expressions run in the order written and may use the ones before them. A name that exists is
 * replaced in place; a new one is appended. Types follow the expression: numbers stay numeric,
 * bool → 0/1, dates → days since epoch, timestamps → ms; text results must be encoded by a
 * later step. A null result is missing (NaN).
 */
import type { Value } from '../../../arrow/columns.js';
import type { ColumnType } from '../../../dataset.js';
import { QuiverError } from '../../../errors.js';
import { compileExpression } from '../../../expr/index.js';
import type { CompiledExpression, RowFn, RowSource, Vec, VecSource } from '../../../expr/index.js';
import { DAY_MS } from '../../../expr/dates.js';
import { copyWork } from '../frame.js';
import type { Work } from '../frame.js';
import { Body } from '../spec-check.js';
import { badState, findCol } from './step.js';
import type { Col, ResolveInput, StepDef } from './step.js';

export interface DeriveSpec {
  /** In evaluation order. */
  columns: { name: string; expr: string; type: ColumnType }[];
  /** Types of the columns the expressions read from the frame. */
  inputs: { name: string; type: ColumnType }[];
}

/** The frame's columns as the expression compiler's row and vector sources. */
class WorkSource implements RowSource, VecSource {
  readonly length: number;

  constructor(
    private readonly w: Work,
    private readonly types: Map<string, ColumnType>,
  ) {
    this.length = w.rows;
  }

  reader(name: string): RowFn {
    const c = this.w.cols.get(name)!;
    if (Array.isArray(c)) return (i) => c[i] ?? null;
    const col = c;
    switch (this.types.get(name)) {
      case 'bool':
        return (i) => (col[i]! !== col[i]! ? null : col[i] !== 0);
      case 'date':
        return (i) => (col[i]! !== col[i]! ? null : col[i]! * DAY_MS);
      default:
        return (i) => (col[i]! !== col[i]! ? null : col[i]!);
    }
  }

  vector(name: string): Vec | undefined {
    const c = this.w.cols.get(name)!;
    if (Array.isArray(c)) return undefined;
    const scale = this.types.get(name) === 'date' ? DAY_MS : 1;
    const v = new Float64Array(c.length);
    let n: Uint8Array | null = null;
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      if (x !== x) (n ??= new Uint8Array(c.length))[i] = 1;
      else v[i] = x * scale;
    }
    return { v, n };
  }
}

const compiled = new WeakMap<DeriveSpec, CompiledExpression[]>();

function compileAll(spec: DeriveSpec, at?: (name: string) => string): CompiledExpression[] {
  let list = compiled.get(spec);
  if (list !== undefined) return list;
  const fields = spec.inputs.map((f) => ({ name: f.name, type: f.type, nullable: true }));
  list = spec.columns.map((c) => {
    let e: CompiledExpression;
    try {
      e = compileExpression(c.expr, { fields });
    } catch (err) {
      if (at === undefined) throw err;
      throw QuiverError.nonRetryable('SPEC_INVALID', `${at(c.name)}: ${(err as Error).message}`, { cause: err, details: { path: at(c.name) } });
    }
    const i = fields.findIndex((f) => f.name === c.name);
    const field = { name: c.name, type: e.type, nullable: true };
    if (i >= 0) fields[i] = field;
    else fields.push(field);
    return e;
  });
  compiled.set(spec, list);
  return list;
}

function toColumn(values: { type: ColumnType; vec: Vec | undefined; vals: () => Value[] }): Float64Array | (string | null)[] {
  if (values.type === 'string') return values.vals().map((v) => (v === null ? null : String(v)));
  const { v, n } = values.vec!;
  const out = new Float64Array(v.length);
  const date = values.type === 'date';
  for (let i = 0; i < v.length; i++) out[i] = n !== null && n[i] !== 0 ? NaN : date ? Math.floor(v[i]! / DAY_MS) : v[i]!;
  return out;
}

export const derive: StepDef<DeriveSpec, null, null> = {
  name: 'derive',
  schema: {
    type: 'object',
    description: 'New columns from quiver expressions, in order. No fit.',
    required: ['columns'],
    additionalProperties: false,
    properties: {
      columns: { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 }, description: 'name → expression.' },
    },
  },

  resolve(r: ResolveInput) {
    const b = new Body(r.body, r.path, ['columns']);
    const raw = b.raw('columns');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) throw b.fail('columns', 'must map new column names to expressions, e.g. { ratio: "a / b" }');
    const entries = Object.entries(raw as Record<string, unknown>);
    const own = new Set<string>();
    const inputs: { name: string; type: ColumnType }[] = [];
    let cols: Col[] = [...r.cols];
    const columns: DeriveSpec['columns'] = [];
    for (const [name, expr] of entries) {
      if (typeof expr !== 'string' || expr.trim() === '') throw b.fail(`columns.${name}`, 'must be an expression (text)');
      if (name.length === 0) throw b.fail('columns', 'a column name is empty');
      // Type-check against the columns present now plus the ones derived above.
      const schema = { fields: cols.filter((c) => !c.dynamic).map((c) => ({ name: c.name, type: c.type, nullable: true })) };
      let e: CompiledExpression;
      try {
        e = compileExpression(expr, schema);
      } catch (err) {
        throw QuiverError.nonRetryable('SPEC_INVALID', `${b.at(`columns.${name}`)}: ${(err as Error).message}`, { cause: err, details: { path: b.at(`columns.${name}`) } });
      }
      for (const c of e.columns) {
        if (own.has(c) || inputs.some((f) => f.name === c)) continue;
        inputs.push({ name: c, type: findCol(r, c, b.at(`columns.${name}`)).type });
      }
      columns.push({ name, expr, type: e.type });
      own.add(name);
      const col: Col = { name, type: e.type, dynamic: false };
      cols = cols.some((c) => c.name === name && !c.dynamic) ? cols.map((c) => (c.name === name && !c.dynamic ? col : c)) : [...cols, col];
    }
    const spec: DeriveSpec = { columns, inputs };
    compileAll(spec, (n) => b.at(`columns.${n}`));
    return { spec, reads: inputs.map((f) => f.name), writes: [...own], needsFit: false, cols, removes: [] };
  },

  io(spec) {
    return { inputs: spec.inputs.map((f) => f.name), outputs: spec.columns.map((c) => c.name) };
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
    const exprs = compileAll(spec);
    const out = copyWork(w);
    const types = new Map(spec.inputs.map((f) => [f.name, f.type]));
    spec.columns.forEach((c, k) => {
      const computed = exprs[k]!.compute(new WorkSource(out, types));
      const col = toColumn({ type: c.type, vec: c.type === 'string' ? undefined : computed.vector(), vals: () => computed.values() });
      if (!out.cols.has(c.name)) out.order.push(c.name);
      out.cols.set(c.name, col);
      types.set(c.name, c.type);
    });
    return out;
  },

  checkState(spec, state, path) {
    if (state !== null) throw badState(path, 'derive has no fitted state');
    if (!Array.isArray(spec.columns) || !Array.isArray(spec.inputs)) throw badState(path, 'spec must list columns and inputs');
  },
};
