/**
 * The `files` source connector: CSV/TSV, JSON arrays, NDJSON (each optionally gzip, in UTF-8,
 * latin1, windows-1252 or UTF-16), Arrow IPC files and streams, and Parquet (local paths, globs,
 * s3:// URIs or prefixes) read into Arrow shards, with the format detected by content, schema
 * inference, declared-type overrides and a quarantine of rows that do not parse.
 *
 * ```yaml
 * source: { uri: s3://lake/raw/2025-07-*, format: auto, encoding: latin1, schema: { nps: float } }
 * ```
 *
 * Coordinator half: plan.ts (files → probe.ts (format by content) → survey-text.ts /
 * survey-columnar.ts (schema + tasks) → one stage schema). Worker half: kernel.ts.
 * User docs: docs/sources/files.md.
 */
import type { SourceConnector } from '../types.js';
import { ingestKernel } from './kernel.js';
import { planIngest } from './plan.js';
import { filesSourceSchema } from './spec.js';

export type { IngestParams, IngestSourceSpec, IngestStage } from './spec.js';

export const filesConnector: SourceConnector = {
  kind: 'files',
  summary: 'CSV/TSV, JSON, NDJSON (optionally gzip), Arrow IPC and Parquet files, format detected by content: local paths, globs, s3:// URIs and prefixes',
  schema: filesSourceSchema,
  pathFields: ['uri'],
  async plan(ctx, schemaOnly) {
    return planIngest(ctx, !schemaOnly);
  },
  read: ingestKernel,
};
