/**
 * Loading and validating job specs (YAML or JSON). Validation runs before anything else: the
 * JSON Schema first, then what a schema cannot say (unique ids, inputs that name earlier
 * stages, operator arity). Every error names the field path (`stages[2].aggs[0].fn`) and what
 * is allowed.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { Cron } from 'croner';
import { QuiverError } from '../errors.js';
import { getOperator } from '../operators/registry.js';
import { jobSpecSchema } from './schema.js';
import type { JobSpec, ScheduleSpec } from './types.js';
import { stageInputs } from './types.js';

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    validator = ajv.compile(jobSpecSchema());
  }
  return validator;
}

/** `/stages/2/aggs/0/fn` → `stages[2].aggs[0].fn` */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out === '' ? '(top level)' : out;
}

/** One ajv error as `field.path: what is wrong` (shared by the job and stream specs). */
export function describeSchemaError(err: ErrorObject): string {
  const path = fieldPath(err.instancePath);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties':
      return `${path}: unknown field "${String(p.additionalProperty)}"`;
    case 'required':
      return `${path}: missing required field "${String(p.missingProperty)}"`;
    case 'enum':
      return `${path}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${path}: must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return `${path}: ${err.message ?? 'is invalid'}`;
  }
}

/** Validates a parsed spec object; returns it typed or throws SPEC_INVALID listing every problem. */
export function validateSpec(value: unknown, source = 'job spec'): JobSpec {
  const validate = getValidator();
  if (!validate(value)) {
    const lines = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describeSchemaError))];
    throw QuiverError.nonRetryable('SPEC_INVALID', `${source} is invalid:\n  - ${lines.join('\n  - ')}`, { details: { errors: lines } });
  }
  const spec = value as JobSpec;
  const problems: string[] = [];
  const seen = new Set<string>();
  spec.stages.forEach((stage, i) => {
    const path = `stages[${i}]`;
    if (seen.has(stage.id)) problems.push(`${path}.id: "${stage.id}" is used by an earlier stage; stage ids must be unique`);
    const inputs = stageInputs(stage);
    for (const input of inputs) {
      if (!seen.has(input)) {
        const earlier = [...seen];
        problems.push(
          `${path}.input: "${input}" is not an earlier stage; ` +
            (earlier.length > 0 ? `use one of: ${earlier.join(', ')}` : 'the first stage takes no input (use an ingest stage)'),
        );
      }
    }
    const op = getOperator(stage.op);
    if (inputs.length < op.arity.min || inputs.length > op.arity.max) {
      const want = op.arity.min === op.arity.max ? `${op.arity.min}` : `${op.arity.min} to ${op.arity.max}`;
      problems.push(`${path}.input: operator "${stage.op}" takes ${want} input stage(s), got ${inputs.length}`);
    }
    seen.add(stage.id);
  });
  if (spec.schedule !== undefined) problems.push(...checkSchedule(spec.schedule));
  if (problems.length > 0) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${source} is invalid:\n  - ${problems.join('\n  - ')}`, { details: { errors: problems } });
  }
  return spec;
}

/** The cron pattern parses and the time zone exists. */
function checkSchedule(schedule: ScheduleSpec): string[] {
  const problems: string[] = [];
  const timezone = schedule.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    problems.push(`schedule.timezone: unknown time zone ${JSON.stringify(timezone)}; use an IANA name such as UTC or Europe/Berlin`);
    return problems;
  }
  try {
    new Cron(schedule.cron, { paused: true, timezone }).stop();
  } catch (err) {
    problems.push(`schedule.cron: ${(err as Error).message.replace(/^CronPattern: /, '')}; e.g. '0 2 * * *' (02:00 daily) or '*/30 * * * * *' (every 30 s)`);
  }
  return problems;
}

/** YAML or JSON text (JSON is YAML) as a plain value; SPEC_INVALID naming `source` when it does not parse. */
export function parseDocument(text: string, source: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${source} is not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** The text of a spec file; NOT_FOUND saying which kind of spec (`job spec`, `stream spec`) could not be read. */
export async function readSpecFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw QuiverError.nonRetryable('NOT_FOUND', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseSpec(text: string, source = 'job spec'): JobSpec {
  return validateSpec(parseDocument(text, source), source);
}

export async function loadSpec(path: string): Promise<JobSpec> {
  return parseSpec(await readSpecFile(path, 'job spec'), path);
}
