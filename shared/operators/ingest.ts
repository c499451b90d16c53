/**
 * `ingest`: reads a source into Arrow shards of ~shardRows rows, through the source connector
 * that `source.kind` names (default `files`; see shared/connectors/). Rows a connector cannot
 * read go to a quarantine with their source position and reason.
 *
 * ```yaml
 * - id: users
 *   op: ingest
 *   source: { uri: data/users-*.csv.gz, schema: { nps: float } }
 *   shardRows: 65536
 *   land: { source: crm, type: users }   # optional: raw/source=crm/type=users/date=<today>/part-*.arrow
 * ```
 *
 * Coordinator half: the connector's `plan` (one phase of tasks). Worker half: the connector's
 * `read`, chosen by the task params' `kind`. The output dataset lists the shards in task order;
 * its schema marks a column nullable exactly when some task saw a null in it.
 */
import { datasetOf } from '../dataset.js';
import type { FieldDef, SchemaDef, ShardRef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { DEFAULT_SOURCE_KIND, allConnectors, getConnector } from '../connectors/registry.js';
import type { SourceConnector } from '../connectors/types.js';
import { countsSection, sourceTitle } from '../quality/sections.js';
import { storeRootOf } from './rowwise.js';
import type { Operator, PhaseOutcome, PlanContext } from './types.js';

export type { IngestParams, IngestSourceSpec, IngestStage } from '../connectors/files/index.js';

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

interface LandSpec {
  source: string;
  type: string;
  date?: string;
}

const LAND_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Where the stage lands its raw shards: `<root>/raw/source=<s>/type=<t>/date=<yyyy-mm-dd>/`
 * (docs/storage-layout.md), or null for the job's own stage folder.
 */
export function landingPrefix(ctx: PlanContext, now = new Date()): string | null {
  const land = (ctx.stage as { land?: LandSpec }).land;
  if (land === undefined) return null;
  for (const key of ['source', 'type'] as const) {
    if (typeof land[key] !== 'string' || !LAND_NAME.test(land[key])) {
      throw QuiverError.nonRetryable('SPEC_INVALID', `${ctx.path}.land.${key}: use letters, digits, '.', '_' and '-' (it becomes a folder name), got ${JSON.stringify(land[key])}`);
    }
  }
  const date = land.date ?? now.toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${ctx.path}.land.date: use YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return `${storeRootOf(ctx)}raw/source=${land.source}/type=${land.type}/date=${date}/`;
}

function connectorOf(ctx: PlanContext): SourceConnector {
  const source = (ctx.stage as { source?: unknown }).source;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${ctx.path}.source: required, an object (files: at least \`uri\`; other sources: \`kind\` first)`);
  }
  const kind = (source as { kind?: unknown }).kind ?? DEFAULT_SOURCE_KIND;
  if (typeof kind !== 'string') throw QuiverError.nonRetryable('SPEC_INVALID', `${ctx.path}.source.kind: must be a string`);
  return getConnector(kind, `${ctx.path}.source.kind`);
}

/** The stage schema: common fields, and `source` checked against the schema of its kind. */
function ingestSchema(): Record<string, unknown> {
  const connectors = allConnectors();
  return {
    type: 'object',
    required: ['id', 'op', 'source'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      op: { const: 'ingest' },
      source: {
        type: 'object',
        description: `Where the rows come from; \`kind\` picks the connector (default ${DEFAULT_SOURCE_KIND}): ${connectors.map((c) => c.kind).join(', ')}.`,
        properties: { kind: { enum: connectors.map((c) => c.kind), default: DEFAULT_SOURCE_KIND, description: 'The source connector.' } },
        allOf: connectors.map((c) => ({
          if:
            c.kind === DEFAULT_SOURCE_KIND
              ? { anyOf: [{ not: { required: ['kind'] } }, { properties: { kind: { const: c.kind } }, required: ['kind'] }] }
              : { properties: { kind: { const: c.kind } }, required: ['kind'] },
          then: c.schema,
        })),
      },
      shardRows: { type: 'integer', minimum: 1, maximum: 10_000_000, description: 'Target rows per output shard (default: the job default, 65536).' },
      land: {
        type: 'object',
        required: ['source', 'type'],
        additionalProperties: false,
        description: "Land the raw shards at <store root>/raw/source=<source>/type=<type>/date=<date>/ instead of the job's folder (a re-run the same day replaces that day's landing).",
        properties: {
          source: { type: 'string', description: 'Source system name, e.g. crm.' },
          type: { type: 'string', description: 'Record type, e.g. users.' },
          date: { type: 'string', description: 'YYYY-MM-DD; default: the UTC date when the stage is planned.' },
        },
      },
    },
  };
}

export const ingestOperator: Operator = {
  name: 'ingest',
  summary: `read a source (${allConnectors().map((c) => c.kind).join(', ')}) into Arrow shards, inferring the schema and quarantining bad rows`,
  schema: ingestSchema(),
  arity: { min: 0, max: 0 },
  pathFields: [...new Set(allConnectors().flatMap((c) => (c.pathFields ?? []).map((f) => `source.${f}`)))],
  async plan(ctx) {
    const { tasks } = await connectorOf(ctx).plan(ctx, false);
    const landing = landingPrefix(ctx);
    if (landing === null) return { tasks };
    // The landing folder belongs to (source, type, date): clear an earlier run's shards so no stale part is left.
    const stale = await ctx.store.list(landing);
    await Promise.all(stale.map((o) => ctx.store.delete(o.uri)));
    return { tasks: tasks.map((t) => ({ ...t, outputPrefix: landing })) };
  },
  async output(ctx, done) {
    const shards: ShardRef[] = done.flatMap((phase) => phase.tasks.flatMap((t) => t.shards));
    const schema = schemaFromStats(done) ?? (await connectorOf(ctx).plan(ctx, true)).schema;
    return datasetOf(shards, schema);
  },
  quality: (ctx, done) => countsSection(ctx, done, sourceTitle((ctx.stage as { source?: unknown }).source)),
  kernel(input) {
    const kind = (input.task.params as { kind?: unknown } | null)?.kind ?? DEFAULT_SOURCE_KIND;
    if (typeof kind !== 'string') throw QuiverError.nonRetryable('INTERNAL', `ingest task ${input.task.id} has a malformed kind; re-plan the job with a matching quiver version`);
    return getConnector(kind).read(input);
  },
};
