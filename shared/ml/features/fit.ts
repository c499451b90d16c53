/**
 * Fitting a resolved pipeline from partial statistics, pass by pass. A shard's task computes
 * `passPartial` over its rows (a row mask selects a fold's training rows) after transforming
 * them with the steps fitted in earlier passes; the coordinator merges the partials of all
 * shards (`mergePassPartials`, exact and order-free) and turns them into fitted steps
 * (`finishPass`). `buildPipeline` assembles the artifact. `fitPipelineLocal` runs the same code
 * over in-memory frames.
 *
 * ```ts
 * let fitted: FittedStep[] = [];
 * for (let pass = 0; pass < p.passes.length; pass++) {
 *   const merged = shards.map((f) => passPartial(p, pass, fitted, f, null)).reduce((a, b) => mergePassPartials(p, pass, a, b));
 *   fitted = [...fitted, ...finishPass(p, pass, merged)];
 * }
 * const pipeline = buildPipeline(p, fitted, rows);
 * ```
 */
import { QuiverError } from '../../errors.js';
import { checkMask, inputError, takeRows, workOf } from './frame.js';
import type { Work } from './frame.js';
import { contentVersion } from './json.js';
import type { ResolvedPipeline } from './pipeline.js';
import { STEPS } from './steps/index.js';
import { outputOrder } from './transform.js';
import type { FittedPipeline, FittedStep, Frame, PassPartial } from './types.js';

function checkPass(p: ResolvedPipeline, pass: number): number[] {
  const steps = p.passes[pass];
  if (!Number.isInteger(pass) || steps === undefined) {
    throw QuiverError.nonRetryable('INTERNAL', `feature pipeline ${p.path}: pass ${pass} does not exist (it has ${p.passes.length})`);
  }
  return steps;
}

/** The fitted steps of passes before `pass`, by step index; checks they fit the pipeline. */
function priorSteps(p: ResolvedPipeline, pass: number, fitted: readonly FittedStep[]): Map<number, FittedStep> {
  const expected = p.passes.slice(0, pass).flat();
  if (!Array.isArray(fitted) || fitted.length !== expected.length) {
    throw QuiverError.nonRetryable('INTERNAL', `feature pipeline ${p.path}: pass ${pass} needs the ${expected.length} steps fitted before it, got ${Array.isArray(fitted) ? fitted.length : 'none'}`);
  }
  const out = new Map<number, FittedStep>();
  expected.forEach((idx, k) => {
    const f = fitted[k]!;
    if (f.step !== p.steps[idx]!.step) throw QuiverError.nonRetryable('INTERNAL', `feature pipeline ${p.path}: fitted step ${k} is ${f.step}, expected ${p.steps[idx]!.step} (step ${idx})`);
    out.set(idx, f);
  });
  return out;
}

/**
 * What pass `pass` must compute before its partials: the earlier steps whose output one of its
 * steps reads (directly or through other kept steps), and the input columns those read. Other
 * steps (a one-hot encoding, when the pass only scales numbers) are not applied.
 */
function passWork(p: ResolvedPipeline, pass: number, last: number): { transform: Set<number>; inputs: Set<string> } {
  const needed = new Set<string>();
  const transform = new Set<number>();
  for (let i = last; i >= 0; i--) {
    const s = p.steps[i]!;
    if (s.pass === pass) {
      for (const c of s.reads) needed.add(c);
      continue;
    }
    if (s.pass === -1 && s.pendingIn === pass) continue;
    if (!s.writes.some((c) => needed.has(c))) continue;
    transform.add(i);
    for (const c of s.reads) needed.add(c);
  }
  return { transform, inputs: needed };
}

/** The frame's pipeline inputs that the pass reads, as a Work. */
function passInput(p: ResolvedPipeline, frame: Frame, inputs: Set<string>): Work {
  return workOf(frame, p.input.filter((f) => inputs.has(f.name)));
}

/**
 * Partial statistics of pass `pass` over the rows of `frame` where rowMask[i] !== 0 (null: all
 * rows), after the steps before each fitted step have been applied (`fitted`: every step fitted in
 * earlier passes, in order).
 */
export function passPartial(p: ResolvedPipeline, pass: number, fitted: FittedStep[], frame: Frame, rowMask: Uint8Array | null): PassPartial {
  return partialsOf(p, pass, fitted, frame, [rowMask])[0]!;
}

/**
 * {@link passPartial} for several row masks of one frame, `fitted[k]` the steps fitted before
 * this pass for mask k (e.g. one per CV split). Masks whose earlier steps are the same (every
 * split in the first pass) share one transform of all rows, each then summing its own rows:
 * the same partials as separate calls, since partials are exact sums (order-free).
 */
