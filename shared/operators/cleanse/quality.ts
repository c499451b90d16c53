/**
 * The cleanse stage's section of the data-quality report: one action per step and column
 * with the values it changed (summed over the apply tasks), and what each imputation used.
 *
 * ```ts
 * const section = cleanseQuality(ctx.stage.id, plan, tracker, applyPhase);
 * ```
 */
import type { QualityAction, QualitySection } from '../../quality/types.js';
import type { PhaseOutcome } from '../types.js';
import type { StatsTracker } from './tracker.js';
import { actionSlots } from './types.js';
import type { CleansePlan, Step } from './types.js';

function numbers(v: unknown, n: number): number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number') ? (v as number[]) : new Array<number>(n).fill(0);
}

function detail(step: Step, column: string | undefined, failed: number, tracker: StatsTracker, k: number): string {
  switch (step.kind) {
    case 'trim':
      return 'surrounding whitespace removed';
    case 'case':
      return `${step.columns.find((c) => c.column === column)?.mode ?? ''} case`;
    case 'map':
      return `${step.values.length} spelling${step.values.length === 1 ? '' : 's'} mapped to canonical values (match: ${step.match})`;
    case 'coerce': {
      const c = step.columns.find((x) => x.column === column)!;
      const bad = failed === 0 ? 'every value converted' : `${failed} unparsable value${failed === 1 ? '' : 's'} ${step.onError === 'quarantine' ? 'quarantined the row' : 'set to null'}`;
      return `${c.from} → ${c.to}; ${bad}`;
    }
    case 'impute':
      return step.strategy === 'constant' ? `nulls filled with the constant ${JSON.stringify(step.value)}` : `nulls filled: ${tracker.resolved.get(k)?.detail ?? 'unresolved'}`;
    case 'clip':
      return `clipped to [${step.min ?? '-∞'}, ${step.max ?? '+∞'}]`;
    case 'drop':
      return 'column removed';
  }
}

export function cleanseQuality(stage: string, plan: CleansePlan, tracker: StatsTracker, apply: PhaseOutcome | undefined): QualitySection {
  const slots = actionSlots(plan);
  const changed = new Array<number>(slots.length).fill(0);
  const failed = new Array<number>(slots.length).fill(0);
  let rowsIn = 0;
  let rowsOut = 0;
  let quarantined = 0;
  for (const t of apply?.tasks ?? []) {
    numbers(t.stats.changed, slots.length).forEach((n, i) => (changed[i]! += n));
    numbers(t.stats.failed, slots.length).forEach((n, i) => (failed[i]! += n));
    rowsIn += Number(t.stats.rowsIn ?? 0);
    rowsOut += Number(t.stats.rowsOut ?? 0);
    quarantined += Number(t.stats.quarantined ?? 0);
  }
  const actions = slots.map((s, i): QualityAction => {
    const step = plan.steps[s.step]!;
    const a: QualityAction = { step: step.path, changed: changed[i]!, detail: detail(step, s.column, failed[i]!, tracker, s.step) };
    if (s.column !== undefined) a.column = s.column;
    return a;
  });
  const notes = [...tracker.resolved.values()].filter((r) => r.detail.includes('approximate')).map((r) => r.detail);
  const section: QualitySection = { stage, op: 'cleanse', title: `Cleansing (${stage})`, rowsIn, rowsOut, quarantined, actions };
  if (notes.length > 0) section.notes = notes;
  return section;
}
