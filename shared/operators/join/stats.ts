/**
 * The join's counts: what each join task reports, how the stage merges them, the failure for
 * duplicate right keys under `duplicates: error`, and the stage's quality-report section.
 *
 * ```ts
 * const s = mergeJoinStats(finalPhaseTasks);   // sums over the join tasks
 * duplicateKeysError(ctx, plan, s);            // QuiverError or null
 * ```
 *
 * Per task: rowsIn = leftRows = matchedLeft + unmatchedLeft (a null key counts as unmatched);
 * rowsOut = output rows. A broadcast join reports the right side's counts from task 0 only
 * (every task reads all of it), so sums count each right row once.
 */
import type { Value } from '../../arrow/columns.js';
import { QuiverError } from '../../errors.js';
import type { QualitySection } from '../../quality/types.js';
import type { TaskOutput } from '../../task.js';
import type { KernelStats, PlanContext } from '../types.js';
import type { JoinPlan } from './spec.js';

/** A key the right side holds more than once, with its row count. */
export interface DuplicateExample {
  key: Record<string, Value>;
  rows: number;
}

/** Counts every join task reports (summed over tasks for the stage). */
export interface JoinCounts {
  leftRows: number;
  matchedLeft: number;
  unmatchedLeft: number;
  leftNullKeys: number;
  /** Left keys held by more than one row (within each task's left rows: exact for a hash join). */
  leftDuplicateKeys: number;
  /** Left rows beyond the first of their key. */
  leftDuplicateRows: number;
  rightRows: number;
  rightNullKeys: number;
  rightDuplicateKeys: number;
  rightDuplicateRows: number;
  /** Output rows formed by a match (the rest of a left join's rows are unmatched left rows). */
  matchedPairs: number;
}

export interface JoinStats extends KernelStats, JoinCounts {
  duplicateExamples: DuplicateExample[];
}

export const COUNT_FIELDS: readonly (keyof JoinCounts)[] = [
  'leftRows',
  'matchedLeft',
  'unmatchedLeft',
  'leftNullKeys',
  'leftDuplicateKeys',
  'leftDuplicateRows',
  'rightRows',
  'rightNullKeys',
  'rightDuplicateKeys',
  'rightDuplicateRows',
  'matchedPairs',
];

export const MAX_EXAMPLES = 5;

export interface MergedJoinStats extends JoinCounts {
  rowsIn: number;
  rowsOut: number;
  duplicateExamples: DuplicateExample[];
}

/** Sums the join tasks' counts; keeps the examples with the most rows. */
export function mergeJoinStats(tasks: readonly TaskOutput[]): MergedJoinStats {
  const merged = { rowsIn: 0, rowsOut: 0, duplicateExamples: [] as DuplicateExample[] } as MergedJoinStats;
  for (const f of COUNT_FIELDS) merged[f] = 0;
  const examples: DuplicateExample[] = [];
  for (const t of tasks) {
    const s = t.stats as Partial<JoinStats>;
    merged.rowsIn += Number(s.rowsIn ?? 0);
    merged.rowsOut += Number(s.rowsOut ?? 0);
    for (const f of COUNT_FIELDS) merged[f] += Number(s[f] ?? 0);
    if (Array.isArray(s.duplicateExamples)) examples.push(...s.duplicateExamples);
  }
  merged.duplicateExamples = examples.sort((a, b) => b.rows - a.rows).slice(0, MAX_EXAMPLES);
  return merged;
}

function describeExample(e: DuplicateExample): string {
  const parts = Object.entries(e.key).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${parts.join(', ')} (${e.rows} rows)`;
}

/** The failure of `duplicates: error` when the right side repeats keys, else null. */
export function duplicateKeysError(ctx: PlanContext, plan: JoinPlan, s: MergedJoinStats): QuiverError | null {
  // An anti join's output cannot depend on how often a right key repeats.
  if (plan.duplicates !== 'error' || plan.how === 'anti' || s.rightDuplicateKeys === 0) return null;
  const examples = s.duplicateExamples.map(describeExample).join('; ');
  const keys = plan.rightKeys.map((k) => k.name).join(', ');
  return QuiverError.nonRetryable(
    'INPUT_INVALID',
    `${ctx.path}.duplicates: the right input '${plan.rightStage}' holds ${s.rightDuplicateKeys} key(s) of (${keys}) on more than one row ` +
      `(${s.rightDuplicateRows} row(s) beyond the first of their key), e.g. ${examples}; ` +
      `set duplicates: allow for one output row per match (SQL), duplicates: first to keep the first right row per key, or deduplicate '${plan.rightStage}' first`,
    { details: { path: `${ctx.path}.duplicates`, rightDuplicateKeys: s.rightDuplicateKeys, rightDuplicateRows: s.rightDuplicateRows, examples: s.duplicateExamples } },
  );
}

const n = (x: number): string => x.toLocaleString('en-US');

/** The stage's section of the quality report. */
export function joinQuality(ctx: PlanContext, plan: JoinPlan, s: MergedJoinStats, outputRows: number): QualitySection {
  const keys = plan.leftKeys.map((k, i) => (k.name === plan.rightKeys[i]!.name ? k.name : `${k.name} = ${plan.rightKeys[i]!.name}`)).join(', ');
  const strategy = plan.strategy === 'hash' ? `hash join over ${plan.partitions} partition(s)` : `broadcast join (the right side goes to every task)`;
  const notes = [
    `${plan.how} join of '${plan.leftStage}' with '${plan.rightStage}' on ${keys}; ${strategy}; duplicates: ${plan.duplicates}`,
    `left '${plan.leftStage}': ${n(s.leftRows)} rows, ${n(s.matchedLeft)} matched, ${n(s.unmatchedLeft)} unmatched (${n(s.leftNullKeys)} with a null key, which never matches)`,
    `right '${plan.rightStage}': ${n(s.rightRows)} rows, ${n(s.rightNullKeys)} with a null key`,
    `duplicate keys: left ${n(s.leftDuplicateKeys)} (${n(s.leftDuplicateRows)} extra rows)${plan.strategy === 'broadcast' ? ', counted within each left shard' : ''}; ` +
      `right ${n(s.rightDuplicateKeys)} (${n(s.rightDuplicateRows)} extra rows)`,
    `output: ${n(outputRows)} rows (${n(s.matchedPairs)} from matches${plan.how === 'left' ? `, ${n(s.unmatchedLeft)} unmatched left rows with null right columns` : ''})`,
  ];
  if (s.rightDuplicateKeys > 0) {
    const fate =
      plan.how === 'anti' ? 'an anti join outputs the same rows either way'
      : plan.duplicates === 'first' ? 'only the first right row per key was joined'
      : plan.duplicates === 'allow' ? 'each match gave one output row'
      : 'the join failed';
    notes.push(`right keys on several rows, e.g. ${s.duplicateExamples.map(describeExample).join('; ')}: ${fate}`);
  }
  return { stage: ctx.stage.id, op: 'join', title: `Join ${plan.leftStage} ⋈ ${plan.rightStage} (${plan.how})`, rowsIn: s.rowsIn, rowsOut: outputRows, quarantined: 0, notes };
}
