/**
 * Loading and validating stream specs (YAML or JSON): the JSON Schema first (ajv, like job
 * specs), then what a schema cannot say: the time field is a timestamp of the schema, window
 * fields are numeric, alert rules are complete and their expressions type-check. Every error
 * names the field path (`window.fields[1]`, `alerts[0].when`) and what to write instead.
 * The result is a {@link StreamPlan}: defaults filled in, durations in ms.
 *
 * ```ts
 * const plan = await loadStreamSpec('streams/sensors.yaml');
 * plan.window?.sizeMs; // 60000
 * ```
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FieldDef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { describeSchemaError, fieldPath, parseDocument, readSpecFile } from '../spec/load.js';
import { compileAlertRules } from './alerts.js';
import { parseDuration } from './duration.js';
import { streamSpecSchema } from './spec-schema.js';
import type { AlertRulePlan, FieldSpec, StreamPlan, StreamSpec, WindowPlan } from './types.js';
import { WINDOW_COUNT, WINDOW_END, WINDOW_START, windowSchema } from './windows.js';

export const STREAM_DEFAULTS = Object.freeze({ maxRows: 10_000, maxMs: 5_000, allowedLatenessMs: 0 });

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  validator ??= new Ajv2020({ allErrors: true, strict: false }).compile(streamSpecSchema());
  return validator;
}


/** Stream specs name the pattern a field must match; the rest reads as for job specs. */
function describeStreamError(err: ErrorObject): string {
  if (err.keyword === 'pattern') return `${fieldPath(err.instancePath)}: must match ${String((err.params as { pattern?: unknown }).pattern)}`;
  return describeSchemaError(err);
}

function fail(source: string, problems: readonly string[]): never {
  throw QuiverError.nonRetryable('SPEC_INVALID', `${source} is invalid:\n  - ${problems.join('\n  - ')}`, { details: { errors: problems } });
}

function fieldsOf(schema: Record<string, FieldSpec>): FieldDef[] {
  return Object.entries(schema).map(([name, f]) => (typeof f === 'string' ? { name, type: f, nullable: false } : { name, type: f.type, nullable: f.nullable === true }));
}

function checkWindow(spec: StreamSpec, fields: FieldDef[], problems: string[]): WindowPlan | undefined {
  const w = spec.window;
  if (w === undefined) return undefined;
  const sizeMs = parseDuration(w.size, 'window.size', 'SPEC_INVALID');
  if (sizeMs < 1) problems.push('window.size: must be at least 1ms, e.g. 1m');
  const latenessMs = w.allowedLateness === undefined ? STREAM_DEFAULTS.allowedLatenessMs : parseDuration(w.allowedLateness, 'window.allowedLateness', 'SPEC_INVALID');
  const numeric = fields.filter((f) => (f.type === 'int' || f.type === 'float') && f.name !== spec.key && f.name !== spec.time).map((f) => f.name);
  const chosen = w.fields ?? numeric;
  (w.fields ?? []).forEach((name, i) => {
    const f = fields.find((x) => x.name === name);
    if (f === undefined) problems.push(`window.fields[${i}]: "${name}" is not a field of schema; numeric fields are: ${numeric.join(', ') || '(none)'}`);
    else if (f.type !== 'int' && f.type !== 'float') problems.push(`window.fields[${i}]: "${name}" is ${f.type}; only int and float fields can be aggregated`);
  });
  if (w.fields === undefined && numeric.length === 0) problems.push('window: the schema has no int or float field to aggregate; add one or drop window');
  const reserved = new Set([WINDOW_START, WINDOW_END, WINDOW_COUNT]);
  if (reserved.has(spec.key)) problems.push(`key: "${spec.key}" collides with a window column (${[...reserved].join(', ')}); rename the field`);
  return { sizeMs, latenessMs, fields: chosen };
}

