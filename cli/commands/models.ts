/**
 * `quiver models …`: the model registry from the command line, and the options every registry
 * command shares (also used by `quiver features`).
 *
 * ```bash
 * quiver models list [churn]                       # every version, its aliases and metrics
 * quiver models show churn@production               # one version (number, alias or latest)
 * quiver models promote churn 3 --alias production  # move the alias to v3
 * quiver models diff churn@2 churn@3                # params, metrics, features, data
 * quiver models predict churn@production --record '{"age": 31, "plan": "pro"}'
 * ```
 *
 * `--store` is the store root (default `.quiver/store`, or `s3://bucket/prefix` with the S3
 * flags); with `--nats` (or QUIVER_NATS) the index is the cluster's `<namespace>_registry` bucket.
 */
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { isErrorCode, QuiverError } from '../../shared/errors.js';
import { connectRegistryIndex, localIndexPrefix } from '../../shared/registry/index-kv.js';
import { metricMean } from '../../shared/registry/model-diff.js';
import { ModelRegistry } from '../../shared/registry/models.js';
import { predictRecord } from '../../shared/registry/predict.js';
import { storeKv } from '../../shared/registry/store-kv.js';
import type { MetricValue, ModelDiff, ModelRecord, RegistryOptions } from '../../shared/registry/types.js';
import type { KvStore } from '../../shared/bus/types.js';
import { createStore } from '../../shared/store/index.js';
import { act, printJson } from '../action.js';
import { s3From, s3Options } from '../options.js';

export interface RegistryArgs {
  store: string;
  nats?: string;
  namespace: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
  s3AccessKey?: string;
  s3SecretKey?: string;
  s3SessionToken?: string;
}

/** `--store`, the S3 flags, `--nats` and `--namespace`. */
export const registryOptions = <T>(y: Argv<T>) =>
  s3Options(
    y
      .option('store', { type: 'string', default: '.quiver/store', describe: 'Store root holding the registry: a folder or s3://bucket/prefix (env QUIVER_STORE)' })
      .option('nats', { type: 'string', describe: "Use the cluster's registry index in NATS KV at this URL (env QUIVER_NATS); default: the index in the store" })
      .option('namespace', { type: 'string', default: 'quiver', describe: 'Bus namespace of the cluster (with --nats)' }),
  );

/** Store and index for a registry command; `close()` releases both. */
export async function openRegistry(argv: RegistryArgs): Promise<RegistryOptions & { close(): Promise<void> }> {
  const store = createStore(argv.store.startsWith('s3://') ? { s3: s3From(argv) } : {});
  let index: KvStore;
  let closeIndex = (): Promise<void> => Promise.resolve();
  if (argv.nats !== undefined && argv.nats !== '') {
    try {
      const conn = await connectRegistryIndex({ nats: argv.nats, namespace: argv.namespace, name: 'quiver-cli' });
      index = conn.index;
      closeIndex = conn.close;
    } catch (err) {
      await store.close?.();
      throw err;
    }
  } else {
    index = storeKv(store, localIndexPrefix(argv.store));
  }
  return {
    store,
    root: argv.store,
    index,
    close: async () => {
      await closeIndex();
      await store.close?.();
    },
  };
}

/** Runs `fn` with an open registry, closing it afterwards. */
export async function withRegistry<R>(argv: RegistryArgs, fn: (r: RegistryOptions) => Promise<R>): Promise<R> {
  const r = await openRegistry(argv);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

/** Left-aligned columns, two spaces apart; numbers right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+$/.test(r[i] ?? '') || (r[i] ?? '') === '-'));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] === true ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** `key  value` lines, keys padded to one width. */
export function pairs(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

/** `name@ref` → name and ref (`latest` when no `@`). */
export function splitRef(text: string, what: string): { name: string; ref: string } {
  const at = text.lastIndexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const ref = at < 0 ? 'latest' : text.slice(at + 1);
  if (name === '' || ref === '') throw new QuiverError('OPTION_INVALID', `${what} "${text}" must look like name, name@3, name@production or name@latest`);
  return { name, ref };
}

/** A JSON object from `--record`. */
/** A record the model cannot score is a mistake in `--record`: a usage error (exit 2), not a failed job. */
function asRecordError(err: unknown): never {
  if (isErrorCode(err, 'INPUT_INVALID')) throw new QuiverError('OPTION_INVALID', `--record: ${(err as Error).message}`, { cause: err });
  throw err;
}

export function parseRecord(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new QuiverError('OPTION_INVALID', `--record is not valid JSON (${(err as Error).message}); give one object, e.g. --record '{"age": 31}'`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new QuiverError('OPTION_INVALID', '--record must be one JSON object of column: value');
  return value as Record<string, unknown>;
}

export const short = (v: string | null): string => (v === null ? '-' : v.slice(0, 12));
/** 4 significant digits, no trailing zeros: 0.8123, 0.0123, 12.35. */
const num = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4))));

