/**
 * Builds a task's output shards row by row: every `shardRows` rows become one Arrow IPC object
 * `part-<task>-<k>.arrow` (task 5 digits, k 4 digits), so a partition of any size streams into
 * shards of bounded size. A task with no rows writes one empty shard, so every task has an
 * output with the stage's schema.
 *
 * ```ts
 * const w = new ShardWriter(schema, 65536, task.index);
 * w.append(['1', 'ann']);
 * const objects = w.finish();
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import { ColumnBuilder, tableFromBuilders } from '../../arrow/columns.js';
import { encodeTable } from '../../arrow/ipc.js';
import type { SchemaDef } from '../../dataset.js';
import type { KernelObject } from '../../operators/types.js';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export class ShardWriter {
  readonly objects: KernelObject[] = [];
  /** Nulls per column over everything written. */
  readonly nulls: number[];
  rows = 0;
  private builders: ColumnBuilder[];
  private readonly schema: SchemaDef;

  constructor(
    schema: SchemaDef,
    private readonly shardRows: number,
    private readonly task: number,
  ) {
    // Every shard of a stage has the same schema, all columns nullable.
    this.schema = { fields: schema.fields.map((f) => ({ ...f, nullable: true })) };
    this.nulls = schema.fields.map(() => 0);
    this.builders = this.newBuilders();
  }

  private newBuilders(): ColumnBuilder[] {
    const cap = Math.min(this.shardRows, 65_536);
    return this.schema.fields.map((f) => new ColumnBuilder(f.type, cap));
  }

  /** Appends one row of converted values, in schema order. */
  append(values: readonly Value[]): void {
    for (let i = 0; i < this.builders.length; i++) {
      const v = values[i] ?? null;
      if (v === null) this.nulls[i]!++;
      this.builders[i]!.append(v);
    }
    this.rows++;
    if (this.builders[0] !== undefined && this.builders[0].length >= this.shardRows) this.flush();
  }

  private flush(): void {
    const rows = this.builders[0]?.length ?? 0;
    const table = tableFromBuilders(this.schema, this.builders);
    this.objects.push({ name: `part-${pad(this.task, 5)}-${pad(this.objects.length, 4)}.arrow`, bytes: encodeTable(table), rows });
    this.builders = this.newBuilders();
  }

  /** The shards written, the last partial one included. */
  finish(): KernelObject[] {
    if ((this.builders[0]?.length ?? 0) > 0 || this.objects.length === 0) this.flush();
    return this.objects;
  }
}
