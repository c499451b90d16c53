/**
 * The model registry: every registered model is a numbered version of a name, with its fitted
 * state, feature pipeline and training report copied under `<root>/models/<name>/v<N>/` and an
 * index entry (NATS KV on a cluster, the store itself locally; see registryIndex). Aliases
 * (`production`, `staging`) point at one version each and move with `promote`.
 *
 * Versions are assigned read-then-write: safe within one process (registrations of one name run
 * one at a time) and for one coordinator at a time; two coordinators registering the same name
 * at the same moment could both take the same number (the later write wins). Registering the
 * same (job, stage, name) again returns the first record, so a retried coordinator never makes v2.
 *
 * ```ts
 * const registry = new ModelRegistry({ store, root, index: registryIndex(bus, store, root) });
 * const rec = await registry.register({ name: 'churn', model, pipeline, params, metrics, datasetVersion,
 *   jobId, stage: 'train', task: 'binary', label: 'churned', classes: [0, 1], features, aliases: ['staging'] });
 * await registry.promote('churn', rec.version, 'production');
 * const { model: m, pipeline: p } = await registry.load(await registry.get('churn', 'production'));
 * ```
 */
import { QuiverError } from '../errors.js';
import type { KvStore } from '../bus/types.js';
import type { FittedPipeline } from '../ml/features/types.js';
import type { ModelState } from '../ml/models/types.js';
import type { ObjectStore } from '../store/types.js';
import { joinUri } from '../store/uri.js';
import { codeVersion } from './code-version.js';
import { diffModels } from './model-diff.js';
import { readJson, writeJson } from './objects.js';
import { assertName, assertNonEmpty, canonicalJson, keys, listForMessage, namesOf, registerOnce, sha256Hex, versionsOf } from './support.js';
import type { LoadedModel, ModelDiff, ModelRecord, ModelRef, RegisterModelInput, RegistryOptions } from './types.js';

const KIND = 'model';
/** What an alias key holds. */
interface AliasEntry {
  version: number;
  at: string;
}

/** Content id of a model: SHA-256 of the canonical JSON of `{ model, pipeline }`. */
export function modelContentId(model: ModelState, pipeline: FittedPipeline | null): string {
  return sha256Hex(canonicalJson({ model, pipeline }));
}

/** An alias: a registry name that is not all digits and not `latest` (those are version refs). */
export function assertAlias(alias: unknown): asserts alias is string {
  assertName(alias, 'alias');
  if (alias === 'latest' || /^\d+$/.test(alias)) {
    throw QuiverError.nonRetryable('OPTION_INVALID', `alias "${alias}" is reserved: a number or "latest" already names a version; pick a name such as "production"`);
  }
}

export class ModelRegistry {
  private readonly store: ObjectStore;
  private readonly root: string;
  private readonly index: KvStore;

  constructor(options: RegistryOptions) {
    if (options === null || typeof options !== 'object') throw QuiverError.nonRetryable('OPTION_INVALID', 'ModelRegistry options must be { store, root, index }');
    if (options.store === undefined || options.store === null) throw QuiverError.nonRetryable('OPTION_INVALID', 'ModelRegistry options.store is required');
    if (options.index === undefined || options.index === null) throw QuiverError.nonRetryable('OPTION_INVALID', 'ModelRegistry options.index is required; use registryIndex(bus, store, root)');
    assertNonEmpty(options.root, 'ModelRegistry options.root');
    this.store = options.store;
    this.root = options.root;
    this.index = options.index;
  }

  /** `<root>/models/<name>/v<N>/` */
  versionFolder(name: string, version: number): string {
    return `${joinUri(this.root, 'models', name, `v${version}`)}/`;
  }

  /** Registers a new version, or returns the one this (jobId, stage) already registered. */
  async register(input: RegisterModelInput): Promise<ModelRecord> {
    checkInput(input);
    const aliases = [...new Set(input.aliases ?? [])];
    for (const a of aliases) assertAlias(a);
    const id = modelContentId(input.model, input.pipeline);
    const record = await registerOnce<ModelRecord>({
      index: this.index,
      kind: KIND,
      name: input.name,
      jobId: input.jobId,
      stage: input.stage,
      read: (v) => this.index.get<ModelRecord>(keys.version(KIND, input.name, v)),
      owns: (r) => r.jobId === input.jobId && r.stage === input.stage,
      write: (version) => this.write(input, id, version),
      finish: async (r) => {
        for (const a of aliases) await this.setAlias(input.name, a, r.version);
        return r;
      },
    });
    return this.withAliases(record);
  }

