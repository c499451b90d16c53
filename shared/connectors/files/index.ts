/**
 * The `files` source connector: CSV/TSV/NDJSON files (local paths, globs, s3:// URIs or
 * prefixes; `.gz` allowed) read into Arrow shards, with schema inference, declared-type
 * overrides and a quarantine of rows that do not parse.
 *
 * Coordinator half: plan.ts (files → samples → schema → row-aligned byte ranges, one task each).
 * Worker half: kernel.ts.
 */
import type { SourceConnector } from '../types.js';
import { ingestKernel } from './kernel.js';
import { planIngest } from './plan.js';
import { filesSourceSchema } from './spec.js';

export type { IngestParams, IngestSourceSpec, IngestStage } from './spec.js';

export const filesConnector: SourceConnector = {
  kind: 'files',
  summary: 'CSV/TSV/NDJSON files: local paths, globs, s3:// URIs and prefixes, optionally .gz',
  schema: filesSourceSchema,
  pathFields: ['uri'],
  async plan(ctx, schemaOnly) {
    return planIngest(ctx, !schemaOnly);
  },
  read: ingestKernel,
};
