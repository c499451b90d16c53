/**
 * `select`: keeps, orders, renames and drops columns without touching their data.
 *
 * ```yaml
 * - { id: slim, op: select, input: users, columns: [id, country, age] }
 * - { id: renamed, op: select, input: users, columns: { user_id: id, nation: country } }
 * - { id: no_pii, op: select, input: users, drop: [email, phone] }
 * ```
 * `columns` applies first (a list keeps those columns in that order; a map of new name → old
 * name keeps and renames them); `drop` then removes columns by their (new) name.
 */
import { Field } from 'apache-arrow';
import type { Data, RecordBatch } from 'apache-arrow';
import type { SchemaDef } from '../dataset.js';
import { copyData, makeBatch } from '../expr/index.js';
import { decodeInput, describeColumns, partResult, perShardOutput, planPerShard, singleInput, specError, stageSchema } from './rowwise.js';
import { QuiverError } from '../errors.js';
import type { KernelInput, KernelResult, Operator, PlanContext } from './types.js';

interface SelectParams {
  /** Output columns in order: [new name, input name]. */
  mapping: [string, string][];
}

function closestHint(name: string, schema: SchemaDef): string {
  const lower = name.toLowerCase();
  const same = schema.fields.find((f) => f.name.toLowerCase() === lower);
  return same === undefined ? '' : ` (did you mean '${same.name}'? names are case-sensitive)`;
}

function resolve(ctx: PlanContext): { params: SelectParams; output: SchemaDef } {
  const schema = singleInput(ctx).schema;
  const { columns, drop } = ctx.stage;
  if (columns === undefined && drop === undefined) {
    throw specError(ctx, '', 'select needs columns (a list, or a map of new name → old name) or drop (a list)');
  }
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const unknown = (field: string, name: unknown): QuiverError =>
    specError(ctx, field, `unknown column ${JSON.stringify(name)}${typeof name === 'string' ? closestHint(name, schema) : ''}; available columns: ${describeColumns(schema)}`);
  let mapping: [string, string][];
  if (columns === undefined) mapping = schema.fields.map((f) => [f.name, f.name]);
  else if (Array.isArray(columns)) mapping = columns.map((c, i): [string, string] => {
    if (typeof c !== 'string' || !byName.has(c)) throw unknown(`columns[${i}]`, c);
    return [c, c];
  });
  else if (typeof columns === 'object' && columns !== null) mapping = Object.entries(columns).map(([to, from]): [string, string] => {
    if (typeof from !== 'string' || !byName.has(from)) throw unknown(`columns.${to}`, from);
    return [to, from];
  });
  else throw specError(ctx, 'columns', 'must be a list of column names or a map of new name → old name');
  if (drop !== undefined) {
    if (!Array.isArray(drop)) throw specError(ctx, 'drop', 'must be a list of column names');
    const names = new Set(mapping.map(([to]) => to));
    drop.forEach((d, i) => {
      if (typeof d !== 'string' || !names.has(d)) {
        throw specError(ctx, `drop[${i}]`, `unknown column ${JSON.stringify(d)}; columns at this point: ${[...names].join(', ')}`);
      }
    });
    mapping = mapping.filter(([to]) => !drop.includes(to));
  }
  const seen = new Set<string>();
  for (const [to] of mapping) {
    if (to === '') throw specError(ctx, 'columns', 'a new column name is empty');
    if (seen.has(to)) throw specError(ctx, 'columns', `column '${to}' would appear twice; give each output column a distinct name`);
    seen.add(to);
  }
  if (mapping.length === 0) throw specError(ctx, '', 'select would leave no columns; keep at least one');
  const output: SchemaDef = { fields: mapping.map(([to, from]) => ({ ...byName.get(from)!, name: to })) };
  return { params: { mapping }, output };
}

export const selectOperator: Operator = {
  name: 'select',
  summary: 'Keeps, orders, renames or drops columns (one task per shard)',
  arity: { min: 1, max: 1 },
  schema: stageSchema('select', 'Keeps, orders, renames or drops columns. `columns` applies first, then `drop`.', {
    columns: {
      description: 'Columns to keep: a list of names (kept in that order) or a map of new name → old name (kept and renamed).',
      oneOf: [
        { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
        { type: 'object', minProperties: 1, additionalProperties: { type: 'string', minLength: 1 } },
      ],
    },
    drop: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true, description: 'Columns to remove (by name after `columns` renamed them).' },
  }, [], { anyOf: [{ required: ['columns'] }, { required: ['drop'] }] }),

  async plan(ctx) {
    return planPerShard(singleInput(ctx), resolve(ctx).params);
  },

  async output(ctx, done) {
    return perShardOutput(done, resolve(ctx).output);
  },

  kernel(input: KernelInput): KernelResult {
    const { mapping } = input.task.params as SelectParams;
    const table = decodeInput(input);
    const positions = mapping.map(([, from]) => {
      const at = table.schema.fields.findIndex((f) => f.name === from);
      if (at < 0) {
        const uri = input.task.inputs[0]?.uri ?? 'input';
        throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${uri} has no column '${from}'; its columns: ${table.schema.fields.map((f) => f.name).join(', ')}`);
      }
      return at;
    });
    const fields = mapping.map(([to], k) => {
      const f = table.schema.fields[positions[k]!]!;
      return new Field(to, f.type, f.nullable, f.metadata);
    });
    // A column kept twice gets its own copy of the bytes: arrow-js's IPC writer merges chunks
    // that overlap in one ArrayBuffer, so the same buffer written twice in a row is garbled.
    const children = (b: RecordBatch): Data[] => positions.map((at, k) => (positions.indexOf(at) === k ? b.data.children[at]! : copyData(b.data.children[at]!)));
    const batches = table.batches.map((b) => makeBatch(fields, children(b), b.numRows));
    return partResult(input, fields, batches, { rowsIn: table.numRows, rowsOut: table.numRows, quarantined: 0 });
  },
};
