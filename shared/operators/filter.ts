/**
 * `filter`: keeps the rows where a boolean expression is true (false and null drop the row,
 * as in SQL's WHERE). One task per input shard; stats count `filtered` rows, so
 * rowsIn = rowsOut + filtered.
 *
 * ```yaml
 * - id: active
 *   op: filter
 *   input: users
 *   where: status == 'active' and signup_date >= '2024-01-01'
 * ```
 */
import type { RecordBatch } from 'apache-arrow';
import type { SchemaDef } from '../dataset.js';
import { isErrorCode } from '../errors.js';
import { compileExpression, takeBatch } from '../expr/index.js';
import type { CompiledExpression } from '../expr/index.js';
import { checkShardColumns, decodeInput, partResult, perShardOutput, planPerShard, singleInput, specError, stageSchema } from './rowwise.js';
import type { KernelInput, KernelResult, Operator, PlanContext } from './types.js';

interface FilterParams {
  where: string;
  schema: SchemaDef;
}

function checkWhere(ctx: PlanContext): FilterParams {
  const schema = singleInput(ctx).schema;
  const where = ctx.stage.where;
  if (typeof where !== 'string' || where.trim() === '') {
    throw specError(ctx, 'where', "must be a condition string, e.g. where: amount > 0 and status == 'paid'");
  }
  let e: CompiledExpression;
  try {
    e = compileExpression(where, schema);
  } catch (err) {
    throw specError(ctx, 'where', isErrorCode(err, 'EXPR_INVALID') ? (err as Error).message : String(err), err);
  }
  if (e.type !== 'bool') {
    throw specError(ctx, 'where', `the condition is ${e.type}, not true/false; compare it, e.g. ${where} != ${e.type === 'string' ? "''" : '0'}`);
  }
  return { where, schema };
}

/** The rows of a batch where `e` is true; the batch itself when every row passes. */
function filterBatch(batch: RecordBatch, e: CompiledExpression): RecordBatch {
  const { idx, count } = e.whereTrue(batch);
  return count === batch.numRows ? batch : takeBatch(batch, idx, count);
}

export const filterOperator: Operator = {
  name: 'filter',
  summary: 'Keeps the rows where a condition is true (one task per shard)',
  arity: { min: 1, max: 1 },
  schema: stageSchema('filter', 'Keeps the rows where a condition is true; rows where it is false or null are dropped and counted as filtered.', {
    where: { type: 'string', minLength: 1, description: "A true/false expression, e.g. amount > 0 and country in ('DE', 'FR')." },
  }, ['where']),

  async plan(ctx) {
    return planPerShard(singleInput(ctx), checkWhere(ctx));
  },

  async output(ctx, done) {
    return perShardOutput(done, checkWhere(ctx).schema);
  },

  kernel(input: KernelInput): KernelResult {
    const p = input.task.params as FilterParams;
    const table = decodeInput(input);
    checkShardColumns(table, p.schema.fields, input);
    const e = compileExpression(p.where, p.schema);
    const batches = table.batches.map((b) => filterBatch(b, e)).filter((b) => b.numRows > 0);
    const rowsOut = batches.reduce((n, b) => n + b.numRows, 0);
    return partResult(input, table.schema.fields, batches, { rowsIn: table.numRows, rowsOut, quarantined: 0, filtered: table.numRows - rowsOut });
  },
};