export function fmtMetric(v: MetricValue | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') return num(v);
  const m = metricMean(v);
  return m === null ? JSON.stringify(v) : typeof v.std === 'number' ? `${num(m)}±${num(v.std)}` : num(m);
}

const metricsLine = (r: ModelRecord, max = 3): string =>
  Object.entries(r.metrics)
    .slice(0, max)
    .map(([k, v]) => `${k}=${fmtMetric(v)}`)
    .join(' ');

function renderList(records: ModelRecord[]): string {
  return table(
    ['NAME', 'VERSION', 'ALIASES', 'KIND', 'TASK', 'METRICS', 'DATASET', 'CREATED'],
    records.map((r) => [r.name, String(r.version), r.aliases.join(',') || '-', r.kind, r.task, metricsLine(r) || '-', short(r.datasetVersion), r.createdAt.slice(0, 19).replace('T', ' ')]),
  );
}

function renderShow(r: ModelRecord): string {
  const lines = [
    `${r.name} v${r.version}${r.aliases.length > 0 ? ` (${r.aliases.join(', ')})` : ''}`,
    pairs([
      ['id', r.id],
      ['kind', r.kind],
      ['task', `${r.task}${r.classes === undefined ? '' : ` [${r.classes.join(', ')}]`}`],
      ['label', r.label],
      ['dataset', r.datasetVersion ?? '-'],
      ['pipeline', r.pipelineVersion ?? '-'],
      ['code', r.codeVersion],
      ['job', `${r.jobId} / ${r.stage}`],
      ['created', r.createdAt],
      ['model', r.uris.model],
    ]),
  ];
  lines.push(`features (${r.features.length}): ${r.features.slice(0, 12).join(', ')}${r.features.length > 12 ? ', …' : ''}`);
  if (Object.keys(r.params).length > 0) lines.push('params:', table(['PARAM', 'VALUE'], Object.entries(r.params).map(([k, v]) => [k, JSON.stringify(v)])));
  if (Object.keys(r.metrics).length > 0) lines.push('metrics:', table(['METRIC', 'VALUE'], Object.entries(r.metrics).map(([k, v]) => [k, fmtMetric(v)])));
  return lines.join('\n');
}

function renderDiff(d: ModelDiff): string {
  const lines = [`${d.a.name} v${d.a.version} → ${d.b.name} v${d.b.version}${d.sameContent ? ' (same content)' : ''}`];
  if (d.kind !== null) lines.push(`kind: ${d.kind.a} → ${d.kind.b}`);
  if (d.datasetVersion !== null) lines.push(`dataset: ${short(d.datasetVersion.a)} → ${short(d.datasetVersion.b)}`);
  if (d.pipelineVersion !== null) lines.push(`pipeline: ${short(d.pipelineVersion.a)} → ${short(d.pipelineVersion.b)}`);
  if (d.params.length > 0) lines.push('params:', table(['PARAM', 'A', 'B'], d.params.map((p) => [p.key, JSON.stringify(p.a), JSON.stringify(p.b)])));
  if (d.metrics.length > 0) {
    lines.push('metrics:', table(['METRIC', 'A', 'B', 'DELTA'], d.metrics.map((m) => [m.key, fmtMetric(m.a), fmtMetric(m.b), m.delta === null ? '-' : `${m.delta >= 0 ? '+' : ''}${num(m.delta)}`])));
  }
  const f = d.features;
  if (f.added.length > 0) lines.push(`features added: ${f.added.join(', ')}`);
  if (f.removed.length > 0) lines.push(`features removed: ${f.removed.join(', ')}`);
  if (f.reordered) lines.push('features reordered');
  if (lines.length === 1) lines.push('no differences in kind, params, metrics, features, dataset or pipeline');
  return lines.join('\n');
}

const refOf = (ref: string): number | string => (/^v?\d+$/.test(ref) ? Number(ref.replace(/^v/, '')) : ref);

