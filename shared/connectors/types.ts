/**
 * The source-connector seam: every way data enters quiver (files, databases, REST APIs) is a
 * connector behind this one interface, run by the `ingest` operator. A stage names its connector
 * with `source.kind` (default `files`):
 *
 * ```yaml
 * - id: crm
 *   op: ingest
 *   source: { kind: postgres, url: { env: CRM_DATABASE_URL }, query: "select * from users", partitionColumn: id, partitions: 8 }
 * ```
 *
 * Coordinator half: `plan` turns the source into tasks (byte ranges of files, key ranges of a
 * query, pages of an API) and works out the output schema. Worker half: `read` runs inside a
 * Piscina thread and turns one task into Arrow shards plus a quarantine of rejected records.
 *
 * Conventions every connector keeps (the ingest operator and the job result rely on them):
 *  - task params are JSON and carry `kind`; secrets never go into params: they are named
 *    (`{ env: NAME }`) and resolved in the worker (see secrets.ts);
 *  - outputs are `part-<task>.arrow` (or `part-<task>-<k>.arrow` when a task writes several
 *    shards) and `quarantine-<task>.ndjson` (kind `quarantine`), at deterministic names;
 *  - stats hold `rowsIn`, `rowsOut`, `quarantined` (rowsIn = rowsOut + quarantined), `nulls`
 *    (per output column) and `schema` (the output schema, `nullable` exactly where this task saw
 *    a null);
 *  - every shard of a stage has the same Arrow schema, with all columns nullable.
 */
import type { SchemaDef } from '../dataset.js';
import type { KernelInput, KernelResult, PlanContext, TaskPlan } from '../operators/types.js';

export interface SourcePlan {
  /** The stage's output schema (before the kernels report which columns hold nulls). */
  schema: SchemaDef;
  /** Tasks of the stage's single phase; each task's params carry `kind`. Empty when `schemaOnly`. */
  tasks: TaskPlan[];
}

export interface SourceConnector {
  /** The `source.kind` value that selects it. */
  readonly kind: string;
  /** One line for `quiver ops` and the docs. */
  readonly summary: string;
  /**
   * JSON Schema (draft 2020-12) of the stage's `source` object for this kind, `kind` included
   * (`additionalProperties: false`, so typos are caught).
   */
  readonly schema: Record<string, unknown>;
  /** Dot paths inside `source` that hold local paths or URIs (made absolute by the CLI). */
  readonly pathFields?: readonly string[];
  /**
   * Coordinator half. `ctx.stage.source` is this connector's source object; errors name
   * `${ctx.path}.source.<field>`. With `schemaOnly` it only works out the schema (no tasks).
   */
  plan(ctx: PlanContext, schemaOnly: boolean): Promise<SourcePlan>;
  /** Worker half: one task's params (and input bytes, for sources read through the store). */
  read(input: KernelInput): KernelResult | Promise<KernelResult>;
}
