/**
 * Dataset manifests: when a job succeeds, each stage's output gets a manifest at
 * `<store root>/datasets/<version>.json` (content-addressed: see shared/dataset-version.ts),
 * naming its schema, shards, row count, the versions it was computed from and, for ingest
 * stages, its source. A manifest that already exists (a rerun that reproduced the same data) is
 * kept as first written.
 */
import type { JobState } from '../shared/job.js';
import { datasetVersion, manifestUri } from '../shared/dataset-version.js';
import type { DatasetManifest, DatasetRef } from '../shared/dataset-version.js';
import { stageInputs } from '../shared/spec/types.js';
import type { ObjectStore } from '../shared/store/types.js';


/** The version of every stage output with a full set of shard hashes, in stage order. */
export function datasetRefs(state: JobState): DatasetRef[] {
  const refs: DatasetRef[] = [];
  for (const st of state.stages) {
    if (st.output === undefined) continue;
    const version = datasetVersion(st.output);
    if (version !== null) refs.push({ stage: st.id, version, rows: st.output.rows, manifest: manifestUri(state.store.root, version) });
  }
  return refs;
}

/** Builds the manifests of a finished job's stage outputs. */
export function manifestsOf(state: JobState, now = new Date()): DatasetManifest[] {
  const versions = new Map(datasetRefs(state).map((r) => [r.stage, r.version]));
  const out: DatasetManifest[] = [];
  for (const st of state.stages) {
    const version = versions.get(st.id);
    if (version === undefined || st.output === undefined) continue;
    const spec = state.spec.stages.find((s) => s.id === st.id);
    const parents = spec === undefined ? [] : stageInputs(spec).flatMap((id) => versions.get(id) ?? []);
    const m: DatasetManifest = {
      version,
      createdAt: now.toISOString(),
      job: { id: state.jobId, name: state.name },
      stage: { id: st.id, op: st.op },
      rows: st.output.rows,
      bytes: st.output.bytes,
      schema: st.output.schema,
      shards: st.output.shards,
      parents,
    };
    if (spec !== undefined && 'source' in spec) m.source = spec.source;
    out.push(m);
  }
  return out;
}

/** Writes the manifests that do not exist yet. */
export async function writeManifests(store: ObjectStore, state: JobState): Promise<void> {
  for (const m of manifestsOf(state)) {
    const uri = manifestUri(state.store.root, m.version);
    if ((await store.head(uri)) !== null) continue;
    await store.put(uri, new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`));
  }
}
