/**
 * Plumbing shared by the row-wise operators (derive, filter, select): one task per input
 * shard, `part-<index>.arrow` outputs, stage-schema snippets and input checks. It lives here
 * until shared/operators/ has a common helpers module.
 */
import { Field, Schema } from 'apache-arrow';
import type { RecordBatch, Table } from 'apache-arrow';
import { encodeTable, decodeTable } from '../arrow/ipc.js';
import { arrowType, columnTypeOf } from '../arrow/schema.js';
import type { Dataset, FieldDef, SchemaDef } from '../dataset.js';
import { datasetOf } from '../dataset.js';
import { QuiverError } from '../errors.js';
import type { KernelInput, KernelResult, KernelStats, PhaseOutcome, PhasePlan, PlanContext } from './types.js';
import { makeTable } from '../expr/batch.js';

/** `part-00042.arrow` */
export function partName(index: number): string {
  return `part-${String(index).padStart(5, '0')}.arrow`;
}

/** A SPEC_INVALID error naming `<ctx.path>.<field>`. */
export function specError(ctx: Pick<PlanContext, 'path'>, field: string, message: string, cause?: unknown): QuiverError {
  const path = field === '' ? ctx.path : `${ctx.path}.${field}`;
  return QuiverError.nonRetryable('SPEC_INVALID', `${path}: ${message}`, cause === undefined ? { details: { path } } : { cause, details: { path } });
}

/** The job's store root (ends with `/`): the stage prefix is `<root>/jobs/<job>/<stage>/`. */
export function storeRootOf(ctx: PlanContext): string {
  const tail = `jobs/${ctx.jobId}/${ctx.stage.id}/`;
  if (!ctx.stagePrefix.endsWith(tail)) throw QuiverError.nonRetryable('INTERNAL', `stage prefix ${ctx.stagePrefix} does not end with ${tail}`);
  return ctx.stagePrefix.slice(0, -tail.length);
}

/** The single input dataset of an arity-1 stage. */
export function singleInput(ctx: PlanContext): Dataset {
  const input = ctx.inputs[0];
  if (ctx.inputs.length !== 1 || input === undefined) {
    throw specError(ctx, 'input', `operator "${ctx.stage.op}" takes exactly 1 input stage, got ${ctx.inputs.length}`);
  }
  return input;
}

/** Phase 0 of a row-wise stage: task i reads input shard i. */
export function planPerShard(input: Dataset, params: unknown): PhasePlan {
  return { tasks: input.shards.map((s) => ({ inputs: [{ uri: s.uri }], params })) };
}

/** The shards the tasks of phase 0 wrote, in task order. */
export function perShardOutput(done: readonly PhaseOutcome[], schema: SchemaDef): Dataset {
  const phase = done.find((p) => p.phase === 0);
  return datasetOf(phase === undefined ? [] : phase.tasks.flatMap((t) => t.shards), schema);
}

export function describeColumns(schema: SchemaDef): string {
  return schema.fields.map((f) => f.name).join(', ') || '(none)';
}

/** Decodes the task's input shard `k`, naming it in errors. */
export function decodeInput(input: KernelInput, k = 0): Table {
  const uri = input.task.inputs[k]?.uri ?? `input ${k}`;
  const bytes = input.inputs[k];
  if (bytes === undefined) throw QuiverError.nonRetryable('INTERNAL', `task ${input.task.id} has no bytes for input ${k} (${uri})`);
  return decodeTable(bytes, `shard ${uri}`);
}

/**
 * Checks that a shard has every planned column with the planned quiver type (the stage was
 * planned against its input dataset's schema; a shard that disagrees is bad input).
 */
export function checkShardColumns(table: Table, fields: readonly FieldDef[], input: KernelInput): void {
  for (const f of fields) {
    const actual = table.schema.fields.find((x) => x.name === f.name);
    const uri = input.task.inputs[0]?.uri ?? 'input';
    if (actual === undefined) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${uri} has no column '${f.name}' although the stage's input schema has it; its columns: ${table.schema.fields.map((x) => x.name).join(', ')}`);
    }
    const t = columnTypeOf(actual.type);
    if (t !== f.type) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${uri}: column '${f.name}' is ${t} but the stage's input schema says ${f.type}; re-run the stage that wrote it`);
    }
  }
}

export function arrowField(def: FieldDef): Field {
  return new Field(def.name, arrowType(def.type), def.nullable);
}

/** Encodes the result batches as `part-<task index>.arrow`. */
export function partResult(input: KernelInput, fields: readonly Field[], batches: readonly RecordBatch[], stats: KernelStats): KernelResult {
  const table = makeTable(new Schema([...fields]), batches);
  return { objects: [{ name: partName(input.task.index), bytes: encodeTable(table), rows: table.numRows }], stats };
}

const INPUT_SCHEMA = {
  description: 'The id of the stage whose output this stage reads.',
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 1 },
  ],
};

/** The JSON Schema (draft 2020-12) of a one-input stage with the operator's own fields. */
export function stageSchema(op: string, description: string, properties: Record<string, unknown>, required: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'object',
    title: op,
    description,
    required: ['id', 'op', 'input', ...required],
    additionalProperties: false,
    properties: {
      id: { type: 'string', description: 'Stage id, unique in the job; later stages name it in `input`.' },
      op: { const: op, description: `The operator: ${op}.` },
      input: INPUT_SCHEMA,
      ...properties,
    },
    ...extra,
  };
}
