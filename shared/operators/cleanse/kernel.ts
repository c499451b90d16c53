/**
 * The cleanse kernel: one task per input shard, in every phase.
 *
 * - stats phase (`mode: 'stats'`): runs the steps whose values are known, answers the
 *   phase's requests at their steps (./stats.ts), skips the imputations still unresolved, and
 *   writes nothing; the answers go back in the task's stats.
 * - apply phase: runs every step and writes `part-<shard>.arrow`, plus
 *   `quarantine-<shard>.ndjson` when `coerce ... onError: quarantine` rejected rows.
 *
 * Stats of the apply phase: rowsIn = rowsOut + quarantined, and `changed`/`failed` counters
 * per action slot (types.ts actionSlots). Stats phases report rowsIn and rowsOut 0.
 *
 * ```ts
 * const result = cleanseKernel({ task, inputs: [shardBytes] });
 * ```
 */
import { makeData, RecordBatch, Struct, Table } from 'apache-arrow';
import { ColumnBuilder } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import { toArrowSchema } from '../../arrow/schema.js';
import { QuiverError } from '../../errors.js';
import { encodeQuarantine } from '../../formats/quarantine.js';
import { checkShardColumns, decodeInput, partName } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { passthroughData } from './passthrough.js';
import { answerRequest } from './stats.js';
import type { StatAnswer, StatRequest } from './stats.js';
import { applyStep, Work } from './steps.js';
import type { Resolved } from './steps.js';
import { actionSlots, needsStats } from './types.js';
import type { CleansePlan } from './types.js';

export interface CleanseParams {
  plan: CleansePlan;
  mode: 'stats' | 'apply';
  /** Stats phase: what to compute. */
  requests: StatRequest[];
  /** Imputation values resolved so far, by step index (ffill: this shard's carries). */
  known: Record<string, Resolved>;
}

/** Index of each step's first action slot. */
export function slotStarts(plan: CleansePlan): number[] {
  const slots = actionSlots(plan);
  return plan.steps.map((_, k) => {
    const at = slots.findIndex((s) => s.step === k);
    return at < 0 ? slots.length : at;
  });
}

/**
 * The live rows of the plan's output columns. Columns no step read are copied from the input's
 * Arrow buffers when every row is alive (./passthrough.ts); the others are built from their values.
 */
function outputTable(work: Work, plan: CleansePlan, rowsOut: number): Table {
  const all = rowsOut === work.rows;
  const children = plan.output.fields.map((f) => {
    const col = work.col(f.name);
    const copied = all && !col.touched && col.type === f.type ? passthroughData(work.table, f.name, f.type) : undefined;
    if (copied !== undefined) return copied;
    const values = col.values;
    const b = new ColumnBuilder(f.type, rowsOut);
    for (let i = 0; i < values.length; i++) if (work.alive[i] === 1) b.append(values[i]!);
    return b.finish();
  });
  // As tableFromBuilders: one record batch from a struct Data, so zero rows keep the schema too.
  const schema = toArrowSchema(plan.output);
  const length = children[0]?.length ?? 0;
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }))]);
}

export function cleanseKernel(input: KernelInput): KernelResult {
  const { plan, mode, requests, known } = input.task.params as CleanseParams;
  const table = decodeInput(input);
  checkShardColumns(table, plan.input.fields, input);
  const source = input.task.inputs[0]?.uri ?? `shard ${input.task.index}`;
  const quarantines = plan.steps.some((s) => s.kind === 'coerce' && s.onError === 'quarantine');
  const starts = slotStarts(plan);
  const work = new Work(table, actionSlots(plan).length, source, quarantines && mode === 'apply');
  const answers = new Array<StatAnswer>(requests.length);
  plan.steps.forEach((step, k) => {
    const resolved = known[String(k)];
    if (needsStats(step) && resolved === undefined) {
      if (mode === 'apply') throw QuiverError.nonRetryable('INTERNAL', `${step.path}: apply phase without the ${step.strategy} value; please report this`);
      requests.forEach((r, i) => {
        if (r.step === k) answers[i] = answerRequest(work, step, r);
      });
      return;
    }
    applyStep(work, step, starts[k]!, resolved);
  });
  const rowsIn = table.numRows;
  if (mode === 'stats') return { objects: [], stats: { rowsIn, rowsOut: 0, quarantined: 0, cleansePhase: 'stats', answers } };

  const rowsOut = work.alive.reduce((n, a) => n + a, 0);
  const objects: KernelObject[] = [{ name: partName(input.task.index), bytes: encodeTable(outputTable(work, plan, rowsOut)), rows: rowsOut }];
  if (work.quarantine.length > 0) {
    objects.push({ name: `quarantine-${String(input.task.index).padStart(5, '0')}.ndjson`, bytes: encodeQuarantine(work.quarantine), rows: work.quarantine.length, kind: 'quarantine' });
  }
  return { objects, stats: { rowsIn, rowsOut, quarantined: work.quarantine.length, cleansePhase: 'apply', changed: work.changed, failed: work.failed } };
}