function checkAlerts(spec: StreamSpec, problems: string[]): AlertRulePlan[] {
  const names = new Set<string>();
  return (spec.alerts ?? []).map((a, i) => {
    const path = `alerts[${i}]`;
    const name = a.name ?? `alert${i}`;
    if (names.has(name)) problems.push(`${path}.name: "${name}" is used by an earlier rule; names must be unique`);
    names.add(name);
    const plan: AlertRulePlan = { name, path };
    if (a.publish !== undefined) {
      plan.publish = a.publish;
      if (spec.source.kind === 'nats' && !('subject' in a.publish)) problems.push(`${path}.publish: the source is NATS, so alerts go to a subject: publish: { subject: alerts.${name} }`);
      if (spec.source.kind === 'mqtt' && !('topic' in a.publish)) problems.push(`${path}.publish: the source is MQTT, so alerts go to a topic: publish: { topic: alerts/${name} }`);
    }
    const threshold = a.field !== undefined || a.stat !== undefined || a.above !== undefined || a.below !== undefined;
    if (threshold && a.when !== undefined) {
      problems.push(`${path}: give either field + stat + above/below, or when: <expression>, not both`);
    } else if (a.when !== undefined) {
      plan.when = a.when;
    } else if (!threshold) {
      problems.push(`${path}: give field + stat + above/below (e.g. { field: temperature, stat: max, above: 80 }) or when: <expression>`);
    } else {
      if (a.field === undefined) problems.push(`${path}: missing required field "field"`);
      if (a.stat === undefined) problems.push(`${path}: missing required field "stat" (count, mean, min or max)`);
      if (a.above === undefined && a.below === undefined) problems.push(`${path}: give above and/or below`);
      if (a.field !== undefined && a.stat !== undefined) {
        plan.threshold = { field: a.field, stat: a.stat };
        if (a.above !== undefined) plan.threshold.above = a.above;
        if (a.below !== undefined) plan.threshold.below = a.below;
      }
    }
    return plan;
  });
}

/** Validates a parsed spec; returns the plan or throws SPEC_INVALID listing every problem. */
export function validateStreamSpec(value: unknown, source = 'stream spec'): StreamPlan {
  const validate = getValidator();
  if (!validate(value)) fail(source, [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describeStreamError))]);
  const spec = value as StreamSpec;
  const problems: string[] = [];
  const fields = fieldsOf(spec.schema);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const time = byName.get(spec.time);
  if (time === undefined) problems.push(`time: "${spec.time}" is not a field of schema; declare it, e.g. ${spec.time}: timestamp`);
  else if (time.type !== 'timestamp') problems.push(`time: field "${spec.time}" is ${time.type}; the event-time field must be a timestamp`);
  const key = byName.get(spec.key);
  if (key === undefined) problems.push(`key: "${spec.key}" is not a field of schema; fields are: ${fields.map((f) => f.name).join(', ')}`);
  const maxMs = spec.batch?.maxMs === undefined ? STREAM_DEFAULTS.maxMs : parseDuration(spec.batch.maxMs, 'batch.maxMs', 'SPEC_INVALID');
  if (maxMs < 1) problems.push('batch.maxMs: must be at least 1ms, e.g. 5s');
  const window = checkWindow(spec, fields, problems);
  const alerts = checkAlerts(spec, problems);
  if (alerts.length > 0 && window === undefined) problems.push('alerts: alert rules run on closed windows; add window: { size: 1m }');
  if (problems.length > 0) fail(source, problems);
  if (window !== undefined && key !== undefined) {
    try {
      compileAlertRules(alerts, windowSchema(key, window.fields), { stream: spec.name, key: spec.key, fields: window.fields });
    } catch (err) {
      fail(source, [(err as Error).message]);
    }
  }
  return {
    name: spec.name,
    source: spec.source,
    // The event time is never null: a reading without one cannot be placed in a window or a partition.
    fields: fields.map((f) => (f.name === spec.time ? { ...f, nullable: false } : f)),
    time: spec.time,
    key: spec.key,
    batch: { maxRows: spec.batch?.maxRows ?? STREAM_DEFAULTS.maxRows, maxMs },
    window,
    alerts,
    output: spec.output,
  };
}

/** Parses YAML or JSON text and validates it. */
export function parseStreamSpec(text: string, source = 'stream spec'): StreamPlan {
  return validateStreamSpec(parseDocument(text, source), source);
}

export async function loadStreamSpec(path: string): Promise<StreamPlan> {
  return parseStreamSpec(await readSpecFile(path, 'stream spec'), path);
}
