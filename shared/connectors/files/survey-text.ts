/**
 * Surveying a text file (CSV/TSV, NDJSON, JSON array): a sample to infer its columns and types,
 * and its tasks. A plain file in UTF-8 or a single-byte encoding streams once through the
 * splitter for its format and becomes row-aligned byte ranges of ~shardRows rows; a gzip or
 * UTF-16 file cannot be cut and is one task (which may write several shards).
 *
 * ```ts
 * const s = await surveyText(store, probed, opts, true);
 * // { columns, schema, sampleRows, parts: [{ inputs: [{ uri, start, end }], params: { line, rows, offset } }] }
 * ```
 */
import type { SchemaDef } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { isWide, toUtf8 } from '../../formats/encoding.js';
import { inferCsvSchema } from '../../formats/infer.js';
import { inferJsonArraySchema, notArrayError } from '../../formats/json-read.js';
import { JsonArraySplitter } from '../../formats/json-split.js';
import type { JsonShapeProblem } from '../../formats/json-split.js';
import { inferNdjsonSchema } from '../../formats/ndjson-read.js';
import { RowSplitter } from '../../formats/split.js';
import type { RowRange } from '../../formats/split.js';
import type { ObjectStore } from '../../store/types.js';
import type { InputRef } from '../../task.js';
import type { ProbedFile } from './probe.js';
import type { IngestOptions, IngestParams } from './spec.js';

/** Bytes of an uncompressed file kept as its inference sample (enough for 10k typical rows). */
export const SAMPLE_BYTES = 4 << 20;

/** One task of a file, before the stage-wide params are filled in. */
export interface TaskPart {
  inputs: InputRef[];
  params: Partial<IngestParams>;
}

export interface Survey {
  file: ProbedFile;
  /** CSV: column names in file order. */
  columns: string[];
  schema: SchemaDef;
  sampleRows: number;
  parts: TaskPart[];
  /** Something the user should hear about that is not an error (a JSON array that never closes). */
  note?: string;
}

interface Splitter {
  push(chunk: Uint8Array): void;
  finish(): { ranges: RowRange[]; bytes: number; problem?: JsonShapeProblem | null };
}

function splitterFor(file: ProbedFile, opts: IngestOptions): Splitter {
  if (file.format === 'json') return new JsonArraySplitter({ rowsPerRange: opts.shardRows });
  return new RowSplitter({
    rowsPerRange: opts.shardRows,
    delimiter: file.delimiter,
    quote: file.format === 'csv' ? opts.quote : null,
    header: file.format === 'csv' && opts.header,
  });
}

/**
 * The inference sample of a line-based file (CSV, NDJSON): whole lines, up to SAMPLE_BYTES,
 * skipping lines longer than maxRecordBytes (their records are quarantined, so they must not
 * shape the schema; a file whose first record is huge still yields the next ones to infer
 * from). Holds at most one line of maxRecordBytes besides the sample.
 */
class LineSampler {
  private readonly parts: Uint8Array[] = [];
  private kept = 0;
  private line: Uint8Array[] = [];
  private lineBytes = 0;
  private skipping = false;
  private full = false;
  constructor(private readonly maxRecordBytes: number) {}

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (!this.full && pos < chunk.length) {
      const nl = chunk.indexOf(0x0a, pos);
      const end = nl < 0 ? chunk.length : nl + 1;
      if (!this.skipping) {
        this.lineBytes += end - pos;
        if (this.lineBytes > this.maxRecordBytes + 2) {
          this.skipping = true;
          this.line = [];
        } else this.line.push(chunk.slice(pos, end));
      }
      if (nl >= 0) this.endLine();
      pos = end;
    }
  }

  private endLine(): void {
    if (!this.skipping && this.lineBytes > 0) {
      if (this.kept + this.lineBytes > SAMPLE_BYTES && this.kept > 0) this.full = true;
      else {
        this.parts.push(...this.line);
        this.kept += this.lineBytes;
      }
    }
    this.line = [];
    this.lineBytes = 0;
    this.skipping = false;
  }

  /** The sample, and whether it holds every (short enough) line of the file. */
  finish(): { sample: Uint8Array; complete: boolean } {
    if (!this.full) this.endLine();
    return { sample: Buffer.concat(this.parts, this.kept), complete: !this.full };
  }
}

