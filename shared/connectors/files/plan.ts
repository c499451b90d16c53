/**
 * Planning an ingest stage: find the files, probe each one's format by content (probe.ts),
 * survey it (a sample to infer its columns and types, and its tasks: row-aligned byte ranges of
 * text files, batch groups of Arrow files, row-group groups of Parquet files), merge the files'
 * schemas into one, and fill in every task's params.
 *
 * ```ts
 * const { tasks, schema } = await planIngest(ctx);
 * ```
 *
 * Empty files give no tasks; when no file holds a row the stage is an empty dataset, and a
 * warning says so.
 */
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import { applyDeclared, mergeSchemas } from '../../formats/infer.js';
import type { PlanContext, TaskPlan } from '../../operators/types.js';
import { probeFile } from './probe.js';
import { expandSources } from './sources.js';
import { resolveIngest } from './spec.js';
import type { IngestOptions, IngestParams } from './spec.js';
import { surveyColumnar } from './survey-columnar.js';
import { surveyText } from './survey-text.js';
import type { Survey } from './survey-text.js';

/** Files surveyed at once. */
const CONCURRENCY = 4;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One schema for all files: types from files with rows; columns only some (empty) files have are nullable strings. */
function stageSchema(surveys: readonly Survey[], opts: IngestOptions, path: string): SchemaDef {
  const withRows = surveys.filter((s) => s.sampleRows > 0);
  const merged = mergeSchemas((withRows.length > 0 ? withRows : surveys).map((s) => s.schema));
  const names = new Set(merged.fields.map((f) => f.name));
  for (const s of surveys) {
    for (const f of s.schema.fields) {
      if (!names.has(f.name)) {
        names.add(f.name);
        merged.fields.push({ name: f.name, type: 'string', nullable: true });
      }
    }
  }
  const { schema, unknown } = applyDeclared(merged, opts.declared);
  if (unknown.length > 0) {
    const known = merged.fields.map((f) => f.name).join(', ') || '(none)';
    throw QuiverError.nonRetryable('SPEC_INVALID', `${path}.source.schema: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the input; its columns are: ${known}`);
  }
  return schema;
}

export interface IngestPlan {
  tasks: TaskPlan[];
  schema: SchemaDef;
}

/** Plans the stage's tasks (or, with `split: false`, only works out its schema: no tasks). */
export async function planIngest(ctx: PlanContext, split = true): Promise<IngestPlan> {
  const opts = resolveIngest(ctx.stage, ctx.path, ctx.shardRows);
  const files = await expandSources(ctx.store, opts.uris, { format: opts.format, delimiter: opts.delimiter, path: ctx.path });
  const surveys = await mapLimit(files, CONCURRENCY, async (f) => {
    const probed = await probeFile(ctx.store, f, opts, ctx.path);
    return probed.format === 'arrow' || probed.format === 'parquet' ? surveyColumnar(ctx.store, probed, opts, split) : surveyText(ctx.store, probed, opts, split);
  });
  const schema = stageSchema(surveys, opts, ctx.path);
  const tasks: TaskPlan[] = [];
  if (!split) return { tasks, schema };
  const log = logger('ingest', { stage: ctx.stage.id });
  for (const s of surveys) if (s.note !== undefined) log.warn({ uri: s.file.uri }, `${ctx.path}.source: ${s.note}`);
  for (const s of surveys) {
    const f = s.file;
    const base: IngestParams = {
      kind: 'files',
      format: f.format,
      source: f.uri,
      gzip: f.gzip,
      schema,
      columns: f.format === 'csv' ? s.columns : [],
      delimiter: f.delimiter,
      quote: opts.quote,
      nullValues: opts.nullValues,
      skipHeader: false,
      line: 1,
      rows: 0,
      shardRows: opts.shardRows,
      encoding: f.encoding,
      maxRecordBytes: opts.maxRecordBytes,
    };
    for (const part of s.parts) tasks.push({ inputs: part.inputs, params: { ...base, ...part.params } });
  }
  if (tasks.length === 0) {
    const names = files.map((f) => f.uri);
    const shown = names.length > 5 ? [...names.slice(0, 5), `and ${names.length - 5} more`] : names;
    log.warn({ files: files.length }, `${ctx.path}.source: the input holds no rows (empty files or headers only: ${shown.join(', ')}); the stage produces an empty dataset`);
  }
  return { tasks, schema };
}
