/**
 * The coordinator's side of cleanse statistics: which imputation steps still need values,
 * which of them can be asked for in the next stats phase, and how the shards' answers merge
 * into exact values (see ./stats.ts for the answers).
 *
 * A step can be asked for once every unresolved imputation before it leaves its inputs alone:
 * an unresolved step "taints" its column (later steps reading it must wait), and a
 * `coerce ... onError: quarantine` over a tainted column taints the row set. Usually every
 * imputation resolves in one stats phase; exact medians over many distinct values take a few
 * more (each narrows the range by {@link BUCKETS} on the double's bit order).
 *
 * The tracker is rebuilt from the phases' outcomes each time (it is a pure fold), so
 * `next()` needs no state of its own:
 *
 * ```ts
 * const t = new StatsTracker(plan, shards);
 * for (const phase of done) if (t.requests().length > 0) t.absorb(t.requests(), answersOf(phase));
 * t.requests(); // [] → all resolved: plan the apply phase
 * ```
 */
import type { Value } from '../../arrow/columns.js';
import type { ColumnType } from '../../dataset.js';
import { QuiverError } from '../../errors.js';
import { DAY_MS } from '../../expr/dates.js';
import type { Resolved } from './steps.js';
import { BUCKETS, byCount, CAP, histogram } from './stats.js';
import type { CountAnswer, FfillAnswer, SelectAnswer, StatAnswer, StatRequest, SummaryAnswer } from './stats.js';
import type { CleansePlan, ImputeStep } from './types.js';
import { needsStats } from './types.js';
import { compareValues, decodeValue, encodeValue } from './values.js';
import type { JsonValue } from './values.js';

/** Rounds past which a selection is a bug, not data (each shrinks the key range at least 2×). */
const MAX_ROUNDS = 80;

interface Target {
  rank: number;
  lo: number;
  hi: number;
  value?: number;
}

type Progress =
  | { at: 'start' }
  | { at: 'select'; n: number; targets: Target[]; rounds: number }
  | { at: 'count'; n: number; candidates: Value[]; bound: number };

/** What an imputation step resolved to, for the apply phase and the quality report. */
export interface Resolution {
  value?: JsonValue;
  /** ffill: per shard, the values carried in from earlier shards by series key. */
  carries?: [string, JsonValue][][];
  detail: string;
}

const num = (v: JsonValue): number => decodeValue(v) as number;

/** The fill value of a statistic in a column of `type` (ints, dates and timestamps stay whole). */
function typed(type: ColumnType, x: number): number {
  if (type === 'date') return Math.round(x / DAY_MS) * DAY_MS;
  if (type === 'int' || type === 'timestamp') return Math.round(x);
  return x;
}

