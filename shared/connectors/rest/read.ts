/**
 * The rest source's worker half: one task walks its pages (all of them, or its page range),
 * through a client with its share of the stage's rate limit, and writes the records as Arrow
 * shards of ~shardRows rows plus a quarantine of records that do not fit the schema.
 *
 * Stats: rowsIn = rowsOut + quarantined, `nulls` per column, `schema` (nullable where this task
 * saw a null), and `pages`, `requests`, `retries`, `truncated` (maxPages stopped the walk) and
 * `ignoredKeys` (record keys not in the schema, dropped: declare them in `schema` to keep them).
 *
 * ```ts
 * const result = await readRest({ task, inputs: [] });
 * ```
 */
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { logger } from '../../log.js';
import type { KernelInput, KernelResult } from '../../operators/types.js';
import { RestClient } from './http.js';
import type { RestClientOptions } from './http.js';
import { newWalkState, walkPages } from './pagination.js';
import { TokenBucket } from './rate-limit.js';
import { ShardWriter } from './shards.js';
import type { RestParams } from './spec.js';

const log = logger('source.rest');

function checkParams(params: unknown, taskId: string): RestParams {
  const p = params as Partial<RestParams> | null;
  if (p === null || typeof p !== 'object' || p.kind !== 'rest' || typeof p.request?.url !== 'string' || typeof p.records !== 'string' || !Array.isArray(p.schema?.fields) || p.pagination === undefined) {
    throw QuiverError.nonRetryable('INTERNAL', `rest task ${taskId} has malformed parameters (need request, records, pagination, schema); re-plan the job with a matching quiver version`);
  }
  return p as RestParams;
}

export async function readRest({ task }: KernelInput, clientOptions: RestClientOptions = {}): Promise<KernelResult> {
  const p = checkParams(task.params, task.id);
  const rps = p.request.requestsPerSecond;
  const limiter = rps === null ? null : new TokenBucket({ perSecond: rps, burst: p.request.burst });
  const client = new RestClient(p.request, { limiter, ...clientOptions });
  const state = newWalkState();
  const writer = new ShardWriter({ schema: p.schema, taskIndex: task.index, shardRows: p.shardRows, nullValues: p.nullValues, flatten: p.flatten });
  const walk = { where: p.request.where, url: p.request.url, records: p.records, pagination: p.pagination, range: p.range, observedSize: p.observedSize };
  for await (const page of walkPages(client, walk, state)) writer.addPage(page);
  const { objects, totals } = writer.finish();
  if (state.truncated) log.warn({ task: task.id, pages: state.pages }, `${p.request.where}.pagination.maxPages: stopped after ${state.pages} pages; later pages were not read`);
  if (totals.ignoredKeys.length > 0) {
    log.warn({ task: task.id, keys: totals.ignoredKeys }, `${p.request.where}: records have keys the schema (inferred from the first page) lacks; they were dropped: declare them in ${p.request.where}.schema to keep them`);
  }
  const schema: SchemaDef = { fields: p.schema.fields.map((f, i) => ({ ...f, nullable: totals.nulls[i]! > 0 })) };
  return {
    objects,
    stats: {
      rowsIn: totals.rowsIn,
      rowsOut: totals.rowsOut,
      quarantined: totals.quarantined,
      nulls: totals.nulls,
      schema,
      pages: state.pages,
      requests: client.stats.requests,
      retries: client.stats.retries,
      truncated: state.truncated,
      ignoredKeys: totals.ignoredKeys,
    },
  };
}
