/**
 * `profile`: a pass-through stage that profiles its input's columns for the job's data-quality
 * report. It rewrites no data: its output dataset is its input dataset.
 *
 * ```yaml
 * - id: profile
 *   op: profile
 *   input: users
 *   columns: [age, country, signup_date]   # default: every column
 * ```
 *
 * Phase 0 (one task per input shard): each column's partial statistics (counts, missing,
 * min/max, moments, a KLL quantile sketch, value counts or a HyperLogLog sketch; see
 * shared/quality/partial.ts) go to `partials/profile-<shard>.json`; the finite min/max of the
 * numeric columns ride in the task stats. Phase 1 (only when a numeric column has values): the
 * histogram bins are fixed from the merged min/max and every shard counts its values into them
 * (exact counts, in the stats). `quality()` merges it all into one ColumnProfile per column.
 */
import type { FieldDef } from '../dataset.js';
import { QuiverError } from '../errors.js';
import { readColumnValues } from '../expr/index.js';
import { addBins, binSpec, countBins, histogramOf } from '../quality/histogram.js';
import type { BinSpec } from '../quality/histogram.js';
import { ColumnMerger, columnPartial, isNumeric } from '../quality/partial.js';
import type { ColumnPartial } from '../quality/partial.js';
import type { ColumnProfile, QualitySection } from '../quality/types.js';
import { checkShardColumns, decodeInput, describeColumns, singleInput, specError, stageSchema } from './rowwise.js';
import type { KernelInput, KernelResult, Operator, PhaseOutcome, PhasePlan, PlanContext } from './types.js';

interface ScanParams {
  columns: FieldDef[];
}

interface HistogramParams {
  columns: FieldDef[];
  bins: BinSpec[];
}

