/**
 * The job-spec JSON Schema, composed from each operator's stage schema. `quiver schema`
 * prints it and docs/job-spec.schema.json holds a copy users can point their editor at (a unit
 * test keeps the two equal).
 */
import { allOperators } from '../operators/registry.js';

export const SPEC_SCHEMA_ID = 'https://quiver.dev/schema/job-spec.json';

export const STAGE_ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';

export function jobSpecSchema(): Record<string, unknown> {
  const ops = allOperators();
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SPEC_SCHEMA_ID,
    title: 'quiver job spec',
    description: 'A batch job: named stages, each an operator reading the outputs of earlier stages.',
    type: 'object',
    required: ['name', 'stages'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'Optional: the schema URL or path, for editors.' },
      name: { type: 'string', pattern: STAGE_ID_PATTERN, description: 'Job name: letters, digits, _ and -, starting with a letter.' },
      description: { type: 'string', description: 'Free text shown in `quiver jobs`.' },
      defaults: {
        type: 'object',
        additionalProperties: false,
        description: 'Settings for every stage unless a stage overrides them.',
        properties: {
          shardRows: { type: 'integer', minimum: 1, maximum: 10_000_000, description: 'Target rows per Arrow shard (default 65536).' },
          maxAttempts: { type: 'integer', minimum: 1, maximum: 100, description: 'Deliveries of a failing task before the job fails (default 4).' },
        },
      },
      schedule: {
        type: 'object',
        required: ['cron'],
        additionalProperties: false,
        description: 'Run the job on a schedule: `quiver schedule add spec.yaml` hands it to the coordinator (or `quiver schedule local spec.yaml` runs it in-process). A run never starts while the previous one is still running.',
        properties: {
          cron: { type: 'string', minLength: 1, description: "Cron pattern: 5 fields ('0 2 * * *' = 02:00 daily) or 6 with seconds first." },
          timezone: { type: 'string', minLength: 1, description: 'IANA time zone of the pattern (default UTC), e.g. Europe/Berlin.' },
          retries: { type: 'integer', minimum: 0, maximum: 100, description: 'Extra runs after a failed run (default 2).' },
          retryDelay: { type: 'number', minimum: 0, maximum: 86400, description: 'Seconds between a failed run and its retry (default 60).' },
        },
      },
      stages: {
        type: 'array',
        minItems: 1,
        description: 'Stages in order; a stage may read only stages listed before it.',
        items: {
          type: 'object',
          required: ['id', 'op'],
          properties: {
            id: { type: 'string', pattern: STAGE_ID_PATTERN, description: 'Stage id, unique in the job.' },
            op: { enum: ops.map((o) => o.name), description: 'The operator this stage runs.' },
          },
          allOf: ops.map((o) => ({ if: { properties: { op: { const: o.name } }, required: ['op'] }, then: o.schema })),
        },
      },
    },
  };
}
