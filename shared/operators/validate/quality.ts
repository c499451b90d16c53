/**
 * The validate stage's section of the data-quality report: per rule, rows checked, passed and
 * failed with the first few failing rows (in shard/row order), and the statistics the outlier
 * rules used.
 */
import type { QualityRuleResult, QualitySection } from '../../quality/types.js';
import type { PhaseOutcome } from '../types.js';
import { fmt } from './checks.js';
import type { RuleStats } from './kernels.js';
import { globalStats, replay } from './phases.js';
import { EXAMPLES_PER_RULE } from './rules.js';
import type { Rule, ValidatePlan } from './rules.js';

function columnOf(rule: Rule): string | undefined {
  if (rule.kind === 'check') return undefined;
  if (rule.kind === 'unique') return rule.key.length === 1 ? rule.key[0] : undefined;
  return rule.column;
}

export function qualitySection(stage: string, input: string, plan: ValidatePlan, done: readonly PhaseOutcome[]): QualitySection {
  const r = replay(plan, done);
  const tasks = r.checkPhase?.tasks ?? [];
  const sum = (key: string): number => tasks.reduce((n, t) => n + Number(t.stats[key] ?? 0), 0);
  const rules = plan.rules.map((rule, k): QualityRuleResult => {
    const out: QualityRuleResult = { rule: rule.label, kind: rule.kind, checked: 0, passed: 0, failed: 0, examples: [] };
    const column = columnOf(rule);
    if (column !== undefined) out.column = column;
    for (const t of tasks) {
      const s = (t.stats.rules as RuleStats[] | undefined)?.[k];
      if (s === undefined) continue;
      out.checked += s.checked;
      out.failed += s.failed;
      for (const e of s.examples) if (out.examples.length < EXAMPLES_PER_RULE) out.examples.push(e);
    }
    out.passed = out.checked - out.failed;
    return out;
  });
  const notes: string[] = [];
  const global = r.checkPhase === undefined ? { rules: [] } : globalStats(plan, r);
  global.rules.forEach((g, k) => {
    if (g === null) return;
    const label = plan.rules[k]!.label;
    if (g.method === 'zscore') notes.push(`${label}: mean ${fmt(g.mean)}, population std ${fmt(g.std)} over ${g.n} finite values`);
    else notes.push(`${label}: Q1 ${fmt(g.q1)}, Q3 ${fmt(g.q3)} (exact, numpy linear), fences [${fmt(g.lo)}, ${fmt(g.hi)}] over ${g.n} finite values`);
  });
  if (plan.rules.some((x) => x.kind === 'unique')) notes.push('Duplicate keys: the first row of each key in input shard/row order is kept; later rows fail the unique rule.');
  const flagged = sum('flagged');
  if (flagged > 0) notes.push(`onFail: flag: ${flagged} rows kept with their reasons in the _violations column`);
  notes.push('Positions are input shard URI and 1-based row in that shard.');
  const section: QualitySection = {
    stage,
    op: 'validate',
    title: `Validation of ${input}`,
    rowsIn: sum('rowsIn'),
    rowsOut: sum('rowsOut'),
    quarantined: sum('quarantined'),
    rules,
    notes,
  };
  return section;
}