  private async write(input: RegisterModelInput, id: string, version: number): Promise<ModelRecord> {
    const dir = this.versionFolder(input.name, version);
    const uris = {
      model: `${dir}model.json`,
      pipeline: input.pipeline === null ? null : `${dir}pipeline.json`,
      report: input.report === undefined ? null : `${dir}report.json`,
      record: `${dir}record.json`,
    };
    await writeJson(this.store, uris.model, input.model);
    if (uris.pipeline !== null) await writeJson(this.store, uris.pipeline, input.pipeline);
    if (uris.report !== null) await writeJson(this.store, uris.report, input.report);
    const record: ModelRecord = {
      name: input.name,
      version,
      id,
      kind: input.model.kind,
      task: input.task,
      label: input.label,
      ...(input.classes === undefined ? {} : { classes: input.classes }),
      features: input.features,
      params: input.params,
      metrics: input.metrics,
      datasetVersion: input.datasetVersion,
      pipelineVersion: input.pipeline?.version ?? null,
      codeVersion: codeVersion(),
      jobId: input.jobId,
      stage: input.stage,
      createdAt: new Date().toISOString(),
      uris,
      aliases: [],
    };
    await writeJson(this.store, uris.record, record);
    await this.index.put(keys.version(KIND, input.name, version), record);
    return record;
  }

  /** Every version of `name` (or of every model), sorted by name then version, aliases filled in. */
  async list(name?: string): Promise<ModelRecord[]> {
    if (name !== undefined) assertName(name, 'model name');
    const names = name === undefined ? await namesOf(this.index, KIND) : [name];
    const out: ModelRecord[] = [];
    for (const n of names) {
      const [versions, aliases] = await Promise.all([versionsOf(this.index, KIND, n), this.aliases(n)]);
      const records = await Promise.all(versions.map((v) => this.index.get<ModelRecord>(keys.version(KIND, n, v))));
      for (const r of records) if (r !== null) out.push({ ...r, aliases: aliasesOf(aliases, r.version) });
    }
    return out;
  }

  /** Model names, sorted. */
  names(): Promise<string[]> {
    return namesOf(this.index, KIND);
  }

  /** A version by number, alias or `latest` (also `'3'`). NOT_FOUND names what exists. */
  async get(name: string, ref: ModelRef = 'latest'): Promise<ModelRecord> {
    assertName(name, 'model name');
    const versions = await versionsOf(this.index, KIND, name);
    if (versions.length === 0) {
      throw QuiverError.nonRetryable('NOT_FOUND', `no model named "${name}" in the registry at ${this.root}; registered models: ${listForMessage(await this.names())}`);
    }
    const aliases = await this.aliases(name);
    const version = resolveRef(name, ref, versions, aliases);
    const record = await this.index.get<ModelRecord>(keys.version(KIND, name, version));
    if (record === null) throw QuiverError.nonRetryable('NOT_FOUND', `model ${name} v${version} vanished from the registry index while reading it; try again`);
    return { ...record, aliases: aliasesOf(aliases, version) };
  }

  /** Points `alias` at `version` (moving it from any other version); returns that version's record. */
  async promote(name: string, version: number, alias: string): Promise<ModelRecord> {
    assertAlias(alias);
    if (!Number.isInteger(version)) throw QuiverError.nonRetryable('OPTION_INVALID', `promote needs a version number, got ${JSON.stringify(version)}`);
    const record = await this.get(name, version);
    await this.setAlias(name, alias, record.version);
    return this.get(name, record.version);
  }

