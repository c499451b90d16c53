/**
 * The `recommend` stage's YAML and its resolved plan.
 *
 * ```yaml
 * - id: recs
 *   op: recommend
 *   input: [interactions, heldout]   # the held-out interactions are optional (evaluation)
 *   user: user_id                    # int or string column
 *   item: item_id
 *   weight: weight                   # optional: plays, ratings… (default 1 per row)
 *   rank: 64
 *   reg: 0.1
 *   alpha: 40                        # confidence = 1 + alpha · weight
 *   iterations: 10
 *   seed: 7
 *   k: 10                            # recommendations per user
 *   similarItems: 10                 # also the 10 most similar items of every item (0: off)
 * ```
 */
import type { Dataset, FieldDef } from '../../dataset.js';
import { specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';

/** What resolving the stage needs: its spec, its input datasets and its path (for errors). */
export type RecContext = Pick<PlanContext, 'stage' | 'inputs' | 'path'>;

export interface RecPlan {
  user: FieldDef;
  item: FieldDef;
  weight: FieldDef | null;
  rank: number;
  reg: number;
  alpha: number;
  iterations: number;
  cgSteps: number;
  seed: number;
  k: number;
  excludeSeen: boolean;
  /** Item keys (as text) never recommended / the only ones recommended. */
  denyItems: string[];
  allowItems: string[] | null;
  similarItems: number;
  userPartitions: number;
  itemPartitions: number;
  /** Whether a held-out input (the stage's second) is evaluated. */
  heldOut: boolean;
}

export const RECOMMEND_PROPERTIES: Record<string, unknown> = {
  input: {
    description: 'The interactions stage, or [interactions, held-out interactions]: the held-out ones are evaluated (recall@k, NDCG@k, MAP@k against a popularity baseline).',
    oneOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 2 },
    ],
  },
  user: { type: 'string', description: 'User id column (int or string).' },
  item: { type: 'string', description: 'Item id column (int or string).' },
  weight: { type: 'string', description: 'Interaction strength column (int or float, > 0): plays, minutes, a rating. Default: 1 per row (rows of the same pair add up).' },
  rank: { type: 'integer', minimum: 1, maximum: 1024, default: 64, description: 'Factors per user and item.' },
  reg: { type: 'number', minimum: 0, default: 0.1, description: 'L2 regularization of the factors.' },
  alpha: { type: 'number', minimum: 0, default: 40, description: 'Confidence of an observed pair: 1 + alpha × weight (Hu, Koren & Volinsky).' },
  iterations: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'ALS iterations (each a user step and an item step).' },
  cgSteps: { type: 'integer', minimum: 1, maximum: 64, default: 3, description: 'Conjugate-gradient steps per row per step (warm-started).' },
  seed: { type: 'integer', default: 7, description: 'Seed of the starting factors: the same data and seed give the same model on any cluster shape.' },
  k: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'Recommendations per user.' },
  excludeSeen: { type: 'boolean', default: true, description: "Never recommend an item the user interacted with in training." },
  denyItems: { type: 'array', items: { type: ['string', 'integer'] }, description: 'Item ids never recommended.' },
  allowItems: { type: 'array', items: { type: ['string', 'integer'] }, description: 'Only these item ids are recommended.' },
  similarItems: { type: 'integer', minimum: 0, maximum: 1000, default: 10, description: 'Also write the most similar items of every item (cosine of item factors) to similar-items.arrow; 0: off.' },
  partitions: {
    type: 'object',
    additionalProperties: false,
    description: 'Tasks per ALS step: user and item partitions (default from the interaction count).',
    properties: { users: { type: 'integer', minimum: 1, maximum: 4096 }, items: { type: 'integer', minimum: 1, maximum: 4096 } },
  },
};

/** Interactions per user partition and per item partition when `partitions` is not given. */
const ROWS_PER_USER_PART = 2_500_000;
const ROWS_PER_ITEM_PART = 10_000_000;

function column(ctx: RecContext, input: Dataset, field: string, types: readonly string[]): FieldDef {
  const name = ctx.stage[field];
  if (typeof name !== 'string') throw specError(ctx, field, `give the ${field} column's name`);
  const f = input.schema.fields.find((x) => x.name === name);
  if (f === undefined) throw specError(ctx, field, `no column "${name}" in the input; its columns: ${input.schema.fields.map((x) => x.name).join(', ')}`);
  if (!types.includes(f.type)) throw specError(ctx, field, `column "${name}" is ${f.type}; it must be ${types.join(' or ')}`);
  return f;
}

function num(ctx: RecContext, field: string, fallback: number): number {
  const v = ctx.stage[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw specError(ctx, field, `must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function int(ctx: RecContext, field: string, fallback: number, min: number): number {
  const v = num(ctx, field, fallback);
  if (!Number.isInteger(v) || v < min) throw specError(ctx, field, `must be an integer ≥ ${min}, got ${v}`);
  return v;
}

function keyList(ctx: RecContext, field: string): string[] | null {
  const v = ctx.stage[field];
  if (v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' && typeof x !== 'number')) throw specError(ctx, field, 'must be a list of item ids');
  return v.map(String);
}

export function resolveRecommend(ctx: RecContext): RecPlan {
  const train = ctx.inputs[0];
  if (train === undefined || ctx.inputs.length > 2) throw specError(ctx, 'input', `recommend takes the interactions and optionally held-out interactions (1 or 2 input stages), got ${ctx.inputs.length}`);
  const user = column(ctx, train, 'user', ['int', 'string']);
  const item = column(ctx, train, 'item', ['int', 'string']);
  const weight = ctx.stage.weight === undefined ? null : column(ctx, train, 'weight', ['int', 'float']);
  const heldOut = ctx.inputs[1];
  if (heldOut !== undefined) {
    for (const f of [user, item]) {
      const h = heldOut.schema.fields.find((x) => x.name === f.name);
      if (h === undefined || h.type !== f.type) throw specError(ctx, 'input', `the held-out input needs column "${f.name}" of type ${f.type} like the interactions`);
    }
  }
  const reg = num(ctx, 'reg', 0.1);
  const alpha = num(ctx, 'alpha', 40);
  if (reg < 0) throw specError(ctx, 'reg', `must be ≥ 0, got ${reg}`);
  if (alpha < 0) throw specError(ctx, 'alpha', `must be ≥ 0, got ${alpha}`);
  const parts = (ctx.stage.partitions ?? {}) as { users?: number; items?: number };
  const rows = train.rows;
  return {
    user,
    item,
    weight,
    rank: int(ctx, 'rank', 64, 1),
    reg,
    alpha,
    iterations: int(ctx, 'iterations', 10, 1),
    cgSteps: int(ctx, 'cgSteps', 3, 1),
    seed: int(ctx, 'seed', 7, 0),
    k: int(ctx, 'k', 10, 1),
    excludeSeen: ctx.stage.excludeSeen !== false,
    denyItems: keyList(ctx, 'denyItems') ?? [],
    allowItems: keyList(ctx, 'allowItems'),
    similarItems: int(ctx, 'similarItems', 10, 0),
    userPartitions: parts.users ?? Math.min(64, Math.max(2, Math.ceil(rows / ROWS_PER_USER_PART))),
    itemPartitions: parts.items ?? Math.min(16, Math.max(2, Math.ceil(rows / ROWS_PER_ITEM_PART))),
    heldOut: heldOut !== undefined,
  };
}
