/**
 * The `dataset` source connector: reads a dataset **version** that an earlier job produced
 * (see shared/dataset-version.ts), by its manifest under `<store root>/datasets/`. A job that
 * starts from a pinned version reads exactly those rows, so rerunning it gives the same result
 * whatever happened to the raw sources since.
 *
 * ```yaml
 * - id: users
 *   op: ingest
 *   source: { kind: dataset, version: 3f2a9c1b7d0e }   # a unique prefix (8+ hex digits) or all 64
 * ```
 *
 * Plan: find the manifest (a unique prefix is enough), check each shard still holds the bytes
 * it was hashed from (its size; the worker checks the SHA-256), one task per shard. Read: the
 * shard's bytes are the output as they are, so the ingest stage's version equals the pinned one.
 */
import { createHash } from 'node:crypto';
import type { SchemaDef } from '../dataset.js';
import type { DatasetManifest } from '../dataset-version.js';
import { manifestUri } from '../dataset-version.js';
import { decodeTable } from '../arrow/ipc.js';
import { QuiverError } from '../errors.js';
import { storeRootOf } from '../operators/rowwise.js';
import type { KernelInput, KernelResult, PlanContext } from '../operators/types.js';
import type { SourceConnector, SourcePlan } from './types.js';

interface DatasetParams {
  kind: 'dataset';
  version: string;
  shard: string;
  sha256: string;
  schema: SchemaDef;
}

const HEX = /^[0-9a-f]{8,64}$/;

async function findManifest(ctx: PlanContext, version: string): Promise<DatasetManifest> {
  const where = `${ctx.path}.source.version`;
  if (!HEX.test(version)) throw QuiverError.nonRetryable('SPEC_INVALID', `${where}: give 8 to 64 lower-case hex digits of a dataset version (the job result's datasets[].version), got ${JSON.stringify(version)}`);
  const root = storeRootOf(ctx);
  let uri = manifestUri(root, version);
  if (version.length < 64) {
    const prefix = manifestUri(root, version).slice(0, -'.json'.length);
    const found = (await ctx.store.list(manifestUri(root, 'x').slice(0, -'x.json'.length))).filter((o) => o.uri.startsWith(prefix) && o.uri.endsWith('.json'));
    if (found.length > 1) throw QuiverError.nonRetryable('SPEC_INVALID', `${where}: ${version} matches ${found.length} versions; give more digits`);
    if (found.length === 1) uri = found[0]!.uri;
  }
  let bytes: Uint8Array;
  try {
    bytes = await ctx.store.get(uri);
  } catch (err) {
    throw QuiverError.nonRetryable('NOT_FOUND', `${where}: no dataset version ${version} in ${root}datasets/; versions are listed in a job result's datasets[] (same store root)`, { cause: err });
  }
  return JSON.parse(new TextDecoder().decode(bytes)) as DatasetManifest;
}

async function plan(ctx: PlanContext, schemaOnly: boolean): Promise<SourcePlan> {
  const source = (ctx.stage as { source?: { version: string } }).source!;
  const m = await findManifest(ctx, source.version);
  if (schemaOnly) return { schema: m.schema, tasks: [] };
  const tasks = [];
  for (const sh of m.shards) {
    const head = await ctx.store.head(sh.uri);
    if (head === null || head.size !== sh.bytes) {
      throw QuiverError.nonRetryable('NOT_FOUND', `${ctx.path}.source.version: shard ${sh.uri} of dataset ${m.version.slice(0, 12)} is ${head === null ? 'gone' : `${head.size} bytes, not ${sh.bytes}`}; the version can no longer be read (its job's folder was cleaned up or rewritten)`);
    }
    const params: DatasetParams = { kind: 'dataset', version: m.version, shard: sh.uri, sha256: sh.sha256 ?? '', schema: m.schema };
    tasks.push({ inputs: [{ uri: sh.uri }], params });
  }
  return { schema: m.schema, tasks };
}

function read({ task, inputs }: KernelInput): KernelResult {
  const p = task.params as DatasetParams;
  const bytes = inputs[0]!;
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (p.sha256 !== '' && sha !== p.sha256) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `shard ${p.shard} of dataset ${p.version.slice(0, 12)} changed since it was versioned (sha256 ${sha.slice(0, 12)}, expected ${p.sha256.slice(0, 12)}); the version can no longer be read`);
  }
  const table = decodeTable(bytes, `shard ${p.shard}`);
  const nulls = p.schema.fields.map((f) => table.getChild(f.name)?.nullCount ?? 0);
  const schema: SchemaDef = { fields: p.schema.fields.map((f, i) => ({ ...f, nullable: nulls[i]! > 0 })) };
  return {
    objects: [{ name: `part-${String(task.index).padStart(5, '0')}.arrow`, bytes, rows: table.numRows }],
    stats: { rowsIn: table.numRows, rowsOut: table.numRows, quarantined: 0, nulls, schema },
  };
}

export const datasetConnector: SourceConnector = {
  kind: 'dataset',
  summary: 'a dataset version an earlier job produced, by its manifest (pins a job to exact data)',
  schema: {
    type: 'object',
    required: ['kind', 'version'],
    additionalProperties: false,
    description: 'A dataset version from the same store root, read shard for shard.',
    properties: {
      kind: { const: 'dataset', description: 'A versioned dataset (docs/storage-layout.md).' },
      version: { type: 'string', pattern: '^[0-9a-f]{8,64}$', description: "The version (a job result's datasets[].version), or a unique prefix of 8+ hex digits." },
    },
  },
  plan,
  read,
};