  /** Aliases of `name` with the version each points at. */
  async aliases(name: string): Promise<Map<string, number>> {
    const prefix = keys.aliases(KIND, name);
    const out = new Map<string, number>();
    const ks = await this.index.keys(prefix);
    const entries = await Promise.all(ks.map((k) => this.index.get<AliasEntry>(k)));
    ks.forEach((k, i) => {
      const e = entries[i];
      if (e !== null && e !== undefined) out.set(k.slice(prefix.length), e.version);
    });
    return out;
  }

  /** What changed from `a` to `b`: kind, params, metrics, features, dataset and pipeline versions. */
  diff(a: ModelRecord, b: ModelRecord): ModelDiff {
    return diffModels(a, b);
  }

  /** Reads the model (and pipeline) back; INPUT_INVALID when the files no longer match the content id. */
  async load(record: ModelRecord): Promise<LoadedModel> {
    const model = await readJson<ModelState>(this.store, record.uris.model, `model ${record.name} v${record.version}`);
    const pipeline = record.uris.pipeline === null ? null : await readJson<FittedPipeline>(this.store, record.uris.pipeline, `pipeline of model ${record.name} v${record.version}`);
    if (modelContentId(model, pipeline) !== record.id) {
      throw QuiverError.nonRetryable('INPUT_INVALID', `model ${record.name} v${record.version}: the files under ${this.versionFolder(record.name, record.version)} do not match the registered content id ${record.id.slice(0, 12)}; they were changed after registration — register the model again`);
    }
    return { model, pipeline };
  }

  private async setAlias(name: string, alias: string, version: number): Promise<void> {
    await this.index.put(keys.alias(KIND, name, alias), { version, at: new Date().toISOString() } satisfies AliasEntry);
  }

  private async withAliases(record: ModelRecord): Promise<ModelRecord> {
    return { ...record, aliases: aliasesOf(await this.aliases(record.name), record.version) };
  }
}

function aliasesOf(aliases: Map<string, number>, version: number): string[] {
  return [...aliases].filter(([, v]) => v === version).map(([a]) => a).sort();
}

function resolveRef(name: string, ref: ModelRef, versions: number[], aliases: Map<string, number>): number {
  const known = (): string => `versions: ${listForMessage(versions)}; aliases: ${listForMessage([...aliases].map(([a, v]) => `${a} → v${v}`))}`;
  if (ref === 'latest') return versions[versions.length - 1]!;
  const asNumber = typeof ref === 'number' ? ref : /^v?\d+$/.test(ref) ? Number(ref.replace(/^v/, '')) : undefined;
  if (asNumber !== undefined) {
    if (!versions.includes(asNumber)) throw QuiverError.nonRetryable('NOT_FOUND', `model "${name}" has no version ${String(ref)}; ${known()}`);
    return asNumber;
  }
  const v = aliases.get(String(ref));
  if (v === undefined) throw QuiverError.nonRetryable('NOT_FOUND', `model "${name}" has no alias "${ref}"; ${known()}`);
  if (!versions.includes(v)) throw QuiverError.nonRetryable('NOT_FOUND', `alias "${ref}" of model "${name}" points at v${v}, which is not in the registry; ${known()}`);
  return v;
}

function checkInput(input: RegisterModelInput): void {
  if (input === null || typeof input !== 'object') throw QuiverError.nonRetryable('OPTION_INVALID', 'register: input must be an object');
  assertName(input.name, 'model name');
  assertNonEmpty(input.jobId, 'register: jobId');
  assertNonEmpty(input.stage, 'register: stage');
  if (input.model === null || typeof input.model !== 'object' || typeof input.model.kind !== 'string') {
    throw QuiverError.nonRetryable('INPUT_INVALID', `register ${input.name}: model must be a fitted model state with a string kind`);
  }
  if (!Array.isArray(input.features) || input.features.some((f) => typeof f !== 'string')) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `register ${input.name}: features must be an array of feature names`);
  }
  if (input.pipeline !== null && (typeof input.pipeline !== 'object' || input.pipeline.kind !== 'quiver-feature-pipeline')) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `register ${input.name}: pipeline must be a fitted feature pipeline (kind quiver-feature-pipeline) or null`);
  }
  if (!['binary', 'multiclass', 'regression'].includes(input.task)) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `register ${input.name}: task must be binary, multiclass or regression, got ${JSON.stringify(input.task)}`);
  }
}
