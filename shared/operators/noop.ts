/**
 * `noop`: N empty tasks that read and write nothing. Measures the cost of the machinery itself
 * (plan → bus → worker pool → result → commit) and checks a cluster end to end.
 */
import { datasetOf } from '../dataset.js';
import type { Operator } from './types.js';

interface NoopStage {
  tasks?: number;
  sleepMs?: number;
}

export const noopOperator: Operator = {
  name: 'noop',
  summary: 'N empty tasks: measures dispatch overhead and checks a cluster end to end',
  arity: { min: 0, max: 1 },
  schema: {
    type: 'object',
    required: ['id', 'op'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      op: { const: 'noop' },
      input: { description: 'Optional: ignored; lets a noop stage follow another stage.', oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      tasks: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1, description: 'How many empty tasks to run.' },
      sleepMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 0, description: 'Each task waits this long (to try out scheduling, cancelling and draining).' },
    },
  },
  async plan(ctx) {
    const { tasks = 1, sleepMs = 0 } = ctx.stage as NoopStage;
    return { tasks: Array.from({ length: tasks }, () => ({ inputs: [], params: { sleepMs } })) };
  },
  async output() {
    return datasetOf([], { fields: [] });
  },
  async kernel({ task }) {
    const sleepMs = (task.params as { sleepMs?: number } | null)?.sleepMs ?? 0;
    if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
    return { objects: [], stats: { rowsIn: 0, rowsOut: 0, quarantined: 0 } };
  },
};
