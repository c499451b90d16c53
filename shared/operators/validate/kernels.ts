/**
 * The validate operator's kernels, chosen by the task params' `step`:
 *  - `scan` (phase 0 when there are unique or outlier rules, one task per input shard):
 *    moments and top-digit counts of outlier columns, key files of unique rules;
 *  - `keys` (one task per key partition): duplicates, see ./unique.ts;
 *  - `refine` (one task per input shard): one round of the exact quartile search, see
 *    ./quantiles.ts;
 *  - `check` (the last phase, one task per input shard): every rule on every row; rows that
 *    fail go to the quarantine with all their reasons (or are flagged, or fail the job).
 *
 * Record counts: a check task has rowsIn = rowsOut + quarantined (quarantine mode) or
 * rowsIn = rowsOut with `flagged` rows (flag mode). Scan and refine tasks read the shard
 * (rowsIn) and write no rows (rowsOut 0); keys tasks read keys and write duplicates.
 */
import type { RecordBatch, Table } from 'apache-arrow';
import { Field, Utf8 } from 'apache-arrow';
import type { Value } from '../../arrow/columns.js';
import { QuiverError } from '../../errors.js';
import { dataFromValues, makeBatch, readValues, takeBatch } from '../../expr/index.js';
import { encodeQuarantine, quarantineText } from '../../formats/quarantine.js';
import type { QualityExample } from '../../quality/types.js';
import type { QuarantineRecord } from '../../formats/types.js';
import { checkShardColumns, decodeInput, partResult } from '../rowwise.js';
import type { KernelInput, KernelObject, KernelResult } from '../types.js';
import { prepareRule } from './checks.js';
import type { BatchContext, GlobalStats } from './checks.js';
import { momentsOf } from './moments.js';
import type { Moments } from './moments.js';
import { answerQuery, rootQuery } from './quantiles.js';
import type { Answer, Query } from './quantiles.js';
import { EXAMPLES_PER_RULE, VIOLATIONS_COLUMN } from './rules.js';
import type { ValidatePlan } from './rules.js';
import { jsonValue } from './show.js';
import { keyObjects, readDuplicates } from './unique.js';

export interface ScanParams {
  step: 'scan';
  plan: ValidatePlan;
}

export interface RefineParams {
  step: 'refine';
  plan: ValidatePlan;
  queries: Query[];
}

export interface CheckParams {
  step: 'check';
  plan: ValidatePlan;
  global: GlobalStats;
}

/** Per-rule counts of one check task. */
export interface RuleStats {
  checked: number;
  failed: number;
  examples: QualityExample[];
}

function columnIndex(table: Table, name: string): number {
  return table.schema.fields.findIndex((f) => f.name === name);
}

/** The finite values of a numeric column, -0 as 0. */
function finiteValues(table: Table, column: string): Float64Array {
  const at = columnIndex(table, column);
  const out: number[] = [];
  for (const b of table.batches) for (const v of readValues(b.data.children[at]!)) if (typeof v === 'number' && Number.isFinite(v)) out.push(v === 0 ? 0 : v);
  return Float64Array.from(out);
}

export function scanKernel(input: KernelInput): KernelResult {
  const { plan } = input.task.params as ScanParams;
  const table = decodeInput(input);
  checkShardColumns(table, plan.schema.fields, input);
  const moments: (Moments | null)[] = [];
  const answers: (Answer | null)[] = [];
  plan.rules.forEach((rule, r) => {
    if (rule.kind !== 'outlier') {
      moments.push(null);
      answers.push(null);
      return;
    }
    const values = finiteValues(table, rule.column);
    moments.push(momentsOf(values));
    answers.push(rule.method === 'iqr' ? answerQuery(values, rootQuery(r)) : null);
  });
  const { objects, keys } = keyObjects(plan, table, input.task.index);
  return { objects, stats: { step: 'scan', rowsIn: table.numRows, rowsOut: 0, quarantined: 0, moments, answers, keys } };
}

export function refineKernel(input: KernelInput): KernelResult {
  const { plan, queries } = input.task.params as RefineParams;
  const table = decodeInput(input);
  checkShardColumns(table, plan.schema.fields, input);
  const cache = new Map<string, Float64Array>();
  const answers = queries.map((q) => {
    const rule = plan.rules[q.rule]!;
    if (rule.kind !== 'outlier') throw QuiverError.nonRetryable('INTERNAL', `refine query for rule ${q.rule}, which is not an outlier rule`);
    let values = cache.get(rule.column);
    if (values === undefined) cache.set(rule.column, (values = finiteValues(table, rule.column)));
    return answerQuery(values, q);
  });
  return { objects: [], stats: { step: 'refine', rowsIn: table.numRows, rowsOut: 0, quarantined: 0, answers } };
}