export function registerModels<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command('models', 'The model registry: list, show, promote, diff, predict', (m) =>
    m
      .command(
        'list [name]',
        'Every registered version (of one model, or of all), with aliases and metrics',
        (c) => registryOptions(c).positional('name', { type: 'string', describe: 'Only this model' }),
        async (argv) => act(argv, async () => {
          const records = await withRegistry(argv, (r) => new ModelRegistry(r).list(argv.name));
          if (argv.json === true) return printJson(records);
          process.stdout.write(records.length === 0 ? `no models registered in ${argv.store}\n` : `${renderList(records)}\n`);
        }),
      )
      .command(
        'show <model>',
        'One version: name, name@3, name@production or name@latest',
        (c) => registryOptions(c).positional('model', { type: 'string', demandOption: true, describe: 'name[@version|@alias]' }),
        async (argv) => act(argv, async () => {
          const { name, ref } = splitRef(argv.model, 'model');
          const record = await withRegistry(argv, (r) => new ModelRegistry(r).get(name, refOf(ref)));
          if (argv.json === true) return printJson(record);
          process.stdout.write(`${renderShow(record)}\n`);
        }),
      )
      .command(
        'promote <name> <version>',
        'Point an alias (e.g. production) at a version, moving it from any other',
        (c) =>
          registryOptions(c)
            .version(false) // `version` is this command's positional, not the global --version flag
            .positional('name', { type: 'string', demandOption: true, describe: 'Model name' })
            .positional('version', { type: 'string', demandOption: true, describe: 'Version number (3 or v3)' })
            .option('alias', { type: 'string', demandOption: 'give --alias, e.g. --alias production', describe: 'Alias to move' }),
        async (argv) => act(argv, async () => {
          const v = refOf(argv.version);
          if (typeof v !== 'number') throw new QuiverError('OPTION_INVALID', `version must be a number such as 3, got "${argv.version}"`);
          const record = await withRegistry(argv, (r) => new ModelRegistry(r).promote(argv.name, v, argv.alias));
          if (argv.json === true) return printJson(record);
          process.stdout.write(`${argv.alias} → ${record.name} v${record.version}\n`);
        }),
      )
      .command(
        'diff <a> <b>',
        'What changed between two versions: name@1 name@2',
        (c) =>
          registryOptions(c)
            .positional('a', { type: 'string', demandOption: true, describe: 'name@version|alias' })
            .positional('b', { type: 'string', demandOption: true, describe: 'name@version|alias' }),
        async (argv) => act(argv, async () => {
          const a = splitRef(argv.a, 'model');
          const b = splitRef(argv.b, 'model');
          const d = await withRegistry(argv, async (r) => {
            const reg = new ModelRegistry(r);
            return reg.diff(await reg.get(a.name, refOf(a.ref)), await reg.get(b.name, refOf(b.ref)));
          });
          if (argv.json === true) return printJson(d);
          process.stdout.write(`${renderDiff(d)}\n`);
        }),
      )
      .command(
        'predict <model>',
        "Score one record: the model's feature pipeline, then its estimator",
        (c) =>
          registryOptions(c)
            .positional('model', { type: 'string', demandOption: true, describe: 'name[@version|@alias]' })
            .option('record', { type: 'string', demandOption: "give --record '{\"column\": value, ...}'", describe: 'The raw record as one JSON object' }),
        async (argv) => act(argv, async () => {
          const { name, ref } = splitRef(argv.model, 'model');
          const raw = parseRecord(argv.record);
          const { record, p } = await withRegistry(argv, async (r) => {
            const reg = new ModelRegistry(r);
            const rec = await reg.get(name, refOf(ref));
            return { record: rec, p: await predictRecord(rec, await reg.load(rec), raw).catch(asRecordError) };
          });
          if (argv.json === true) return printJson({ model: { name: record.name, version: record.version, id: record.id }, ...p });
          const lines = [`${record.name} v${record.version} (${record.kind}, ${record.task})`, `prediction: ${p.prediction}`];
          if (p.score !== undefined) lines.push(`score: ${p.score}`);
          if (p.probabilities !== undefined && p.task === 'multiclass') lines.push(table(['CLASS', 'PROBABILITY'], Object.entries(p.probabilities).map(([k, v]) => [k, v.toFixed(6)])));
          process.stdout.write(`${lines.join('\n')}\n`);
        }),
      )
      .demandCommand(1, 'name a models command: list, show, promote, diff or predict'),
  );
}

