/**
 * `write`: writes the input dataset's shards out as Parquet (default), CSV or Arrow IPC files,
 * one file per shard: `<uri>/part-<5-digit shard index>.<parquet|csv|arrow>`.
 *
 * ```yaml
 * - id: export
 *   op: write
 *   input: clean
 *   format: parquet
 *   uri: s3://exports/churn/2025-07-01/
 * ```
 *
 * The output dataset lists the written files (in shard order) with the input's schema.
 */
import { datasetOf } from '../dataset.js';
import type { ShardRef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { decodeTable } from '../arrow/ipc.js';
import { writeCsv } from '../formats/csv-write.js';
import { writeParquet } from '../formats/parquet.js';
import type { ParquetCompression } from '../formats/parquet.js';
import type { StageSpec } from '../spec/types.js';
import type { Operator } from './types.js';

export type WriteFormat = 'arrow' | 'csv' | 'parquet';

export interface WriteStage extends StageSpec {
  format?: WriteFormat;
  uri?: string;
  header?: boolean;
  delimiter?: string;
  compression?: ParquetCompression;
}

export interface WriteParams {
  format: WriteFormat;
  header: boolean;
  delimiter: string;
  compression: ParquetCompression;
}

const EXTENSION: Record<WriteFormat, string> = { arrow: 'arrow', csv: 'csv', parquet: 'parquet' };
const COMPRESSIONS: readonly ParquetCompression[] = ['zstd', 'snappy', 'gzip', 'none'];

function resolve(stage: StageSpec, path: string): WriteParams & { uri: string | undefined } {
  const s = stage as WriteStage;
  const bad = (msg: string): QuiverError => QuiverError.nonRetryable('SPEC_INVALID', `${path}.${msg}`);
  const format = s.format ?? 'parquet';
  if (!(format in EXTENSION)) throw bad(`format: use parquet, csv or arrow, got ${JSON.stringify(format)}`);
  if (s.uri !== undefined && (typeof s.uri !== 'string' || s.uri === '')) throw bad('uri: must be a directory path or s3:// prefix');
  if (s.header !== undefined && typeof s.header !== 'boolean') throw bad('header: must be true or false');
  const delimiter = s.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || /[\r\n"]/.test(delimiter)) throw bad(`delimiter: must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  const compression = s.compression ?? 'zstd';
  if (!COMPRESSIONS.includes(compression)) throw bad(`compression: use one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(compression)}`);
  return { format, uri: s.uri, header: s.header ?? true, delimiter, compression };
}

export const writeOperator: Operator = {
  name: 'write',
  summary: 'write the input dataset as Parquet, CSV or Arrow files, one per shard, under a directory or s3:// prefix',
  arity: { min: 1, max: 1 },
  pathFields: ['uri'],
  schema: {
    type: 'object',
    required: ['id', 'op', 'input'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      op: { const: 'write' },
      input: {
        description: 'The stage whose output to write.',
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1 }],
      },
      format: { enum: ['parquet', 'csv', 'arrow'], default: 'parquet', description: 'File format of the written files.' },
      uri: { type: 'string', minLength: 1, description: "Directory (local path or s3:// prefix) to write into; default: the stage's own folder in the job store." },
      header: { type: 'boolean', default: true, description: 'CSV: write a header row.' },
      delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',', description: 'CSV: field delimiter.' },
      compression: { enum: [...COMPRESSIONS], default: 'zstd', description: 'Parquet: compression codec.' },
    },
  },
  async plan(ctx) {
    const { uri, ...params } = resolve(ctx.stage, ctx.path);
    const input = ctx.inputs[0];
    if (input === undefined) throw QuiverError.nonRetryable('SPEC_INVALID', `${ctx.path}.input: write needs one input stage`);
    const dir = uri ?? ctx.stagePrefix;
    const outputPrefix = dir.endsWith('/') ? dir : `${dir}/`;
    return { tasks: input.shards.map((s) => ({ inputs: [{ uri: s.uri }], params, outputPrefix })) };
  },
  async output(ctx, done) {
    const shards: ShardRef[] = done.flatMap((phase) => phase.tasks.flatMap((t) => t.shards));
    return datasetOf(shards, ctx.inputs[0]?.schema ?? { fields: [] });
  },
  kernel({ task, inputs }) {
    const p = task.params as WriteParams;
    const input = inputs[0];
    if (input === undefined) throw QuiverError.nonRetryable('INTERNAL', `write task ${task.id} has no input bytes`);
    const table = decodeTable(input, `shard ${task.inputs[0]?.uri ?? ''}`);
    let bytes: Uint8Array;
    switch (p.format) {
      case 'arrow':
        bytes = input;
        break;
      case 'csv':
        bytes = writeCsv(table, { header: p.header, delimiter: p.delimiter });
        break;
      case 'parquet':
        bytes = writeParquet(table, { compression: p.compression });
        break;
      default:
        throw QuiverError.nonRetryable('INTERNAL', `write task ${task.id} has unknown format ${JSON.stringify(p.format)}; re-plan the job`);
    }
    const rows = table.numRows;
    return {
      objects: [{ name: `part-${String(task.index).padStart(5, '0')}.${EXTENSION[p.format]}`, bytes, rows }],
      stats: { rowsIn: rows, rowsOut: rows, quarantined: 0 },
    };
  },
};
