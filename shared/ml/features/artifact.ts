/**
 * Checks a fitted pipeline read back from the store (or a request) before it is used: its
 * shape, that its content still hashes to its `version` (nothing edited or truncated), that
 * every step's state fits its spec, and that the steps really output `features`.
 *
 * ```ts
 * const pipeline = parsePipeline(JSON.parse(text));
 * ```
 */
import { QuiverError } from '../../errors.js';
import { contentVersion } from './json.js';
import { STEP_NAMES, STEPS } from './steps/index.js';
import type { StepName } from './steps/index.js';
import { outputOrder } from './transform.js';
import type { FittedPipeline, FittedStep } from './types.js';

const TYPES = ['int', 'float', 'bool', 'string', 'timestamp', 'date'];

function bad(path: string, what: string): QuiverError {
  return QuiverError.nonRetryable('INPUT_INVALID', `pipeline${path === '' ? '' : `.${path}`}: ${what}; refit the pipeline or load the artifact it was saved to`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function names(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(path, 'must be a list of column names');
  return v as string[];
}

export function parsePipeline(json: unknown): FittedPipeline {
  if (!isObject(json)) throw bad('', 'is not an object');
  if (json.kind !== 'quiver-feature-pipeline') throw bad('kind', `${JSON.stringify(json.kind)} is not 'quiver-feature-pipeline'`);
  if (json.format !== 1) throw bad('format', `${JSON.stringify(json.format)} is not a supported format (1)`);
  if (typeof json.version !== 'string' || !/^[0-9a-f]{64}$/.test(json.version)) throw bad('version', 'must be a SHA-256 hex digest');
  if (!Array.isArray(json.input) || json.input.length === 0) throw bad('input', 'must list the input columns');
  json.input.forEach((f: unknown, i) => {
    if (!isObject(f) || typeof f.name !== 'string' || !TYPES.includes(f.type as string)) throw bad(`input[${i}]`, `must be { name, type } with type one of ${TYPES.join(', ')}`);
  });
  if (!Array.isArray(json.steps)) throw bad('steps', 'must be a list');
  json.steps.forEach((s: unknown, i) => {
    if (!isObject(s) || !(STEP_NAMES as readonly string[]).includes(s.step as string)) throw bad(`steps[${i}].step`, `must be one of ${STEP_NAMES.join(', ')}`);
    if (!isObject(s.spec)) throw bad(`steps[${i}].spec`, 'must be an object');
    names(s.inputs, `steps[${i}].inputs`);
    names(s.outputs, `steps[${i}].outputs`);
  });
  const features = names(json.features, 'features');
  if (typeof json.fittedRows !== 'number' || !Number.isInteger(json.fittedRows) || json.fittedRows < 0) throw bad('fittedRows', 'must be a whole number ≥ 0');
  const { version, ...content } = json;
  if (contentVersion(content) !== version) throw bad('version', 'does not match the content (the artifact was edited or damaged)');
  const p = json as unknown as FittedPipeline;
  p.steps.forEach((s: FittedStep, i) => STEPS[s.step as StepName].checkState(s.spec, s.state, `steps[${i}]`));
  let order: string[];
  try {
    order = outputOrder(p.input, p.steps);
  } catch (err) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `pipeline: its steps cannot run: ${(err as Error).message}`, { cause: err });
  }
  if (order.length !== features.length || order.some((n, i) => n !== features[i])) throw bad('features', 'do not match what the steps output');
  return p;
}
