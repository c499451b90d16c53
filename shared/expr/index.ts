/**
 * quiver expressions: a small typed language for row-wise operators (derive, filter...).
 * Parsed by a Pratt parser, type-checked against a schema, compiled to closures over column
 * readers: no `eval`, no `Function`.
 *
 * ```ts
 * import { compileExpression } from '../expr/index.js';
 * const e = compileExpression("if(amount > 100, 'big', lower(kind))", schema);
 * e.type;                 // 'string'
 * const values = e.evaluate(table); // one value per row, null where SQL would give NULL
 * ```
 *
 * Grammar, loosest first: `or`, `and`, `not`, comparisons (`== != < <= > >=`, `is [not] null`,
 * `[not] in (...)`), `||` (concatenation), `+ -`, `* / %`, unary `-`. Literals: numbers,
 * 'strings' or "strings", true, false, null; columns as names or `back quoted`.
 */
import type { Data, RecordBatch, Table } from 'apache-arrow';
import type { Value } from '../arrow/columns.js';
import type { ColumnType, SchemaDef } from '../dataset.js';
import { Checker } from './checker.js';
import { exprError } from './errors.js';
import { parseExpression } from './parser.js';
import { BatchSource, Computed } from './source.js';
import type { Checked, RowFn, RowSource } from './types.js';
import type { VecSource } from './vector.js';

export interface CompiledExpression {
  readonly text: string;
  /** Result type. */
  readonly type: ColumnType;
  /** False when the result can never be null (given the schema's nullability). */
  readonly nullable: boolean;
  /** Input columns the expression reads. */
  readonly columns: readonly string[];
  /** Set when the value does not depend on the row. */
  readonly constant: { readonly value: Value } | undefined;
  /** A per-row function over a source's columns. */
  bind(source: RowSource): RowFn;
  /** Evaluates every row of a source: column-at-a-time when it can, else row by row. */
  compute(source: RowSource): Computed;
  /** One value per row of a table, a batch or a source. */
  evaluate(input: Table | RecordBatch | RowSource): Value[];
  /** The result as an Arrow column chunk of {@link type}. */
  evaluateData(input: RecordBatch | RowSource): Data;
  /** Indices of the rows where a bool expression is true (not false, not null). */
  whereTrue(input: RecordBatch | RowSource): { idx: Int32Array; count: number };
}

function isRowSource(x: unknown): x is RowSource {
  return typeof (x as RowSource).reader === 'function';
}

function isVecSource(x: unknown): x is VecSource {
  return typeof (x as VecSource).vector === 'function';
}

function isTable(x: unknown): x is Table {
  return Array.isArray((x as Table).batches);
}

class Compiled implements CompiledExpression {
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly constant: { readonly value: Value } | undefined;

  constructor(
    readonly text: string,
    private readonly root: Checked,
    readonly columns: readonly string[],
  ) {
    if (root.type === 'null') {
      throw exprError(root.expr.start, 'the expression is always null, so it has no type; give it one, e.g. to_int(null) or to_string(null)');
    }
    this.type = root.type;
    this.nullable = root.nullable;
    this.constant = root.constant;
  }

  bind(source: RowSource): RowFn {
    return this.root.bind(source);
  }

  compute(source: RowSource): Computed {
    if (this.root.vec !== undefined && isVecSource(source)) {
      const v = this.root.vec(source);
      if (v !== undefined) return Computed.ofVector(this.type, v);
    }
    const f = this.root.bind(source);
    const n = source.length;
    const out = new Array<Value>(n);
    for (let i = 0; i < n; i++) out[i] = f(i);
    return Computed.ofValues(this.type, out);
  }

  evaluate(input: Table | RecordBatch | RowSource): Value[] {
    if (isRowSource(input)) return this.compute(input).values();
    if (!isTable(input)) return this.compute(new BatchSource(input)).values();
    if (input.batches.length === 1) return this.compute(new BatchSource(input.batches[0]!)).values();
    const out: Value[] = [];
    for (const b of input.batches) for (const v of this.compute(new BatchSource(b)).values()) out.push(v);
    return out;
  }

  evaluateData(input: RecordBatch | RowSource): Data {
    return this.compute(isRowSource(input) ? input : new BatchSource(input)).data();
  }

  whereTrue(input: RecordBatch | RowSource): { idx: Int32Array; count: number } {
    const source = isRowSource(input) ? input : new BatchSource(input);
    const n = source.length;
    const idx = new Int32Array(n);
    let count = 0;
    const v = this.root.vec !== undefined && isVecSource(source) ? this.root.vec(source) : undefined;
    if (v !== undefined) {
      const nulls = v.n;
      for (let i = 0; i < n; i++) if (v.v[i] !== 0 && (nulls === null || nulls[i] === 0)) idx[count++] = i;
    } else {
      const f = this.root.bind(source);
      for (let i = 0; i < n; i++) if (f(i) === true) idx[count++] = i;
    }
    return { idx, count };
  }
}

/**
 * Parses and type-checks `text` against `schema`. Throws QuiverError EXPR_INVALID (message
 * `at <column>: ...`) on a syntax or type error.
 */
export function compileExpression(text: string, schema: SchemaDef): CompiledExpression {
  const checker = new Checker(text, schema);
  const root = checker.check(parseExpression(text));
  return new Compiled(text, root, [...checker.columns]);
}

export { parseExpression } from './parser.js';
export { formatExpression } from './ast.js';
export type { Expr, BinaryOp, ArithOp, CompareOp } from './ast.js';
export { functionSignatures } from './functions.js';
export { dataReader, readValues, readColumnValues } from './columns.js';
export { BatchSource, Computed } from './source.js';
export { copyData, dataFromValues, makeBatch, makeTable, takeBatch, takeData } from './batch.js';
export type { RowFn, RowSource, ExprType } from './types.js';
export type { Vec, VecSource } from './vector.js';