export function passPartials(p: ResolvedPipeline, pass: number, fitted: FittedStep[][], frame: Frame, masks: (Uint8Array | null)[]): PassPartial[] {
  const out: PassPartial[] = new Array<PassPartial>(masks.length);
  const groups = new Map<string, number[]>();
  masks.forEach((_, k) => {
    const key = JSON.stringify(fitted[k]);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [k]);
    else g.push(k);
  });
  for (const members of groups.values()) {
    const parts = partialsOf(p, pass, fitted[members[0]!]!, frame, members.map((k) => masks[k]!));
    members.forEach((k, m) => (out[k] = parts[m]!));
  }
  return out;
}

/**
 * The partials of pass `pass` for each mask, after one transform by the earlier steps `fitted`
 * shared by all of them. A single mask transforms only its own rows.
 */
function partialsOf(p: ResolvedPipeline, pass: number, fitted: FittedStep[], frame: Frame, masks: (Uint8Array | null)[]): PassPartial[] {
  const steps = checkPass(p, pass);
  const prior = priorSteps(p, pass, fitted);
  const last = steps[steps.length - 1]!;
  const { transform, inputs } = passWork(p, pass, last);
  let w: Work = passInput(p, frame, inputs);
  for (const m of masks) checkMask(m, w.rows);
  let selected = masks;
  const only = masks.length === 1 ? masks[0]! : null;
  if (only !== null && transform.size > 0) {
    w = takeRows(w, only);
    selected = [null];
  }
  const parts = selected.map((): unknown[] => []);
  for (let i = 0; i <= last; i++) {
    const s = p.steps[i]!;
    const def = STEPS[s.step];
    if (s.pass === pass) selected.forEach((m, k) => parts[k]!.push(def.partial(s.spec, w, m)));
    else if (transform.has(i)) w = def.transform(s.spec, s.pass === -1 ? null : prior.get(i)!.state, w);
  }
  return parts;
}

export function mergePassPartials(p: ResolvedPipeline, pass: number, a: PassPartial, b: PassPartial): PassPartial {
  const steps = checkPass(p, pass);
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== steps.length || b.length !== steps.length) {
    throw QuiverError.nonRetryable('INTERNAL', `feature pipeline ${p.path}: pass ${pass} partials must have ${steps.length} entries`);
  }
  return steps.map((idx, k) => STEPS[p.steps[idx]!.step].merge(p.steps[idx]!.spec, a[k], b[k]));
}

/** The steps of pass `pass`, fitted from the merged partial of all rows. */
export function finishPass(p: ResolvedPipeline, pass: number, merged: PassPartial): FittedStep[] {
  const steps = checkPass(p, pass);
  if (!Array.isArray(merged) || merged.length !== steps.length) {
    throw QuiverError.nonRetryable('INTERNAL', `feature pipeline ${p.path}: pass ${pass} partial must have ${steps.length} entries`);
  }
  return steps.map((idx, k) => {
    const s = p.steps[idx]!;
    const f = STEPS[s.step].finish(s.spec, merged[k]);
    return { step: s.step, spec: s.spec, state: f.state as unknown, inputs: f.inputs, outputs: f.outputs };
  });
}

/** Every step of the pipeline, fitted ones from `fitted` (all passes, in order), the others as they are. */
function allSteps(p: ResolvedPipeline, fitted: readonly FittedStep[]): FittedStep[] {
  const byIndex = priorSteps(p, p.passes.length, fitted);
  return p.steps.map((s) => {
    const f = byIndex.get(s.index);
    if (f !== undefined) return f;
    const io = STEPS[s.step].io!(s.spec);
    return { step: s.step, spec: s.spec, state: null, inputs: io.inputs, outputs: io.outputs };
  });
}

/** The fitted pipeline artifact; `version` is the SHA-256 of its canonical JSON. */
export function buildPipeline(p: ResolvedPipeline, fitted: FittedStep[], fittedRows: number): FittedPipeline {
  const steps = allSteps(p, fitted);
  const input = p.input.map((f) => ({ name: f.name, type: f.type }));
  const features = outputOrder(input, steps);
  const body = { kind: 'quiver-feature-pipeline' as const, format: 1 as const, input, steps, features, fittedRows };
  // Plain JSON copies: the artifact shares nothing with the resolved pipeline.
  const content = JSON.parse(JSON.stringify(body)) as Omit<FittedPipeline, 'version'>;
  return { ...content, version: contentVersion(content) };
}

/** Fits every pass over in-memory frames (all rows of each), the same code as the distributed path. */
export function fitPipelineLocal(p: ResolvedPipeline, frames: Frame[]): FittedPipeline {
  if (p.passes.length > 0 && frames.length === 0) throw inputError(`feature pipeline ${p.path}: there are no rows to fit it on`);
  let fitted: FittedStep[] = [];
  for (let pass = 0; pass < p.passes.length; pass++) {
    const merged = frames.map((f) => passPartial(p, pass, fitted, f, null)).reduce((a, b) => mergePassPartials(p, pass, a, b));
    fitted = [...fitted, ...finishPass(p, pass, merged)];
  }
  return buildPipeline(p, fitted, frames.reduce((n, f) => n + f.rows, 0));
}
