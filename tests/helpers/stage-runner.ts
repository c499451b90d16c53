/**
 * Runs an operator's phases in-process the way the coordinator does (plan → kernels → next →
 * ... → output), over a real local store in a temp folder. For operator unit tests.
 *
 * ```ts
 * const dir = await tempDir('derive');
 * const input = await writeShards(dir.path, schema, [rowsOfShard0, rowsOfShard1]);
 * const run = await runStage(deriveOperator, { id: 'd', op: 'derive', input: 'in', columns: { x: 'a + 1' } }, [input], dir.path);
 * const rows = await readRows(run.output);
 * ```
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { ColumnBuilder, tableFromBuilders } from '../../shared/arrow/columns.js';
import type { Value } from '../../shared/arrow/columns.js';
import { decodeTable, encodeTable } from '../../shared/arrow/ipc.js';
import { datasetOf } from '../../shared/dataset.js';
import type { Dataset, SchemaDef, ShardRef } from '../../shared/dataset.js';
import { readColumnValues } from '../../shared/expr/index.js';
import type { KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from '../../shared/operators/types.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { LocalStore } from '../../shared/store/local.js';
import type { TaskDescriptor, TaskOutput } from '../../shared/task.js';

export type Row = Record<string, Value>;

/** An Arrow table of `schema` holding `rows`. */
export function tableOf(schema: SchemaDef, rows: readonly Row[]): Table {
  const builders = schema.fields.map((f) => new ColumnBuilder(f.type, rows.length));
  for (const row of rows) schema.fields.forEach((f, i) => builders[i]!.append(row[f.name] ?? null));
  return tableFromBuilders(schema, builders);
}

/** Writes one Arrow shard per element of `shards` under `dir` and returns them as a dataset. */
export async function writeShards(dir: string, schema: SchemaDef, shards: readonly (readonly Row[])[], name = 'in'): Promise<Dataset> {
  const store = new LocalStore();
  const refs: ShardRef[] = [];
  for (const [i, rows] of shards.entries()) {
    const bytes = encodeTable(tableOf(schema, rows));
    const uri = join(dir, name, `shard-${String(i).padStart(5, '0')}.arrow`);
    await store.put(uri, bytes);
    refs.push({ uri, rows: rows.length, bytes: bytes.length });
  }
  return datasetOf(refs, schema);
}

export function planContext(stage: StageSpec, inputs: Dataset[], dir: string): PlanContext {
  return { jobId: 'job1', stage, path: 'stages[1]', inputs, store: new LocalStore(), stagePrefix: join(dir, 'jobs', 'job1', stage.id) + '/', shardRows: 65536 };
}

export interface StageRun {
  ctx: PlanContext;
  phases: PhaseOutcome[];
  /** Kernel results per phase, by task index (bytes included). */
  results: KernelResult[][];
  output: Dataset;
}

/** Runs one phase: every task's kernel, outputs written to the store; `order` permutes execution order. */
export async function runPhase(op: Operator, ctx: PlanContext, plan: PhasePlan, phase: number, order?: readonly number[]): Promise<{ outcome: PhaseOutcome; results: KernelResult[] }> {
  const store = new LocalStore();
  const tasks: TaskOutput[] = new Array<TaskOutput>(plan.tasks.length);
  const results: KernelResult[] = new Array<KernelResult>(plan.tasks.length);
  for (const index of order ?? plan.tasks.map((_, i) => i)) {
    const t = plan.tasks[index]!;
    const task: TaskDescriptor = {
      id: `${ctx.jobId}.${ctx.stage.id}.${phase}.${index}`,
      jobId: ctx.jobId,
      stageId: ctx.stage.id,
      phase,
      index,
      op: op.name,
      inputs: t.inputs,
      outputPrefix: t.outputPrefix ?? ctx.stagePrefix,
      // Params cross NATS as JSON: round-trip them like the bus does.
      params: JSON.parse(JSON.stringify(t.params)) as unknown,
      store: { root: ctx.stagePrefix },
      maxAttempts: 1,
    };
    const inputs = await Promise.all(t.inputs.map(async (i) => (await readFile(i.uri)).subarray(i.start ?? 0, i.end)));
    const result = await op.kernel({ task, inputs: inputs.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) });
    const shards: ShardRef[] = [];
    const quarantine: ShardRef[] = [];
    for (const o of result.objects) {
      const uri = task.outputPrefix + o.name;
      await store.put(uri, o.bytes);
      (o.kind === 'quarantine' ? quarantine : shards).push({ uri, rows: o.rows, bytes: o.bytes.length });
    }
    tasks[index] = { shards, quarantine, stats: result.stats };
    results[index] = result;
  }
  return { outcome: { phase, tasks }, results };
}

/** Plans and runs every phase of a stage, then asks for its output. */
export async function runStage(op: Operator, stage: StageSpec, inputs: Dataset[], dir: string, order?: (n: number) => number[]): Promise<StageRun> {
  const ctx = planContext(stage, inputs, dir);
  const phases: PhaseOutcome[] = [];
  const results: KernelResult[][] = [];
  let plan: PhasePlan | null = await op.plan(ctx);
  while (plan !== null) {
    const { outcome, results: r } = await runPhase(op, ctx, plan, phases.length, order?.(plan.tasks.length));
    phases.push(outcome);
    results.push(r);
    plan = op.next === undefined ? null : await op.next(ctx, phases);
  }
  return { ctx, phases, results, output: await op.output(ctx, phases) };
}

/** Every row of a dataset, in shard order, as plain objects. */
export async function readRows(ds: Dataset): Promise<Row[]> {
  const rows: Row[] = [];
  for (const s of ds.shards) {
    const table = decodeTable(await readFile(s.uri));
    const cols = table.schema.fields.map((f) => [f.name, readColumnValues(table, f.name)] as const);
    for (let i = 0; i < table.numRows; i++) rows.push(Object.fromEntries(cols.map(([n, v]) => [n, v[i]!])));
  }
  return rows;
}

/** Decodes one stored shard. */
export async function readTable(uri: string): Promise<Table> {
  return decodeTable(await readFile(uri));
}
