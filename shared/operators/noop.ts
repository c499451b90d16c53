/**
 * `noop`: N empty tasks that read and write nothing. Measures the cost of the machinery itself
 * (plan → bus → worker pool → result → commit) and checks a cluster end to end.
 */
import { datasetOf } from '../dataset.js';
import type { Operator } from './types.js';

interface NoopStage {
  tasks?: number;
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
    },
  },
  async plan(ctx) {
    const n = (ctx.stage as NoopStage).tasks ?? 1;
    return { tasks: Array.from({ length: n }, () => ({ inputs: [], params: {} })) };
  },
  async output() {
    return datasetOf([], { fields: [] });
  },
  kernel() {
    return { objects: [], stats: { rowsIn: 0, rowsOut: 0, quarantined: 0 } };
  },
};
