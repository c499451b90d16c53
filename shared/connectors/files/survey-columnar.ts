/**
 * Surveying a columnar file from its metadata alone (no data pages read at plan time):
 *  - Arrow IPC file: the footer at the end (schema and batch offsets); consecutive
 *    record batches are grouped into tasks of ~ARROW_TASK_BYTES (files with dictionary batches,
 *    and Arrow streams, which have no footer, are one task each);
 *  - Parquet: the footer (schema via parquet-wasm, row-group row counts via parquet-footer.ts);
 *    consecutive row groups are grouped into tasks of ≥ shardRows rows. parquet-wasm reads from
 *    memory, so each Parquet task fetches the whole file and decodes only its row groups.
 *
 * ```ts
 * const s = await surveyColumnar(store, probed, opts, true);
 * ```
 */
import { ARROW_TRAILER, arrowFileLayout, arrowStreamSchema, messageLength } from '../../formats/arrow-file.js';
import { schemaOfArrow } from '../../formats/arrow-convert.js';
import { footerLength, parquetRowGroups } from '../../formats/parquet-footer.js';
import { parquetSchemaOf } from '../../formats/parquet.js';
import { QuiverError } from '../../errors.js';
import type { ObjectStore } from '../../store/types.js';
import type { ProbedFile } from './probe.js';
import type { IngestOptions } from './spec.js';
import type { Survey, TaskPart } from './survey-text.js';

/** Bytes of record batches an Arrow task reads (a batch bigger than this is a task of its own). */
export const ARROW_TASK_BYTES = 64 << 20;

async function surveyArrow(store: ObjectStore, file: ProbedFile, split: boolean): Promise<Survey> {
  const what = `"${file.uri}"`;
  if (file.arrowStream) {
    const prefix = await store.getRange(file.uri, 0, 8);
    if (prefix.length < 8) throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is too short to be an Arrow IPC stream; check that it was written completely`);
    const head = await store.getRange(file.uri, 0, Math.max(8, messageLength(prefix, 0)));
    const schema = schemaOfArrow(arrowStreamSchema(head, what));
    const parts: TaskPart[] = split ? [{ inputs: [{ uri: file.uri }], params: { line: 1 } }] : [];
    return { file, columns: schema.fields.map((f) => f.name), schema, sampleRows: 1, parts };
  }
  const trailer = await store.getRange(file.uri, file.size - ARROW_TRAILER, file.size);
  const footerLen = trailer.length === ARROW_TRAILER ? new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength).getInt32(0, true) : -1;
  const tailStart = footerLen > 0 && footerLen < file.size ? file.size - ARROW_TRAILER - footerLen : file.size - ARROW_TRAILER;
  const tail = await store.getRange(file.uri, Math.max(0, tailStart), file.size);
  const layout = arrowFileLayout(tail, file.size, what);
  const schema = schemaOfArrow(layout.schema);
  const parts: TaskPart[] = [];
  if (split && layout.batches.length > 0) {
    if (layout.dictionaries || layout.batches.length === 1) parts.push({ inputs: [{ uri: file.uri }], params: { line: 1 } });
    else {
      let first = 0;
      for (let i = 0; i < layout.batches.length; i++) {
        const b = layout.batches[i]!;
        const start = layout.batches[first]!.start;
        const last = i === layout.batches.length - 1;
        // Batches are cut where the next one does not follow on directly, or the group is big enough.
        const next = layout.batches[i + 1];
        if (last || b.end - start >= ARROW_TASK_BYTES || next!.start !== b.end) {
          parts.push({
            inputs: [
              { uri: file.uri, start: layout.footerStart, end: layout.footerEnd },
              { uri: file.uri, start, end: b.end },
            ],
            params: { line: 1, arrowParts: true, batches: [first, i] },
          });
          first = i + 1;
        }
      }
    }
  }
  return { file, columns: schema.fields.map((f) => f.name), schema, sampleRows: layout.batches.length, parts };
}

async function surveyParquet(store: ObjectStore, file: ProbedFile, opts: IngestOptions, split: boolean): Promise<Survey> {
  const what = `"${file.uri}"`;
  const last8 = await store.getRange(file.uri, Math.max(0, file.size - 8), file.size);
  const len = footerLength(last8);
  if (len <= 0 || len > file.size - 12) {
    throw QuiverError.nonRetryable('INPUT_INVALID', `${what} is not a complete Parquet file (no valid footer at its end: truncated?); re-create or re-download it`);
  }
  const footer = await store.getRange(file.uri, file.size - 8 - len, file.size - 8);
  const { rows, rowGroups } = parquetRowGroups(footer, what);
  const schema = schemaOfArrow(parquetSchemaOf(footer, what));
  const parts: TaskPart[] = [];
  if (split) {
    let group: number[] = [];
    let groupRows = 0;
    let firstRow = 1;
    rowGroups.forEach((n, i) => {
      group.push(i);
      groupRows += n;
      if (groupRows >= opts.shardRows || i === rowGroups.length - 1) {
        if (groupRows > 0) parts.push({ inputs: [{ uri: file.uri }], params: { line: firstRow, rows: groupRows, rowGroups: group } });
        firstRow += groupRows;
        group = [];
        groupRows = 0;
      }
    });
  }
  return { file, columns: schema.fields.map((f) => f.name), schema, sampleRows: rows, parts };
}

export async function surveyColumnar(store: ObjectStore, file: ProbedFile, opts: IngestOptions, split: boolean): Promise<Survey> {
  return file.format === 'parquet' ? surveyParquet(store, file, opts, split) : surveyArrow(store, file, split);
}
