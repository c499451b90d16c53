/**
 * Planning a rest stage: read the first page (in the coordinator: its secrets must be set
 * there too), infer the schema from its records, and cut the walk into tasks. Styles page and
 * offset with a known total (`totalPath`) split into up to `maxTasks` page ranges read in
 * parallel (the rate limit is shared: each task gets requestsPerSecond / tasks); every other
 * walk is one task. Tasks write shards of ~shardRows rows.
 *
 * ```ts
 * const { schema, tasks } = await planRest(ctx, false);
 * ```
 */
import type { FieldDef, SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { inferNdjsonSchema } from '../../formats/ndjson-read.js';
import type { PlanContext, TaskPlan } from '../../operators/types.js';
import type { SourcePlan } from '../types.js';
import { RestClient } from './http.js';
import type { RestClientOptions } from './http.js';
import { newWalkState, totalOf, walkPages } from './pagination.js';
import type { Page, PageRange } from './pagination.js';
import { TokenBucket } from './rate-limit.js';
import { flattenRecord } from './records.js';
import { requestOptions, resolveRest } from './spec.js';
import type { RestOptions, RestParams } from './spec.js';

const encoder = new TextEncoder();

/** Columns and types of the first page's records, with the declared types applied. */
export function schemaOfRecords(records: readonly unknown[], opts: Pick<RestOptions, 'flatten' | 'nullValues' | 'declared' | 'where'>, url: string): SchemaDef {
  const ndjson = records.map((r) => JSON.stringify(opts.flatten ? flattenRecord(r) : r)).join('\n');
  const inferred = inferNdjsonSchema(encoder.encode(ndjson), { nullValues: opts.nullValues, complete: true, sampleRows: records.length + 1 });
  const fields: FieldDef[] = inferred.schema.fields.map((f) => {
    const type = opts.declared[f.name];
    return type === undefined ? { ...f, nullable: true } : { name: f.name, type, nullable: true };
  });
  const names = new Set(fields.map((f) => f.name));
  for (const [name, type] of Object.entries(opts.declared)) if (!names.has(name)) fields.push({ name, type, nullable: true });
  if (fields.length === 0) {
    throw QuiverError.nonRetryable(
      'INPUT_INVALID',
      `${opts.where}: the first page (${url}) has ${records.length === 0 ? 'no records' : 'no record with fields'}, so no columns can be inferred; declare them in ${opts.where}.schema (name: type)`,
    );
  }
  return { fields };
}

interface Split {
  ranges: PageRange[];
  observedSize: number;
}

/** Page ranges for a walk with a known total, or null when it stays one task. */
function splitByTotal(opts: RestOptions, first: Page, total: number): Split | null {
  const p = opts.pagination;
  const observed = first.records.length;
  if (observed === 0 || total <= observed) return null;
  // The server may send fewer than asked (a capped page size): count pages at what it sends.
  const size = observed;
  const pages = Math.min(Math.ceil(total / size), p.maxPages ?? Infinity);
  let n = Math.min(opts.maxTasks, pages, Math.max(1, Math.ceil(total / opts.shardRows)));
  if (n <= 1) return null;
  const per = Math.ceil(pages / n);
  n = Math.ceil(pages / per);
  const ranges: PageRange[] = [];
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    if (p.style === 'page') {
      const start = p.startPage + i * per;
      // The last task reads on to an empty page, in case the total grew since planning.
      ranges.push({ start, end: last ? (p.maxPages === null ? null : p.startPage + pages) : start + per });
    } else {
      const start = i * per * size;
      ranges.push({ start, end: last ? (p.maxPages === null ? null : pages * size) : start + per * size });
    }
  }
  return { ranges, observedSize: size };
}

/** Plans the stage's tasks (or, with `schemaOnly`, only its schema). */
export async function planRest(ctx: PlanContext, schemaOnly: boolean, clientOptions: RestClientOptions = {}): Promise<SourcePlan> {
  const opts = resolveRest(ctx.stage, ctx.path, ctx.shardRows);
  const limiter = opts.requestsPerSecond === null ? null : new TokenBucket({ perSecond: opts.requestsPerSecond, burst: opts.burst });
  const client = new RestClient(requestOptions(opts), { limiter, ...clientOptions });
  const state = newWalkState();
  const walk = walkPages(client, { where: opts.where, url: opts.url, records: opts.records, pagination: opts.pagination, range: null, observedSize: null }, state);
  const first = (await walk.next()).value as Page;
  await walk.return(undefined);
  const schema = schemaOfRecords(first.records, opts, first.url);
  if (schemaOnly) return { schema, tasks: [] };

  const p = opts.pagination;
  const total = (p.style === 'page' || p.style === 'offset') && p.totalPath !== null ? totalOf(first.body, p.totalPath, opts.where, first.url) : null;
  const split = total === null ? null : splitByTotal(opts, first, total);
  const ranges = split?.ranges ?? [null];
  const request = requestOptions(opts);
  if (request.requestsPerSecond !== null) request.requestsPerSecond /= ranges.length;
  const tasks: TaskPlan[] = ranges.map((range) => {
    const params: RestParams = {
      kind: 'rest',
      request,
      records: state.recordsPath!,
      // A range bounds its task; maxPages counts for a whole walk.
      pagination: range === null ? p : { ...p, maxPages: null },
      range,
      observedSize: split?.observedSize ?? (total !== null && first.records.length > 0 ? first.records.length : null),
      schema,
      nullValues: opts.nullValues,
      flatten: opts.flatten,
      shardRows: opts.shardRows,
    };
    return { inputs: [], params };
  });
  return { schema, tasks };
}
