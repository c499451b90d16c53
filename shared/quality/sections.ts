/**
 * Report sections built from task outcomes alone, for operators whose section is their record
 * counts and quarantine reasons (ingest; any stage that quarantines rows).
 *
 * ```ts
 * // in an operator:
 * quality: (ctx, done) => countsSection(ctx, done, 'Ingest of data/users-*.csv'),
 * ```
 */
import type { PhaseOutcome, PlanContext } from '../operators/types.js';
import { quarantineReasons } from './quarantine.js';
import type { QualitySection } from './types.js';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Rows in/out/quarantined of the stage's first phase, and why rows were quarantined. */
export async function countsSection(ctx: PlanContext, done: readonly PhaseOutcome[], title: string): Promise<QualitySection> {
  const first = done.find((p) => p.phase === 0)?.tasks ?? [];
  const all = done.flatMap((p) => p.tasks);
  const section: QualitySection = {
    stage: ctx.stage.id,
    op: ctx.stage.op,
    title,
    rowsIn: first.reduce((n, t) => n + num(t.stats.rowsIn), 0),
    rowsOut: first.reduce((n, t) => n + num(t.stats.rowsOut), 0),
    quarantined: all.reduce((n, t) => n + num(t.stats.quarantined), 0),
  };
  const refs = all.flatMap((t) => t.quarantine);
  if (refs.length > 0) {
    const r = await quarantineReasons(ctx.store, refs);
    section.reasons = r.reasons;
    section.reasonsExact = r.exact;
    if (!r.exact) section.notes = [`Reasons counted over the first ${r.counted} quarantined rows (the report reads at most 16 MiB of quarantine per stage).`];
  }
  return section;
}

/** `Ingest of data/users-*.csv` from a stage's `source` (`uri` when it has one, else its kind). */
export function sourceTitle(source: unknown): string {
  const s = (typeof source === 'object' && source !== null ? source : {}) as { kind?: unknown; uri?: unknown };
  const uri = Array.isArray(s.uri) ? s.uri.join(', ') : typeof s.uri === 'string' ? s.uri : undefined;
  const kind = typeof s.kind === 'string' ? s.kind : 'files';
  return uri === undefined ? `Ingest from ${kind}` : `Ingest of ${uri}`;
}
