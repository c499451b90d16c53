/**
 * `ingest`: reads CSV/TSV/NDJSON files (local paths, globs, s3:// URIs or prefixes; `.gz`
 * allowed) into Arrow shards of ~shardRows rows, with schema inference, declared-type
 * overrides and a quarantine of rows that do not parse.
 *
 * ```yaml
 * - id: users
 *   op: ingest
 *   source: { uri: data/users-*.csv.gz, schema: { nps: float } }
 *   shardRows: 65536
 * ```
 *
 * Coordinator half: plan.ts (files → samples → schema → row-aligned byte ranges, one task each).
 * Worker half: kernel.ts. The output dataset lists the shards in task order; its schema marks a
 * column nullable exactly when some task saw a null in it.
 */
import { datasetOf } from '../dataset.js';
import type { FieldDef, SchemaDef, ShardRef } from '../dataset.js';
import { ingestKernel } from './ingest/kernel.js';
import { planIngest } from './ingest/plan.js';
import { ingestSchema } from './ingest/spec.js';
import type { Operator, PhaseOutcome } from './types.js';

export type { IngestParams, IngestSourceSpec, IngestStage } from './ingest/spec.js';

/** The schema the kernels reported: their fields, nullable where any task saw a null. */
function schemaFromStats(done: readonly PhaseOutcome[]): SchemaDef | null {
  let fields: FieldDef[] | null = null;
  for (const phase of done) {
    for (const t of phase.tasks) {
      const s = t.stats.schema as SchemaDef | undefined;
      if (s === undefined || !Array.isArray(s.fields)) continue;
      if (fields === null) fields = s.fields.map((f) => ({ ...f }));
      else s.fields.forEach((f, i) => (fields![i]!.nullable ||= f.nullable));
    }
  }
  return fields === null ? null : { fields };
}

export const ingestOperator: Operator = {
  name: 'ingest',
  summary: 'read CSV/TSV/NDJSON files (globs, s3://, .gz) into Arrow shards, inferring the schema and quarantining bad rows',
  schema: ingestSchema,
  arity: { min: 0, max: 0 },
  pathFields: ['source.uri'],
  async plan(ctx) {
    const { tasks } = await planIngest(ctx);
    return { tasks };
  },
  async output(ctx, done) {
    const shards: ShardRef[] = done.flatMap((phase) => phase.tasks.flatMap((t) => t.shards));
    const schema = schemaFromStats(done) ?? (await planIngest(ctx, false)).schema;
    return datasetOf(shards, schema);
  },
  kernel: ingestKernel,
};
