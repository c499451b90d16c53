/**
 * Row sources over record batches: the input columns of one batch plus computed columns
 * (derive's earlier expressions), readable row by row or as whole vectors.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import type { Value } from '../arrow/columns.js';
import type { ColumnType } from '../dataset.js';
import { dataFromValues } from './batch.js';
import { dataReader } from './columns.js';
import type { RowFn, RowSource } from './types.js';
import { vectorOfData, vectorOfValues, vectorToData, vectorToValues } from './vector.js';
import type { Vec, VecSource } from './vector.js';

/** An evaluated column: a vector, plain values, or both (converted on demand). */
export class Computed {
  private constructor(
    readonly type: ColumnType,
    private vec: Vec | undefined,
    private vals: Value[] | undefined,
  ) {}

  static ofValues(type: ColumnType, values: Value[]): Computed {
    return new Computed(type, undefined, values);
  }

  static ofVector(type: ColumnType, vec: Vec): Computed {
    return new Computed(type, vec, undefined);
  }

  get length(): number {
    return this.vec?.v.length ?? this.vals!.length;
  }

  values(): Value[] {
    return (this.vals ??= vectorToValues(this.vec!, this.type));
  }

  vector(): Vec | undefined {
    if (this.vec === undefined && this.type !== 'string') this.vec = vectorOfValues(this.vals!);
    return this.vec;
  }

  /** The column as an Arrow chunk of its type. */
  data(): Data {
    return this.vec !== undefined ? vectorToData(this.vec, this.type) : dataFromValues(this.type, this.vals!);
  }
}

/**
 * The columns of one record batch as a {@link RowSource}, plus computed columns set by name
 * (a computed column replaces an input column of the same name).
 */
export class BatchSource implements RowSource, VecSource {
  readonly length: number;
  private readonly chunks = new Map<string, Data>();
  private readonly computed = new Map<string, Computed>();
  private readonly readers = new Map<string, RowFn>();
  private readonly vectors = new Map<string, Vec | undefined>();

  constructor(batch: RecordBatch) {
    this.length = batch.numRows;
    batch.schema.fields.forEach((f, i) => this.chunks.set(f.name, batch.data.children[i]!));
  }

  /** Adds or replaces a column with computed values (one per row). */
  set(name: string, column: Computed): void {
    this.chunks.delete(name);
    this.readers.delete(name);
    this.vectors.delete(name);
    this.computed.set(name, column);
  }

  reader(name: string): RowFn {
    let f = this.readers.get(name);
    if (f === undefined) {
      const c = this.computed.get(name);
      if (c !== undefined) {
        const vals = c.values();
        f = (i) => vals[i]!;
      } else f = dataReader(this.chunk(name));
      this.readers.set(name, f);
    }
    return f;
  }

  vector(name: string): Vec | undefined {
    if (!this.vectors.has(name)) {
      const c = this.computed.get(name);
      this.vectors.set(name, c !== undefined ? c.vector() : vectorOfData(this.chunk(name)));
    }
    return this.vectors.get(name);
  }

  private chunk(name: string): Data {
    const data = this.chunks.get(name);
    if (data === undefined) throw new Error(`internal: column ${name} is not in the batch`);
    return data;
  }
}