/** Every value of a row as JSON data, for the quarantine. */
function rowJson(plan: ValidatePlan, ctx: BatchContext, i: number): string {
  const row: Record<string, unknown> = {};
  for (const f of plan.schema.fields) row[f.name] = jsonValue(ctx.values(f.name)[i]!, f.type);
  return JSON.stringify(row);
}

export function checkKernel(input: KernelInput): KernelResult {
  const { plan, global } = input.task.params as CheckParams;
  const uri = input.task.inputs[0]?.uri ?? 'input';
  const table = decodeInput(input);
  checkShardColumns(table, plan.schema.fields, input);
  const duplicates = readDuplicates(input);
  const prepared = plan.rules.map((r, k) => prepareRule(r, k, plan, global));
  const types = new Map(plan.schema.fields.map((f) => [f.name, f.type]));
  const stats: RuleStats[] = plan.rules.map(() => ({ checked: 0, failed: 0, examples: [] }));
  const records: QuarantineRecord[] = [];
  const kept: RecordBatch[] = [];
  let offset = 0;
  let failedRows = 0;
  let firstFailure: { rule: number; row: number; reason: string } | undefined;
  for (const batch of table.batches) {
    const cache = new Map<string, Value[]>();
    const values = (name: string): Value[] => {
      let v = cache.get(name);
      if (v === undefined) cache.set(name, (v = readValues(batch.data.children[columnIndex(table, name)]!)));
      return v;
    };
    const ctx: BatchContext = { batch, offset, values, duplicates };
    const reasons: (string[] | undefined)[] = new Array<string[] | undefined>(batch.numRows);
    const firstRule = new Int32Array(batch.numRows);
    plan.rules.forEach((rule, k) => {
      const at = prepared[k]!(ctx);
      const s = stats[k]!;
      for (let i = 0; i < batch.numRows; i++) {
        const detail = at(i);
        if (detail === undefined) continue;
        s.checked++;
        if (detail === null) continue;
        s.failed++;
        const reason = `${rule.label}: ${detail}`;
        if (reasons[i] === undefined) {
          reasons[i] = [];
          firstRule[i] = k;
        }
        reasons[i]!.push(reason);
        if (s.examples.length < EXAMPLES_PER_RULE) {
          const shown = Object.fromEntries(rule.columns.map((c) => [c, jsonValue(values(c)[i]!, types.get(c)!)]));
          s.examples.push({ position: `${uri} row ${offset + i + 1}`, values: shown, reason });
        }
      }
    });
    const pass = new Int32Array(batch.numRows);
    let passCount = 0;
    for (let i = 0; i < batch.numRows; i++) {
      const rs = reasons[i];
      if (rs === undefined) pass[passCount++] = i;
      else {
        failedRows++;
        firstFailure ??= { rule: firstRule[i]!, row: offset + i, reason: rs[0]! };
        if (plan.onFail === 'quarantine') records.push(quarantineText(uri, offset + i + 1, rs.join('; '), rowJson(plan, ctx, i)));
      }
    }
    if (plan.onFail === 'flag') {
      const flags = Array.from(reasons, (rs): Value => (rs === undefined ? null : rs.join('; ')));
      kept.push(makeBatch([...batch.schema.fields, new Field(VIOLATIONS_COLUMN, new Utf8(), true)], [...batch.data.children, dataFromValues('string', flags)], batch.numRows));
    } else if (passCount > 0) kept.push(passCount === batch.numRows ? batch : takeBatch(batch, pass, passCount));
    offset += batch.numRows;
  }
  if (plan.onFail === 'fail' && firstFailure !== undefined) {
    const rule = plan.rules[firstFailure.rule]!;
    throw QuiverError.nonRetryable(
      'INPUT_INVALID',
      `validation failed (onFail: fail): rule '${rule.label}' (${rule.path}) failed; ${failedRows} of ${table.numRows} rows of shard ${uri} fail a rule; first: row ${firstFailure.row + 1}: ${firstFailure.reason}. Fix the data, or use onFail: quarantine to set failing rows aside`,
      { details: { rule: rule.label, path: rule.path, shard: uri, row: firstFailure.row + 1 } },
    );
  }
  const fields = plan.onFail === 'flag' ? [...table.schema.fields, new Field(VIOLATIONS_COLUMN, new Utf8(), true)] : table.schema.fields;
  const quarantined = plan.onFail === 'quarantine' ? failedRows : 0;
  const rowsOut = table.numRows - quarantined;
  const result = partResult(input, fields, kept, { step: 'check', rowsIn: table.numRows, rowsOut, quarantined, flagged: plan.onFail === 'flag' ? failedRows : 0, rules: stats });
  if (records.length > 0) {
    const q: KernelObject = { name: `quarantine-${String(input.task.index).padStart(5, '0')}.ndjson`, bytes: encodeQuarantine(records), rows: records.length, kind: 'quarantine' };
    result.objects.push(q);
  }
  return result;
}
