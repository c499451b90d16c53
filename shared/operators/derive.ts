/**
 * `derive`: adds or replaces columns computed by expressions, one task per input shard.
 *
 * ```yaml
 * - id: features
 *   op: derive
 *   input: clean
 *   columns:
 *     amount_eur: amount * rate
 *     big: amount_eur > 1000          # may use columns derived above
 *     name: lower(trim(name))         # replaces the column, keeps its position
 * ```
 */
import type { RecordBatch } from 'apache-arrow';
import type { SchemaDef } from '../dataset.js';
import { isErrorCode } from '../errors.js';
import { BatchSource, compileExpression, makeBatch } from '../expr/index.js';
import type { CompiledExpression } from '../expr/index.js';
import { arrowField, checkShardColumns, decodeInput, partResult, perShardOutput, planPerShard, singleInput, specError, stageSchema } from './rowwise.js';
import type { KernelInput, KernelResult, Operator, PlanContext } from './types.js';

/** Task parameters: the expressions in order and the schema they were checked against. */
interface DeriveParams {
  columns: [name: string, expression: string][];
  schema: SchemaDef;
}

interface Derived {
  schema: SchemaDef;
  compiled: CompiledExpression[];
}

/** Compiles each expression against the input schema plus the columns derived before it. */
function derive(input: SchemaDef, columns: readonly [string, string][], onError: (name: string, err: unknown) => never = rethrow): Derived {
  const fields = [...input.fields];
  const compiled: CompiledExpression[] = [];
  for (const [name, text] of columns) {
    let e: CompiledExpression;
    try {
      e = compileExpression(text, { fields });
    } catch (err) {
      return onError(name, err);
    }
    compiled.push(e);
    const def = { name, type: e.type, nullable: e.nullable };
    const at = fields.findIndex((f) => f.name === name);
    if (at >= 0) fields[at] = def;
    else fields.push(def);
  }
  return { schema: { fields }, compiled };
}

function rethrow(_name: string, err: unknown): never {
  throw err;
}

function columnsOf(ctx: PlanContext): [string, string][] {
  const columns = ctx.stage.columns;
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    throw specError(ctx, 'columns', 'must be a map of new column name to expression, e.g. { total: price * qty }');
  }
  const entries = Object.entries(columns);
  if (entries.length === 0) throw specError(ctx, 'columns', 'is empty; give at least one column: { total: price * qty }');
  for (const [name, text] of entries) {
    if (name === '') throw specError(ctx, 'columns', 'a column name is empty');
    if (typeof text !== 'string') throw specError(ctx, `columns.${name}`, `must be an expression string, got ${JSON.stringify(text)}; quote it in YAML if needed`);
  }
  return entries as [string, string][];
}

function plannedSchema(ctx: PlanContext): { params: DeriveParams; output: SchemaDef } {
  const schema = singleInput(ctx).schema;
  const columns = columnsOf(ctx);
  const { schema: output } = derive(schema, columns, (name, err) => {
    const why = isErrorCode(err, 'EXPR_INVALID') ? (err as Error).message : String(err);
    throw specError(ctx, `columns.${name}`, why, err);
  });
  return { params: { columns, schema }, output };
}

function deriveBatch(batch: RecordBatch, names: readonly string[], compiled: readonly CompiledExpression[], fields: ReturnType<typeof arrowField>[]): RecordBatch {
  const source = new BatchSource(batch);
  const children = batch.data.children.slice();
  compiled.forEach((e, k) => {
    const column = e.compute(source);
    source.set(names[k]!, column);
    children[fields.findIndex((f) => f.name === names[k])] = column.data();
  });
  return makeBatch(fields, children, batch.numRows);
}

export const deriveOperator: Operator = {
  name: 'derive',
  summary: 'Adds or replaces columns computed by typed expressions (one task per shard)',
  arity: { min: 1, max: 1 },
  schema: stageSchema('derive', 'Adds or replaces columns computed by expressions over each row.', {
    columns: {
      type: 'object',
      minProperties: 1,
      description: 'New or replaced column name → expression, applied in order; an expression may use columns derived above it. Example: { total: price * qty, big: total > 100 }.',
      additionalProperties: { type: 'string', minLength: 1, description: "An expression, e.g. if(amount > 100, 'big', 'small')." },
    },
  }, ['columns']),

  async plan(ctx) {
    const { params } = plannedSchema(ctx);
    return planPerShard(singleInput(ctx), params);
  },

  async output(ctx, done) {
    return perShardOutput(done, plannedSchema(ctx).output);
  },

  kernel(input: KernelInput): KernelResult {
    const p = input.task.params as DeriveParams;
    const table = decodeInput(input);
    checkShardColumns(table, p.schema.fields, input);
    const { schema, compiled } = derive(p.schema, p.columns);
    const names = p.columns.map(([name]) => name);
    // Input columns keep their own Arrow field; derived ones get the compiled type.
    const derivedNames = new Set(names);
    const fields = table.schema.fields.map((f) => (derivedNames.has(f.name) ? arrowField(schema.fields.find((d) => d.name === f.name)!) : f));
    for (const def of schema.fields) if (!fields.some((f) => f.name === def.name)) fields.push(arrowField(def));
    const batches = table.batches.map((b) => deriveBatch(b, names, compiled, fields));
    return partResult(input, fields, batches, { rowsIn: table.numRows, rowsOut: table.numRows, quarantined: 0 });
  },
};