function fmt(type: ColumnType, v: Value): string {
  if (typeof v === 'number' && (type === 'date' || type === 'timestamp')) {
    const iso = new Date(v).toISOString();
    return type === 'date' ? iso.slice(0, 10) : iso;
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The value at 0-based `rank` of sorted [value, count] entries. */
function atRank(entries: readonly [number, number][], rank: number): number {
  let seen = 0;
  for (const [v, c] of entries) {
    seen += c;
    if (rank < seen) return v;
  }
  throw QuiverError.nonRetryable('INTERNAL', `cleanse median: rank ${rank} is past the ${seen} values counted; the shards answered inconsistently`);
}

function mergeCounts(lists: readonly (readonly [JsonValue, number][])[]): Map<Value, number> {
  const m = new Map<Value, number>();
  for (const l of lists) for (const [v, c] of l) {
    const x = decodeValue(v);
    m.set(x, (m.get(x) ?? 0) + c);
  }
  return m;
}

export class StatsTracker {
  readonly resolved = new Map<number, Resolution>();
  private readonly progress = new Map<number, Progress>();

  constructor(
    readonly plan: CleansePlan,
    readonly shards: number,
  ) {
    plan.steps.forEach((s, k) => {
      if (needsStats(s)) this.progress.set(k, { at: 'start' });
    });
  }

  /** Unresolved imputation steps whose inputs no unresolved earlier step changes. */
  private eligible(): number[] {
    const tainted = new Set<string>();
    let rows = false;
    const out: number[] = [];
    this.plan.steps.forEach((s, k) => {
      if (needsStats(s) && !this.resolved.has(k)) {
        const reads = [s.column, ...(s.by ?? []), ...(s.order === undefined ? [] : [s.order])];
        if (!rows && reads.every((c) => !tainted.has(c))) out.push(k);
        tainted.add(s.column);
        return;
      }
      if (s.kind === 'coerce' && s.onError === 'quarantine' && s.columns.some((c) => tainted.has(c.column))) rows = true;
      if (s.kind === 'impute' && [...(s.by ?? []), ...(s.order === undefined ? [] : [s.order])].some((c) => tainted.has(c))) tainted.add(s.column);
      if (s.kind === 'drop') for (const c of s.columns) tainted.delete(c);
    });
    return out;
  }

  /** The requests of the next stats phase; [] when every imputation is resolved. */
  requests(): StatRequest[] {
    return this.eligible().flatMap((k): StatRequest[] => {
      const step = this.plan.steps[k] as ImputeStep;
      const p = this.progress.get(k)!;
      if (p.at === 'start') {
        return [step.strategy === 'ffill' ? { step: k, kind: 'ffill' } : { step: k, kind: 'summary', need: step.strategy as 'mean' | 'median' | 'mode' }];
      }
      if (p.at === 'count') return [{ step: k, kind: 'count', values: p.candidates.map(encodeValue) }];
      return p.targets.flatMap((t, i): StatRequest[] => (t.value === undefined ? [{ step: k, kind: 'select', target: i, lo: encodeValue(t.lo), hi: encodeValue(t.hi) }] : []));
    });
  }

  /** Merges one stats phase: `answers[task][r]` answers `requests[r]`. */
  absorb(requests: readonly StatRequest[], answers: readonly (readonly StatAnswer[])[]): void {
    const byStep = new Map<number, number[]>();
    requests.forEach((r, i) => byStep.set(r.step, [...(byStep.get(r.step) ?? []), i]));
    for (const [k, idx] of byStep) {
      const step = this.plan.steps[k] as ImputeStep;
      const of = <T extends StatAnswer>(i: number): T[] => answers.map((a) => a[i] as T);
      const p = this.progress.get(k)!;
      const first = requests[idx[0]!]!;
      if (first.kind === 'ffill') this.resolveFfill(k, step, of<FfillAnswer>(idx[0]!));
      else if (first.kind === 'summary') this.onSummary(k, step, of<SummaryAnswer>(idx[0]!));
      else if (first.kind === 'count' && p.at === 'count') this.onCount(k, step, p, of<CountAnswer>(idx[0]!));
      else if (p.at === 'select') {
        for (const i of idx) {
          const r = requests[i]! as Extract<StatRequest, { kind: 'select' }>;
          this.onSelect(step, p.targets[r.target]!, of<SelectAnswer>(i));
        }
        if (++p.rounds > MAX_ROUNDS) throw QuiverError.nonRetryable('INTERNAL', `${step.path}: the median did not converge in ${MAX_ROUNDS} rounds; please report this`);
        this.finishMedian(k, step, p);
      }
    }
  }

  private onSummary(k: number, step: ImputeStep, answers: SummaryAnswer[]): void {
    const n = answers.reduce((s, a) => s + a.n, 0);
    if (n === 0) {
      this.resolved.set(k, { value: null, detail: `${step.strategy}: no values to compute it from; nulls left as they are` });
      return;
    }
    if (step.strategy === 'mean') {
      const mean = typed(step.type, answers.reduce((s, a) => s + num(a.sum), 0) / n);
      this.resolved.set(k, { value: encodeValue(mean), detail: `mean = ${fmt(step.type, mean)} over ${n} values` });
      return;
    }
    if (step.strategy === 'mode') {
      const counts = mergeCounts(answers.map((a) => a.counts ?? []));
      const ranked = [...counts].sort(byCount);
      const truncated = answers.filter((a) => a.truncated === true);
      if (truncated.length === 0) {
        const [v, c] = ranked[0]!;
        this.resolved.set(k, { value: encodeValue(v), detail: `mode = ${fmt(step.type, v)} (${c} of ${n} values; exact)` });
        return;
      }
      const bound = (ranked[CAP]?.[1] ?? 0) + truncated.reduce((s, a) => s + (a.threshold ?? 0), 0);
      this.progress.set(k, { at: 'count', n, candidates: ranked.slice(0, CAP).map(([v]) => v), bound });
      return;
    }
    // median: ints, dates and timestamps take the lower middle value (a value of the data); floats the mean of the two.
    const ranks = step.type === 'float' ? [Math.floor((n - 1) / 2), Math.ceil((n - 1) / 2)] : [Math.floor((n - 1) / 2)];
    const unique = [...new Set(ranks)];
    if (answers.every((a) => a.counts !== undefined)) {
      const sorted = [...mergeCounts(answers.map((a) => a.counts!))].sort((a, b) => compareValues(a[0], b[0])) as [number, number][];
      const values = ranks.map((r) => atRank(sorted, r));
      this.setMedian(k, step, n, values, 0);
      return;
    }
    const lo = Math.min(...answers.filter((a) => a.n > 0).map((a) => num(a.min)));
    const hi = Math.max(...answers.filter((a) => a.n > 0).map((a) => num(a.max)));
    this.progress.set(k, { at: 'select', n, rounds: 0, targets: unique.map((rank) => ({ rank, lo, hi })) });
  }

  private onSelect(step: ImputeStep, t: Target, answers: SelectAnswer[]): void {
    const rank = t.rank - answers.reduce((s, a) => s + a.below, 0);
    if (answers.every((a) => a.counts !== undefined)) {
      const sorted = [...mergeCounts(answers.map((a) => a.counts!))].sort((a, b) => compareValues(a[0], b[0])) as [number, number][];
      t.value = atRank(sorted, rank);
      return;
    }
    const hist = new Map<number, [number, number, number]>();
    for (const a of answers) {
      if (a.counts !== undefined) histogram(a.counts.map(([v, c]) => [num(v), c] as [number, number]), t.lo, t.hi, hist);
      for (const [j, c, mn, mx] of a.buckets ?? []) {
        const b = hist.get(j);
        if (b === undefined) hist.set(j, [c, num(mn), num(mx)]);
        else hist.set(j, [b[0] + c, Math.min(b[1], num(mn)), Math.max(b[2], num(mx))]);
      }
    }
    let seen = 0;
    for (let j = 0; j < BUCKETS; j++) {
      const b = hist.get(j);
      if (b === undefined) continue;
      if (rank < seen + b[0]) {
        t.lo = b[1];
        t.hi = b[2];
        return;
      }
      seen += b[0];
    }
    throw QuiverError.nonRetryable('INTERNAL', `${step.path}: median rank ${t.rank} not found in the shards' histograms; please report this`);
  }

  private finishMedian(k: number, step: ImputeStep, p: Extract<Progress, { at: 'select' }>): void {
    if (p.targets.some((t) => t.value === undefined)) return;
    const ranks = step.type === 'float' ? [Math.floor((p.n - 1) / 2), Math.ceil((p.n - 1) / 2)] : [Math.floor((p.n - 1) / 2)];
    this.setMedian(k, step, p.n, ranks.map((r) => p.targets.find((t) => t.rank === r)!.value!), p.rounds);
  }

  private setMedian(k: number, step: ImputeStep, n: number, middle: number[], rounds: number): void {
    const median = middle.length === 2 ? (middle[0]! + middle[1]!) / 2 : middle[0]!;
    const how = rounds === 0 ? 'from merged value counts' : `after ${rounds} selection round${rounds === 1 ? '' : 's'}`;
    this.resolved.set(k, { value: encodeValue(median), detail: `median = ${fmt(step.type, median)} over ${n} values (exact, ${how})` });
  }

  private onCount(k: number, step: ImputeStep, p: Extract<Progress, { at: 'count' }>, answers: CountAnswer[]): void {
    const exact: [Value, number][] = p.candidates.map((v, i) => [v, answers.reduce((s, a) => s + (a.counts[i] ?? 0), 0)]);
    const [v, c] = exact.sort(byCount)[0]!;
    const sure = c > p.bound;
    const note = sure ? 'exact: no other value can reach that count' : `approximate: a value outside the ${CAP} candidates could have up to ${p.bound}`;
    this.resolved.set(k, { value: encodeValue(v), detail: `mode = ${fmt(step.type, v)} (${c} of ${p.n} values; ${note})` });
  }

  private resolveFfill(k: number, step: ImputeStep, answers: FfillAnswer[]): void {
    const last = new Map<string, JsonValue>();
    const lastOrder = new Map<string, { value: Value; shard: number }>();
    const seen = new Set<string>();
    let carried = 0;
    const carries = answers.map((a, shard) => {
      const carry: [string, JsonValue][] = [];
      for (const [key, value, first, end] of a.series) {
        const prev = lastOrder.get(key);
        if (step.order !== undefined && first !== null && prev !== undefined && compareValues(decodeValue(first), prev.value) < 0) {
          throw QuiverError.nonRetryable(
            'INPUT_INVALID',
            `${step.path}: shard ${shard} starts a series at ${step.order}=${String(decodeValue(first))}, before where shard ${prev.shard} left it (${String(prev.value)}); ffill needs each series sorted by ${step.order} in dataset order: sort the input first`,
          );
        }
        seen.add(key);
        const c = last.get(key);
        if (c !== undefined) carry.push([key, c]);
        if (value !== null) last.set(key, value);
        if (end !== null) lastOrder.set(key, { value: decodeValue(end), shard });
      }
      carried += carry.length;
      return carry;
    });
    const by = step.by === undefined || step.by.length === 0 ? 'one series' : `series by ${step.by.join(', ')}`;
    this.resolved.set(k, { carries, detail: `forward fill (${by}${step.order === undefined ? '' : `, ordered by ${step.order}`}); ${seen.size} series, ${carried} carried across shard boundaries` });
  }

  /** What the apply (or a later stats) task of `shard` needs to know. */
  known(shard: number): Record<number, Resolved> {
    const out: Record<number, Resolved> = {};
    for (const [k, r] of this.resolved) out[k] = r.carries === undefined ? { value: r.value ?? null } : { carry: r.carries[shard] ?? [] };
    return out;
  }
}
