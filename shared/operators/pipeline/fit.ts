/**
 * Distributed fitting of a feature pipeline, shared by `train` and `features`. A pipeline fits
 * in passes (shared/ml/features): in pass p every shard's task transforms its rows with the
 * steps fitted so far and computes partial statistics of the pass's steps, once per *split*
 * (the training rows of each CV split, with that split's own fitted steps) and once over all
 * usable rows (`full`). The coordinator merges the partials exactly, finishes the pass, and
 * writes the cumulative fitted steps (`pipelines/pass-<p>.json`) that the next pass reads.
 * After the last pass it writes one FittedPipeline per split and `pipelines/full.json`.
 */
import { decodeTable } from '../../arrow/ipc.js';
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { buildPipeline, finishPass, frameFromTable, mergePassPartials, passPartials, resolvePipeline } from '../../ml/features/index.js';
import type { FittedPipeline, FittedStep, Frame, PassPartial, ResolvedPipeline, StepSpec } from '../../ml/features/index.js';
import type { ObjectStore } from '../../store/types.js';
import { joinUri } from '../../store/uri.js';
import type { KernelInput, KernelResult } from '../types.js';
import { EXCLUDED, inTrain, repeatSlice } from '../train/masks.js';
import type { Split } from '../train/masks.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What a pass's tasks carry (JSON). */
export interface FitPassParams {
  steps: StepSpec[];
  schema: SchemaDef;
  features: string[];
  path: string;
  pass: number;
  /** The CV splits to fit for (their training rows), or null: only `full`. */
  splits: Split[] | null;
  /** Whether input 1 is the shard's fold mask (train: yes; features: no). */
  mask: boolean;
}

/** Fitted steps so far, per split and over all rows. */
export interface FitState {
  splits: FittedStep[][];
  full: FittedStep[];
  fullRows: number;
}

export interface PassParts {
  splits: PassPartial[];
  full: PassPartial;
  fullRows: number;
}

export function resolveFor(p: Pick<FitPassParams, 'steps' | 'schema' | 'features' | 'path'>): ResolvedPipeline {
  return resolvePipeline(p.steps, p.schema, p.features, p.path);
}

export function partName(pass: number, shard: number): string {
  return `fit-${pass}/part-${String(shard).padStart(5, '0')}.json`;
}

export function stateUri(stagePrefix: string, pass: number): string {
  return joinUri(stagePrefix, `pipelines/pass-${pass}.json`);
}

export function pipelineUri(stagePrefix: string, split: number | 'full'): string {
  return joinUri(stagePrefix, split === 'full' ? 'pipelines/full.json' : `pipelines/split-${split}.json`);
}

export function emptyState(splits: number): FitState {
  return { splits: Array.from({ length: splits }, () => []), full: [], fullRows: 0 };
}

/**
 * Kernel of one pass over one shard. Inputs: [shard, mask if `params.mask`, state from pass 1
 * on (pipelines/pass-<p-1>.json)].
 */
/** Decodes the pipeline's input columns of a shard; an operator may pass one that caches them. */
export type ShardFrameReader = (uri: string, bytes: Uint8Array, columns: string[]) => Frame;

const decodeFrame: ShardFrameReader = (uri, bytes, columns) => frameFromTable(decodeTable(bytes, `shard ${uri}`), columns);

export function fitPassKernel(input: KernelInput, params: FitPassParams, readFrame: ShardFrameReader = decodeFrame): KernelResult {
  const resolved = resolveFor(params);
  const frame = readFrame(input.task.inputs[0]?.uri ?? '', input.inputs[0]!, resolved.input.map((f) => f.name));
  const mask = params.mask ? input.inputs[1]! : null;
  const stateBytes = params.pass > 0 ? input.inputs[params.mask ? 2 : 1] : undefined;
  const state: FitState = stateBytes === undefined ? emptyState(params.splits?.length ?? 0) : (JSON.parse(dec.decode(stateBytes)) as FitState);
  const rows = frame.rows;
  if (mask !== null && mask.length % Math.max(rows, 1) !== 0) {
    throw QuiverError.nonRetryable('INTERNAL', `fold mask of ${input.task.inputs[1]?.uri ?? ''} has ${mask.length} bytes for ${rows} rows`);
  }
  let usable: Uint8Array | null = null;
  let fullRows = rows;
  if (mask !== null) {
    const bytes = repeatSlice(mask, rows, 0);
    usable = new Uint8Array(rows);
    fullRows = 0;
    for (let i = 0; i < rows; i++) fullRows += usable[i] = bytes[i] === EXCLUDED ? 0 : 1;
  }
  const trainMasks = (params.splits ?? []).map((sp) => {
    const bytes = repeatSlice(mask!, rows, sp.repeat);
    const train = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) train[i] = inTrain(bytes[i]!, sp) ? 1 : 0;
    return train;
  });
  const fitted = [...trainMasks.map((_, s) => state.splits[s] ?? []), state.full];
  const partials = passPartials(resolved, params.pass, fitted, frame, [...trainMasks, usable]);
  const parts: PassParts = { splits: partials.slice(0, trainMasks.length), full: partials[trainMasks.length]!, fullRows };
  return {
    objects: [{ name: partName(params.pass, input.task.index), bytes: enc.encode(JSON.stringify(parts)), rows: 0 }],
    stats: { rowsIn: 0, rowsOut: 0, quarantined: 0, trainPhase: `fit-${params.pass}`, rows },
  };
}

/** Coordinator: merges pass `pass`'s parts (one per shard) into the next cumulative state. */
export async function mergePass(store: ObjectStore, resolved: ResolvedPipeline, pass: number, previous: FitState, partUris: string[]): Promise<FitState> {
  const parts = await Promise.all(partUris.map(async (u) => JSON.parse(dec.decode(await store.get(u))) as PassParts));
  const merge = (pick: (p: PassParts) => PassPartial): PassPartial => parts.map(pick).reduce((a, b) => mergePassPartials(resolved, pass, a, b));
  if (parts.length === 0) throw QuiverError.nonRetryable('INPUT_INVALID', 'the input has no shards: there is nothing to fit the pipeline on');
  return {
    splits: previous.splits.map((fitted, s) => [...fitted, ...finishPass(resolved, pass, merge((p) => p.splits[s]!))]),
    full: [...previous.full, ...finishPass(resolved, pass, merge((p) => p.full))],
    fullRows: parts.reduce((n, p) => n + p.fullRows, 0),
  };
}

export async function readState(store: ObjectStore, uri: string): Promise<FitState> {
  return JSON.parse(dec.decode(await store.get(uri))) as FitState;
}

export async function writeJson(store: ObjectStore, uri: string, value: unknown): Promise<void> {
  await store.put(uri, enc.encode(JSON.stringify(value)));
}

/** The fitted pipelines of a finished fit: one per split, and the full one. */
export function pipelinesOf(resolved: ResolvedPipeline, state: FitState, splitRows: number[]): { splits: FittedPipeline[]; full: FittedPipeline } {
  return {
    splits: state.splits.map((fitted, s) => buildPipeline(resolved, fitted, splitRows[s] ?? 0)),
    full: buildPipeline(resolved, state.full, state.fullRows),
  };
}
