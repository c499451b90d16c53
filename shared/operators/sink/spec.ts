/**
 * The `sink` stage's fields, their JSON Schema and validation, and the parameters of its two
 * kinds of task (load a shard into staging; finalize staging into the target).
 *
 * ```yaml
 * - id: load
 *   op: sink
 *   input: clean
 *   target: { kind: postgres, url: { env: DW_URL }, table: analytics.users, mode: append }
 * ```
 */
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { isSecretRef, secretSchema } from '../../connectors/secrets.js';
import type { SecretRef } from '../../connectors/secrets.js';
import { tableParts } from '../../connectors/sql/spec.js';
import type { StageSpec } from '../../spec/types.js';

export type SinkMode = 'create' | 'replace' | 'append';
export const SINK_MODES: readonly SinkMode[] = ['create', 'replace', 'append'];
export const DEFAULT_BATCH_ROWS = 10_000;

export interface SinkTarget {
  kind: 'postgres';
  url: SecretRef;
  table: string;
  mode?: SinkMode;
  batchRows?: number;
}

export interface SinkStage extends StageSpec {
  target: SinkTarget;
}

export interface SinkOptions {
  url: SecretRef;
  urlPath: string;
  /** `[name]` or `[schema, name]`. */
  table: string[];
  mode: SinkMode;
  batchRows: number;
}

/** What both kinds of sink task carry. The URL travels as its reference only. */
interface SinkTaskBase {
  url: SecretRef;
  urlPath: string;
  table: string[];
  mode: SinkMode;
  staging: string;
  schema: SchemaDef;
  jobId: string;
  stageId: string;
}

/** Phase 0: one input shard into the staging table. */
export interface SinkLoadParams extends SinkTaskBase {
  step: 'load';
  batchRows: number;
}

/** Last phase: staging into the target, once per job. */
export interface SinkFinalizeParams extends SinkTaskBase {
  step: 'finalize';
  /** Rows the load tasks staged; the staging table must hold exactly these. */
  stagedRows: number;
}

export type SinkParams = SinkLoadParams | SinkFinalizeParams;

const MAX_IDENT_BYTES = 63;

export const SINK_PROPERTIES: Record<string, unknown> = {
  target: {
    type: 'object',
    required: ['kind', 'url', 'table'],
    additionalProperties: false,
    description: 'Where the rows go.',
    properties: {
      kind: { const: 'postgres', description: 'The target database (PostgreSQL).' },
      url: secretSchema('Connection URL (postgres://user:pass@host:5432/db).'),
      table: { type: 'string', minLength: 1, description: 'Target table, `name` or `schema.name`.' },
      mode: {
        enum: [...SINK_MODES],
        default: 'create',
        description:
          'create: make the table; an existing one is used only when it has the same columns (compatible types) and no rows. replace: drop and recreate it in the same transaction that loads it. append: add rows (creating the table when missing); its columns must take the data.',
      },
      batchRows: { type: 'integer', minimum: 1, maximum: 1_000_000, default: DEFAULT_BATCH_ROWS, description: 'Rows per COPY chunk sent to the server.' },
    },
  },
};

function invalid(path: string, message: string): QuiverError {
  return QuiverError.nonRetryable('SPEC_INVALID', `${path}.${message}`);
}

/** Checks the stage's `target` and fills in defaults; errors name `${path}.target.<field>`. */
export function resolveSink(stage: StageSpec, path: string): SinkOptions {
  const t = (stage as Partial<SinkStage>).target as unknown;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw invalid(path, 'target: required, an object with kind, url and table');
  const s = t as Record<string, unknown>;
  if (s.kind !== 'postgres') throw invalid(path, `target.kind: only postgres is supported, got ${JSON.stringify(s.kind)}`);
  if (!isSecretRef(s.url)) throw invalid(path, 'target.url: required: a connection URL, { env: NAME } or { file: path }');
  if (typeof s.table !== 'string' || s.table.trim() === '') throw invalid(path, 'target.table: must be a table name (or schema.name)');
  const table = tableParts(s.table.trim(), `${path}.target`);
  for (const part of table) {
    if (Buffer.byteLength(part) > MAX_IDENT_BYTES) throw invalid(path, `target.table: "${part}" is longer than PostgreSQL's ${MAX_IDENT_BYTES}-byte names`);
  }
  const mode = s.mode ?? 'create';
  if (!SINK_MODES.includes(mode as SinkMode)) throw invalid(path, `target.mode: use one of ${SINK_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const batchRows = s.batchRows ?? DEFAULT_BATCH_ROWS;
  if (typeof batchRows !== 'number' || !Number.isInteger(batchRows) || batchRows < 1 || batchRows > 1_000_000) {
    throw invalid(path, `target.batchRows: must be a whole number from 1 to 1000000, got ${JSON.stringify(batchRows)}`);
  }
  return { url: s.url, urlPath: `${path}.target.url`, table, mode: mode as SinkMode, batchRows };
}

/** Column names PostgreSQL would truncate (over 63 bytes): an error naming them. */
export function checkColumnNames(schema: SchemaDef, path: string): void {
  const long = schema.fields.filter((f) => Buffer.byteLength(f.name) > MAX_IDENT_BYTES).map((f) => `"${f.name}"`);
  if (long.length > 0) throw invalid(path, `input: column ${long.join(', ')} is longer than PostgreSQL's ${MAX_IDENT_BYTES}-byte names; rename it with a select stage first`);
}
