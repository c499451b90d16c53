/**
 * Makes relative local paths in a spec absolute (against the submitting CLI's directory), so a
 * coordinator and workers started elsewhere read and write the files the user meant. Which
 * fields are paths, each operator says in `pathFields`.
 */
import { isAbsolute, resolve } from 'node:path';
import { getOperator } from '../operators/registry.js';
import type { JobSpec, StageSpec } from './types.js';

function resolveOne(value: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || isAbsolute(value)) return value;
  const abs = resolve(base, value);
  return value.endsWith('/') && !abs.endsWith('/') ? `${abs}/` : abs;
}

function setPath(obj: Record<string, unknown>, path: string[], base: string): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in obj)) return;
  const v = obj[head];
  if (rest.length > 0) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) setPath(v as Record<string, unknown>, rest, base);
    return;
  }
  if (typeof v === 'string') obj[head] = resolveOne(v, base);
  else if (Array.isArray(v)) obj[head] = v.map((x) => (typeof x === 'string' ? resolveOne(x, base) : x));
}

export function resolveSpecPaths(spec: JobSpec, base: string): JobSpec {
  const copy = structuredClone(spec);
  copy.stages = copy.stages.map((stage: StageSpec) => {
    for (const field of getOperator(stage.op).pathFields ?? []) setPath(stage as Record<string, unknown>, field.split('.'), base);
    return stage;
  });
  return copy;
}
