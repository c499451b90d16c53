/**
 * The dedupe stage's fields (`by`, `keep`, `partitions`) checked against the input schema and
 * resolved into the plan every task carries, plus the names of the intermediate objects.
 *
 * ```ts
 * const plan = resolveDedupe(ctx, input.schema, input.shards.length);
 * // { by: ['customer_id'], keep: 'first', partitions: 2, schema }
 * ```
 */
import type { SchemaDef } from '../../dataset.js';
import { describeColumns, specError } from '../rowwise.js';
import type { PlanContext } from '../types.js';

export const KEEP = ['first', 'last'] as const;
export type Keep = (typeof KEEP)[number];
export const MAX_PARTITIONS = 1000;

export interface DedupePlan {
  /** Key columns; every column of the input when the stage gives no `by`. */
  by: string[];
  /** True when `by` was absent (exact duplicate rows). */
  allColumns: boolean;
  keep: Keep;
  partitions: number;
  schema: SchemaDef;
}

/** Default partitions of the key exchange: about one per 4 input shards, 1 to 16. */
export function defaultPartitions(shards: number): number {
  return Math.max(1, Math.min(16, Math.ceil(shards / 4)));
}

export function resolveDedupe(ctx: PlanContext, schema: SchemaDef, shards: number): DedupePlan {
  const { by, keep = 'first', partitions } = ctx.stage;
  const names = new Set(schema.fields.map((f) => f.name));
  let keys: string[];
  if (by === undefined) keys = schema.fields.map((f) => f.name);
  else {
    const list = typeof by === 'string' ? [by] : by;
    if (!Array.isArray(list) || list.length === 0) throw specError(ctx, 'by', 'must be a column name or a non-empty list of column names; leave it out to drop exact duplicate rows');
    keys = list.map((name, i) => {
      const path = typeof by === 'string' ? 'by' : `by[${i}]`;
      if (typeof name !== 'string' || !names.has(name)) throw specError(ctx, path, `unknown column ${JSON.stringify(name)}; available columns: ${describeColumns(schema)}`);
      return name;
    });
    if (new Set(keys).size !== keys.length) throw specError(ctx, 'by', 'lists a column twice; list each key column once');
  }
  if (!KEEP.includes(keep as Keep)) throw specError(ctx, 'keep', `must be first or last (which occurrence in dataset order survives), got ${JSON.stringify(keep)}`);
  let p = defaultPartitions(shards);
  if (partitions !== undefined) {
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw specError(ctx, 'partitions', `must be an integer from 1 to ${MAX_PARTITIONS}, got ${JSON.stringify(partitions)}`);
    }
    p = partitions;
  }
  return { by: keys, allColumns: by === undefined, keep: keep as Keep, partitions: p, schema };
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** `keys-00003-007.arrow`: shard 3's keys of partition 7 (phase 0). */
export const keysName = (shard: number, partition: number): string => `keys-${pad(shard, 5)}-${pad(partition, 3)}.arrow`;
/** `drops-007-00003.arrow`: partition 7's rows to drop from shard 3 (phase 1). */
export const dropsName = (partition: number, shard: number): string => `drops-${pad(partition, 3)}-${pad(shard, 5)}.arrow`;

const KEYS_RE = /keys-(\d+)-(\d+)\.arrow$/;
const DROPS_RE = /drops-(\d+)-(\d+)\.arrow$/;

export function parseKeysUri(uri: string): { shard: number; partition: number } | undefined {
  const m = KEYS_RE.exec(uri);
  return m === null ? undefined : { shard: Number(m[1]), partition: Number(m[2]) };
}

export function parseDropsUri(uri: string): { partition: number; shard: number } | undefined {
  const m = DROPS_RE.exec(uri);
  return m === null ? undefined : { partition: Number(m[1]), shard: Number(m[2]) };
}

/** JSON Schema of the stage's own fields. */
export const DEDUPE_PROPERTIES = {
  by: {
    description: 'Key columns: rows with equal keys are duplicates (null equals null). Default: all columns (exact duplicate rows).',
    oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true }],
  },
  keep: { enum: [...KEEP], description: 'Which occurrence survives, in dataset order (shard, then row): first (default) or last.' },
  partitions: { type: 'integer', minimum: 1, maximum: MAX_PARTITIONS, description: 'Tasks of the key exchange (hash partitions of the keys). Default: one per 4 input shards, 1 to 16.' },
};
