/**
 * The `rest` source connector: records from a paginated JSON API (page numbers, offsets,
 * cursors in the body, or RFC 8288 `Link` headers), with bearer-token auth from a secret,
 * retries with backoff on 429/5xx/timeouts/network errors (honouring Retry-After), a token-bucket
 * rate limit and per-request timeouts. Records become Arrow through the NDJSON reader: schema
 * inferred from the first page, nested objects flattened one level (`contact.email`), records
 * that do not fit quarantined as `page 3 record 17`.
 *
 * ```yaml
 * - id: loyalty
 *   op: ingest
 *   source:
 *     kind: rest
 *     url: https://api.example.com/v1/loyalty
 *     auth: { token: { env: LOYALTY_TOKEN } }
 *     records: data.items
 *     pagination: { style: page, pageSize: 100, totalPath: meta.total }
 *     rateLimit: { requestsPerSecond: 10 }
 * ```
 *
 * Coordinator half: plan.ts (first page → schema, tasks). Worker half: read.ts. Modules:
 * spec (fields, defaults), http (client, retries), backoff, rate-limit, pagination (the page
 * walk), link-header, records (paths, flattening), shards (records → Arrow + quarantine).
 * See docs/sources/rest.md.
 */
import type { SourceConnector } from '../types.js';
import { planRest } from './plan.js';
import { readRest } from './read.js';
import { restSourceSchema } from './spec.js';

export type { RestOptions, RestParams, RestPagination, PaginationStyle } from './spec.js';

export const restConnector: SourceConnector = {
  kind: 'rest',
  summary: 'paginated JSON APIs over HTTP(S): page, offset, cursor or Link-header pagination, bearer auth, retries, rate limit',
  schema: restSourceSchema,
  plan: (ctx, schemaOnly) => planRest(ctx, schemaOnly),
  read: (input) => readRest(input),
};