/** The object a phase-0 task writes. */
interface ProfilePartial {
  version: 1;
  columns: ColumnPartial[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function profilePartialName(index: number): string {
  return `profile-${String(index).padStart(5, '0')}.json`;
}

function profiledColumns(ctx: PlanContext): FieldDef[] {
  const fields = singleInput(ctx).schema.fields;
  const columns = ctx.stage.columns;
  if (columns === undefined) return fields;
  if (!Array.isArray(columns) || columns.length === 0) throw specError(ctx, 'columns', 'must be a non-empty list of column names, e.g. columns: [age, country]');
  const seen = new Set<string>();
  return columns.map((name: unknown, j) => {
    const f = typeof name === 'string' ? fields.find((x) => x.name === name) : undefined;
    if (f === undefined) throw specError(ctx, `columns[${j}]`, `unknown column ${JSON.stringify(name)}; the input has: ${describeColumns(singleInput(ctx).schema)}`);
    if (seen.has(f.name)) throw specError(ctx, `columns[${j}]`, `column '${f.name}' is listed twice`);
    seen.add(f.name);
    return f;
  });
}

/** Histogram bins per numeric column from the phase-0 stats (same answer in next() and quality()). */
function histogramPlan(columns: readonly FieldDef[], scan: PhaseOutcome): HistogramParams {
  const plan: HistogramParams = { columns: [], bins: [] };
  columns.forEach((f, i) => {
    if (!isNumeric(f.type)) return;
    let min = Infinity;
    let max = -Infinity;
    for (const t of scan.tasks) {
      const r = (t.stats.ranges as ([number, number] | null)[] | undefined)?.[i];
      if (r === null || r === undefined) continue;
      min = Math.min(min, r[0]);
      max = Math.max(max, r[1]);
    }
    if (min > max) return;
    plan.columns.push(f);
    plan.bins.push(binSpec(f.type, min, max));
  });
  return plan;
}

function scanKernel(input: KernelInput): KernelResult {
  const p = input.task.params as ScanParams;
  const table = decodeInput(input);
  checkShardColumns(table, p.columns, input);
  const partials = p.columns.map((f) => columnPartial(f.name, f.type, readColumnValues(table, f.name)));
  const ranges = partials.map((c) => (typeof c.min === 'number' && typeof c.max === 'number' ? [c.min, c.max] : null));
  const doc: ProfilePartial = { version: 1, columns: partials };
  const rows = table.numRows;
  return {
    objects: [{ name: profilePartialName(input.task.index), bytes: encoder.encode(JSON.stringify(doc)), rows: 0 }],
    stats: { rowsIn: rows, rowsOut: rows, quarantined: 0, ranges },
  };
}

function histogramKernel(input: KernelInput): KernelResult {
  const p = input.task.params as HistogramParams;
  const table = decodeInput(input);
  checkShardColumns(table, p.columns, input);
  const hist = p.columns.map((f, i) => countBins(p.bins[i]!, readColumnValues(table, f.name)));
  const rows = table.numRows;
  return { objects: [], stats: { rowsIn: rows, rowsOut: rows, quarantined: 0, hist } };
}

async function readPartial(ctx: PlanContext, uri: string): Promise<ProfilePartial> {
  const doc = JSON.parse(decoder.decode(await ctx.store.get(uri))) as ProfilePartial;
  if (doc.version !== 1 || !Array.isArray(doc.columns)) {
    throw QuiverError.nonRetryable('INTERNAL', `${uri} is not a profile partial this quiver version reads; re-run the job`);
  }
  return doc;
}

function notesOf(columns: readonly ColumnProfile[]): string[] {
  const names = (pred: (c: ColumnProfile) => boolean): string => columns.filter(pred).map((c) => c.name).join(', ');
  const notes: string[] = [];
  const q = names((c) => c.quantilesExact === false);
  if (q !== '') notes.push(`Quantiles estimated with a KLL sketch (rank error about ±1% of rows) for: ${q}.`);
  const d = names((c) => !c.distinctExact);
  if (d !== '') notes.push(`Distinct counts estimated with HyperLogLog (about ±1.6%, up to ±5%) for: ${d}.`);
  const t = names((c) => c.topExact === false);
  if (t !== '') notes.push(`Top-value counts are lower bounds (each may fall short by its column's topError) for: ${t}.`);
  return notes;
}

export const profileOperator: Operator = {
  name: 'profile',
  summary: 'Profiles columns for the data-quality report (counts, missing, distinct, min/max/mean/std, quantiles, histograms, top values); passes its input through',
  arity: { min: 1, max: 1 },
  schema: stageSchema('profile', 'Profiles the input columns for the job\'s data-quality report; the output is the input, unchanged.', {
    columns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true, description: 'Columns to profile (default: all).' },
  }, []),

  async plan(ctx): Promise<PhasePlan> {
    const params: ScanParams = { columns: profiledColumns(ctx) };
    const outputPrefix = `${ctx.stagePrefix}partials/`;
    return { tasks: singleInput(ctx).shards.map((s) => ({ inputs: [{ uri: s.uri }], params, outputPrefix })) };
  },

  async next(ctx, done): Promise<PhasePlan | null> {
    const scan = done.find((p) => p.phase === 0);
    if (scan === undefined || done.some((p) => p.phase >= 1)) return null;
    const params = histogramPlan(profiledColumns(ctx), scan);
    if (params.columns.length === 0) return null;
    return { tasks: singleInput(ctx).shards.map((s) => ({ inputs: [{ uri: s.uri }], params })) };
  },

  async output(ctx) {
    return singleInput(ctx);
  },

  async quality(ctx, done): Promise<QualitySection> {
    const columns = profiledColumns(ctx);
    const mergers = columns.map((f) => new ColumnMerger(f.name, f.type));
    const scan = done.find((p) => p.phase === 0) ?? { phase: 0, tasks: [] };
    let rows = 0;
    for (const t of scan.tasks) {
      rows += Number(t.stats.rowsIn ?? 0);
      const ref = t.shards.find((s) => s.uri.endsWith('.json'));
      if (ref === undefined) continue;
      const partial = await readPartial(ctx, ref.uri);
      columns.forEach((f, i) => {
        const c = partial.columns[i];
        if (c === undefined || c.name !== f.name) throw QuiverError.nonRetryable('INTERNAL', `${ref.uri} has no partial for column '${f.name}'; re-run the job`);
        mergers[i]!.add(c);
      });
    }
    const profiles = mergers.map((m) => m.finish());
    const plan = histogramPlan(columns, scan);
    const hist = done.find((p) => p.phase === 1);
    plan.columns.forEach((f, j) => {
      const counts = new Array<number>(plan.bins[j]!.bins).fill(0);
      for (const t of hist?.tasks ?? []) addBins(counts, (t.stats.hist as number[][] | undefined)?.[j] ?? []);
      const profile = profiles.find((c) => c.name === f.name)!;
      profile.histogram = histogramOf(plan.bins[j]!, counts);
    });
    const input = ctx.stage.input;
    const from = Array.isArray(input) ? input[0] : input;
    const section: QualitySection = { stage: ctx.stage.id, op: 'profile', title: `Profile of ${from ?? 'the input'}`, rowsIn: rows, rowsOut: rows, quarantined: 0, columns: profiles };
    const notes = notesOf(profiles);
    if (notes.length > 0) section.notes = notes;
    return section;
  },

  kernel(input: KernelInput): KernelResult {
    return input.task.phase === 0 ? scanKernel(input) : histogramKernel(input);
  },
};
