/**
 * The JSON Schema of a stream spec (`quiver stream spec.yaml`). What a schema cannot say (the
 * time field is a timestamp, window fields are numeric, alert expressions type-check) is
 * checked afterwards in ./spec.ts.
 *
 * ```ts
 * const ajv = new Ajv2020({ allErrors: true, strict: false });
 * const validate = ajv.compile(streamSpecSchema());
 * ```
 */
import { secretSchema } from '../connectors/secrets.js';
import { DURATION_PATTERN } from './duration.js';

export const STREAM_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
export const FIELD_TYPES = ['string', 'int', 'float', 'bool', 'timestamp'] as const;
export const WINDOW_STATS = ['count', 'mean', 'min', 'max'] as const;

const duration = (description: string): Record<string, unknown> => ({
  description: `${description} A duration such as 500ms, 10s, 1m, 2h, 1d, or a number of ms.`,
  oneOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: DURATION_PATTERN },
  ],
});

const qos = { enum: [0, 1, 2], description: 'MQTT quality of service: 0 at most once, 1 at least once, 2 exactly once between client and broker.' };

export function streamSpecSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'quiver stream spec',
    description: 'Streaming ingestion: messages from MQTT or NATS, micro-batched into Arrow shards, with windowed aggregates and alerts.',
    type: 'object',
    required: ['name', 'source', 'schema', 'time', 'key', 'output'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', pattern: STREAM_NAME_PATTERN, description: 'Stream name: letters, digits, _ and -, starting with a letter.' },
      description: { type: 'string' },
      source: {
        type: 'object',
        required: ['kind'],
        properties: { kind: { enum: ['mqtt', 'nats'], description: 'mqtt or nats (core NATS subscription).' } },
        allOf: [
          {
            if: { properties: { kind: { const: 'mqtt' } }, required: ['kind'] },
            then: {
              required: ['url', 'topic'],
              additionalProperties: false,
              properties: {
                kind: { const: 'mqtt' },
                url: { type: 'string', pattern: '^(mqtts?|wss?|tcp|ssl)://', description: 'Broker URL, e.g. mqtt://127.0.0.1:1883.' },
                topic: { type: 'string', minLength: 1, description: 'Topic filter; + and # wildcards allowed.' },
                qos,
                clientId: { type: 'string', minLength: 1, maxLength: 128 },
                username: { type: 'string', minLength: 1 },
                password: secretSchema('MQTT password.'),
              },
            },
          },
          {
            if: { properties: { kind: { const: 'nats' } }, required: ['kind'] },
            then: {
              required: ['servers', 'subject'],
              additionalProperties: false,
              properties: {
                kind: { const: 'nats' },
                servers: {
                  description: 'NATS server URL(s), e.g. nats://127.0.0.1:4222.',
                  oneOf: [
                    { type: 'string', minLength: 1 },
                    { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
                  ],
                },
                subject: { type: 'string', minLength: 1, pattern: '^[^\\s]+$', description: 'Subject; * and > wildcards allowed.' },
                queue: { type: 'string', minLength: 1, pattern: '^[^\\s]+$' },
                token: secretSchema('NATS token.'),
                user: { type: 'string', minLength: 1 },
                pass: secretSchema('NATS password.'),
              },
            },
          },
        ],
      },
      schema: {
        type: 'object',
        minProperties: 1,
        description: 'Fields of a reading, name → type (string, int, float, bool, timestamp) or { type, nullable }.',
        additionalProperties: {
          oneOf: [
            { enum: FIELD_TYPES },
            {
              type: 'object',
              required: ['type'],
              additionalProperties: false,
              properties: { type: { enum: FIELD_TYPES }, nullable: { type: 'boolean' } },
            },
          ],
        },
      },
      time: { type: 'string', minLength: 1, description: 'Event-time field: a timestamp field of the schema.' },
      key: { type: 'string', minLength: 1, description: 'Field windows are kept per, e.g. device_id.' },
      batch: {
        type: 'object',
        additionalProperties: false,
        properties: {
          maxRows: { type: 'integer', minimum: 1, maximum: 10_000_000, description: 'Rows per shard before it is written (default 10000).' },
          maxMs: duration('Longest a row waits in memory before its batch is written (default 5s).'),
        },
      },
      window: {
        type: 'object',
        required: ['size'],
        additionalProperties: false,
        properties: {
          size: duration('Tumbling window length, aligned to the epoch (1m windows start on whole minutes, UTC).'),
          allowedLateness: duration('How far behind the newest event time a reading may be and still count (default 0s).'),
          fields: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 }, description: 'Numeric fields to aggregate (default: every int and float field).' },
        },
      },
      alerts: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: STREAM_NAME_PATTERN },
            field: { type: 'string', minLength: 1 },
            stat: { enum: WINDOW_STATS },
            above: { type: 'number' },
            below: { type: 'number' },
            when: { type: 'string', minLength: 1, description: 'A bool expression over the window row, e.g. temperature_max > 80.' },
            publish: {
              description: 'Where to publish the alert as JSON, on the source connection: { subject } for NATS, { topic } for MQTT.',
              oneOf: [
                { type: 'object', required: ['subject'], additionalProperties: false, properties: { subject: { type: 'string', minLength: 1, pattern: '^[^\\s*>]+$' } } },
                {
                  type: 'object',
                  required: ['topic'],
                  additionalProperties: false,
                  properties: { topic: { type: 'string', minLength: 1, pattern: '^[^+#]+$' }, qos, retain: { type: 'boolean' } },
                },
              ],
            },
          },
        },
      },
      output: { type: 'string', minLength: 1, description: 'Store URI (s3://bucket/prefix) or local folder the shards go under.' },
    },
  };
}
