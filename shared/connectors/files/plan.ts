/**
 * Planning an ingest stage: find the files, read a sample of each to infer its columns and
 * types, merge them into one schema, and cut each uncompressed file into row-aligned byte ranges
 * of ~shardRows rows (one streaming pass per file, see formats/split.ts). A gzip file cannot be
 * cut, so it is one task that may write several shards.
 */
import { constants as zc, gunzipSync } from 'node:zlib';
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { applyDeclared, inferCsvSchema, mergeSchemas } from '../../formats/infer.js';
import { inferNdjsonSchema } from '../../formats/ndjson-read.js';
import { RowSplitter } from '../../formats/split.js';
import type { SplitResult } from '../../formats/split.js';
import type { ObjectStore } from '../../store/types.js';
import type { PlanContext, TaskPlan } from '../../operators/types.js';
import { expandSources } from './sources.js';
import type { SourceFile } from './sources.js';
import { resolveIngest } from './spec.js';
import type { IngestOptions, IngestParams } from './spec.js';

/** Bytes of an uncompressed file kept as its inference sample (enough for 10k typical rows). */
const SAMPLE_BYTES = 4 << 20;
/** Compressed bytes of a gzip file read for its sample. */
const GZIP_SAMPLE_BYTES = 512 << 10;
/** Files surveyed at once. */
const CONCURRENCY = 4;

interface Survey {
  file: SourceFile;
  columns: string[];
  schema: SchemaDef;
  sampleRows: number;
  split: SplitResult | null;
}

function gunzipSample(head: Uint8Array, complete: boolean, uri: string): Uint8Array {
  try {
    return complete ? gunzipSync(head) : gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `"${uri}" is not valid gzip (${(err as Error).message}); check the file or drop the .gz extension`, { cause: err });
  }
}

/** Reads the sample (and, with `split`, streams the whole file through the splitter). */
async function sampleOf(store: ObjectStore, file: SourceFile, opts: IngestOptions, split: boolean): Promise<{ sample: Uint8Array; complete: boolean; split: SplitResult | null }> {
  if (file.gzip) {
    const complete = file.size <= GZIP_SAMPLE_BYTES;
    const head = await store.getRange(file.uri, 0, GZIP_SAMPLE_BYTES);
    return { sample: gunzipSample(head, complete, file.uri), complete, split: null };
  }
  if (!split) {
    const sample = await store.getRange(file.uri, 0, SAMPLE_BYTES);
    return { sample, complete: file.size <= SAMPLE_BYTES, split: null };
  }
  const splitter = new RowSplitter({
    rowsPerRange: opts.shardRows,
    delimiter: file.delimiter,
    quote: file.format === 'csv' ? opts.quote : null,
    header: file.format === 'csv' && opts.header,
  });
  const parts: Uint8Array[] = [];
  let kept = 0;
  for await (const chunk of await store.stream(file.uri)) {
    splitter.push(chunk);
    if (kept < SAMPLE_BYTES) {
      const take = chunk.subarray(0, SAMPLE_BYTES - kept);
      parts.push(take.slice());
      kept += take.length;
    }
  }
  const result = splitter.finish();
  const sample = Buffer.concat(parts, kept);
  return { sample, complete: result.bytes <= SAMPLE_BYTES, split: result };
}

async function survey(store: ObjectStore, file: SourceFile, opts: IngestOptions, split: boolean): Promise<Survey> {
  const { sample, complete, split: result } = await sampleOf(store, file, opts, split);
  if (file.format === 'ndjson') {
    const info = inferNdjsonSchema(sample, { nullValues: opts.nullValues, complete });
    return { file, columns: info.columns, schema: info.schema, sampleRows: info.rows, split: result };
  }
  const info = inferCsvSchema(sample, {
    delimiter: file.delimiter,
    quote: opts.quote,
    header: opts.header,
    nullValues: opts.nullValues,
    complete,
    names: Object.keys(opts.declared),
  });
  return { file, columns: info.columns, schema: info.schema, sampleRows: info.rows, split: result };
}

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
  const surveys = await mapLimit(files, CONCURRENCY, (f) => survey(ctx.store, f, opts, split));
  const schema = stageSchema(surveys, opts, ctx.path);
  const tasks: TaskPlan[] = [];
  if (!split) return { tasks, schema };
  for (const s of surveys) {
    const base: IngestParams = {
      kind: 'files',
      format: s.file.format,
      source: s.file.uri,
      gzip: s.file.gzip,
      schema,
      columns: s.file.format === 'csv' ? s.columns : [],
      delimiter: s.file.delimiter,
      quote: opts.quote,
      nullValues: opts.nullValues,
      skipHeader: false,
      line: 1,
      rows: 0,
      shardRows: opts.shardRows,
    };
    if (s.file.gzip) {
      if (s.file.size > 0) tasks.push({ inputs: [{ uri: s.file.uri }], params: { ...base, skipHeader: s.file.format === 'csv' && opts.header } });
      continue;
    }
    for (const r of s.split!.ranges) {
      tasks.push({ inputs: [{ uri: s.file.uri, start: r.start, end: r.end }], params: { ...base, line: r.line, rows: r.rows } });
    }
  }
  return { tasks, schema };
}