/** Streams the file through its splitter and its sampler (JSON arrays: the first SAMPLE_BYTES). */
async function splitWithSample(store: ObjectStore, file: ProbedFile, opts: IngestOptions): Promise<{ sample: Uint8Array; complete: boolean; ranges: RowRange[]; problem: JsonShapeProblem | null }> {
  const splitter = splitterFor(file, opts);
  const lines = file.format === 'json' ? null : new LineSampler(opts.maxRecordBytes);
  const parts: Uint8Array[] = [];
  let kept = 0;
  for await (const chunk of await store.stream(file.uri)) {
    splitter.push(chunk);
    if (lines !== null) lines.push(chunk);
    else if (kept < SAMPLE_BYTES) {
      const take = chunk.subarray(0, SAMPLE_BYTES - kept);
      parts.push(take.slice());
      kept += take.length;
    }
  }
  const result = splitter.finish();
  const { sample, complete } = lines?.finish() ?? { sample: Buffer.concat(parts, kept), complete: result.bytes <= SAMPLE_BYTES };
  return { sample, complete, ranges: result.ranges, problem: result.problem ?? null };
}

/** The sample as UTF-8; a UTF-16 sample cut inside a character loses that character. */
function transcodeSample(sample: Uint8Array, file: ProbedFile): Uint8Array {
  if (file.encoding === 'utf-8') return sample;
  if (!isWide(file.encoding)) return toUtf8(sample, file.encoding, `"${file.uri}"`);
  const even = sample.subarray(0, sample.length & ~1);
  try {
    return toUtf8(even, file.encoding, `"${file.uri}"`);
  } catch (err) {
    if (even.length < 2) throw err;
    return toUtf8(even.subarray(0, even.length - 2), file.encoding, `"${file.uri}"`);
  }
}

function checkJsonShape(problem: JsonShapeProblem | null, file: ProbedFile): string | undefined {
  if (problem === null) return undefined;
  if (problem.kind === 'not-array') throw notArrayError(file.uri, problem.found);
  if (problem.kind === 'trailing') {
    throw QuiverError.nonRetryable(
      'INPUT_INVALID',
      `"${file.uri}" has text after the end of its JSON array on line ${problem.line}; a JSON file must hold exactly one array (for one object per line use format: ndjson)`,
    );
  }
  return `"${file.uri}": the JSON array never closes (the file ends on line ${problem.line}: truncated?); its complete elements are read and a cut-off last element is quarantined`;
}

export async function surveyText(store: ObjectStore, file: ProbedFile, opts: IngestOptions, split: boolean): Promise<Survey> {
  const whole = file.gzip || isWide(file.encoding);
  let sample: Uint8Array;
  let complete: boolean;
  let ranges: RowRange[] = [];
  let note: string | undefined;
  if (file.empty) {
    sample = new Uint8Array(0);
    complete = true;
  } else if (file.gzipSample !== null) {
    ({ bytes: sample, complete } = file.gzipSample);
  } else if (whole || !split) {
    sample = await store.getRange(file.uri, 0, SAMPLE_BYTES);
    complete = file.size <= SAMPLE_BYTES;
  } else {
    const r = await splitWithSample(store, file, opts);
    ({ sample, complete, ranges } = r);
    if (file.format === 'json') note = checkJsonShape(r.problem, file);
  }
  const text = transcodeSample(sample, file);
  const nullValues = opts.nullValues;
  let info: { columns: string[]; schema: SchemaDef; rows: number };
  if (file.format === 'ndjson') info = inferNdjsonSchema(text, { nullValues, complete });
  else if (file.format === 'json') info = inferJsonArraySchema(text, { nullValues, complete });
  else {
    info = inferCsvSchema(text, { delimiter: file.delimiter, quote: opts.quote, header: opts.header, nullValues, complete, names: Object.keys(opts.declared) });
  }

  const parts: TaskPart[] = [];
  if (split && !file.empty) {
    if (whole) {
      parts.push({ inputs: [{ uri: file.uri }], params: { skipHeader: file.format === 'csv' && opts.header, whole: file.format === 'json', line: 1, rows: 0, offset: 0 } });
    } else {
      for (const r of ranges) parts.push({ inputs: [{ uri: file.uri, start: r.start, end: r.end }], params: { line: r.line, rows: r.rows, offset: r.start } });
    }
  }
  const survey: Survey = { file, columns: info.columns, schema: info.schema, sampleRows: info.rows, parts };
  if (note !== undefined) survey.note = note;
  return survey;
}
