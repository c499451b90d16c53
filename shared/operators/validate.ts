/**
 * `validate`: declared rules and anomaly detection, every rule on every row, in the worker
 * pools. Rows that fail go to the quarantine with their source position (input shard URI and
 * 1-based row) and every reason; or are flagged; or fail the job. See docs/validation.md.
 *
 * ```yaml
 * - id: checked
 *   op: validate
 *   input: users
 *   rules:
 *     - { column: customer_id, required: true, unique: true }
 *     - { column: age, type: int, range: [0, 120] }
 *     - { column: email, format: email }
 *     - { column: country, allowed: [DE, FR, US] }
 *     - { name: spend-consistent, check: "total_spend >= monthly_spend" }
 *     - { column: monthly_spend, outlier: { method: iqr, k: 1.5 } }
 *   onFail: quarantine   # or flag, fail
 * ```
 *
 * Rules that need the whole input (unique keys, outliers) add phases before the row check:
 * a scan (partial statistics, key files), a duplicate search per key partition and rounds of
 * an exact quartile search; see ./validate/phases.ts.
 */
import { datasetOf } from '../dataset.js';
import type { SchemaDef } from '../dataset.js';
import { singleInput, stageSchema } from './rowwise.js';
import type { KernelInput, KernelResult, Operator, PlanContext } from './types.js';
import { checkKernel, refineKernel, scanKernel } from './validate/kernels.js';
import { firstPhase, nextPhase, replay } from './validate/phases.js';
import { qualitySection } from './validate/quality.js';
import { VIOLATIONS_COLUMN } from './validate/rules.js';
import type { ValidatePlan } from './validate/rules.js';
import { VALIDATE_PROPERTIES } from './validate/schema.js';
import { resolvePlan } from './validate/spec.js';
import { findDuplicates } from './validate/unique.js';

function planOf(ctx: PlanContext): ValidatePlan {
  const input = singleInput(ctx);
  return resolvePlan(ctx, input.schema, input.shards.length);
}

function outputSchema(plan: ValidatePlan): SchemaDef {
  return plan.onFail === 'flag' ? { fields: [...plan.schema.fields, { name: VIOLATIONS_COLUMN, type: 'string', nullable: true }] } : plan.schema;
}

export const validateOperator: Operator = {
  name: 'validate',
  summary: 'Checks declared rules (required, type, range, format, allowed, regex, length, unique, outliers, cross-field checks) on every row; failing rows go to the quarantine with all reasons',
  arity: { min: 1, max: 1 },
  schema: stageSchema('validate', 'Checks every row against declared rules; rows that fail are quarantined with every reason (or flagged, or fail the job).', VALIDATE_PROPERTIES, ['rules']),

  async plan(ctx) {
    return firstPhase(ctx, planOf(ctx), singleInput(ctx));
  },

  async next(ctx, done) {
    return nextPhase(ctx, planOf(ctx), singleInput(ctx), done);
  },

  async output(ctx, done) {
    const plan = planOf(ctx);
    const check = replay(plan, done).checkPhase;
    return datasetOf(check === undefined ? [] : check.tasks.flatMap((t) => t.shards), outputSchema(plan));
  },

  quality(ctx, done) {
    const input = ctx.stage.input;
    return qualitySection(ctx.stage.id, Array.isArray(input) ? input.join(', ') : (input ?? ''), planOf(ctx), done);
  },

  kernel(input: KernelInput): KernelResult {
    const step = (input.task.params as { step?: unknown }).step;
    switch (step) {
      case 'scan':
        return scanKernel(input);
      case 'keys':
        return findDuplicates(input);
      case 'refine':
        return refineKernel(input);
      default:
        return checkKernel(input);
    }
  },
};
