/**
 * The registry of operators: the only module that names them all. Workers look kernels up
 * here by the task's `op`; the planner looks up the coordinator halves; the job-spec schema
 * is composed from each operator's stage schema.
 */
import { QuiverError } from '../errors.js';
import type { Operator } from './types.js';
import { aggregateOperator } from './aggregate.js';
import { cleanseOperator } from './cleanse.js';
import { dedupeOperator } from './dedupe.js';
import { deriveOperator } from './derive.js';
import { featuresOperator } from './features.js';
import { filterOperator } from './filter.js';
import { ingestOperator } from './ingest.js';
import { joinOperator } from './join.js';
import { noopOperator } from './noop.js';
import { profileOperator } from './profile.js';
import { recommendOperator } from './recommend.js';
import { selectOperator } from './select.js';
import { sinkOperator } from './sink.js';
import { trainOperator } from './train.js';
import { validateOperator } from './validate.js';
import { writeOperator } from './write.js';

const operators: ReadonlyMap<string, Operator> = new Map(
  [ingestOperator, deriveOperator, filterOperator, selectOperator, aggregateOperator, validateOperator, cleanseOperator, dedupeOperator, profileOperator, joinOperator, featuresOperator, trainOperator, recommendOperator, writeOperator, sinkOperator, noopOperator].map((op) => [op.name, op]),
);

export function operatorNames(): string[] {
  return [...operators.keys()];
}

export function allOperators(): Operator[] {
  return [...operators.values()];
}

export function getOperator(name: string): Operator {
  const op = operators.get(name);
  if (op === undefined) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `unknown operator "${name}"; use one of: ${operatorNames().join(', ')}`);
  }
  return op;
}

/** The operator of that name, or undefined (for reading old job states). */
export function getOperatorIfKnown(name: string): Operator | undefined {
  return operators.get(name);
}
