import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Dataset, SchemaDef } from '../../shared/dataset.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import type { QuarantineRecord } from '../../shared/formats/types.js';
import { validateOperator } from '../../shared/operators/validate.js';
import { globalStats, replay } from '../../shared/operators/validate/phases.js';
import { resolvePlan } from '../../shared/operators/validate/spec.js';
import type { StageSpec } from '../../shared/spec/types.js';
import { readRows, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row, StageRun } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('validate-global');
});
after(() => dir.cleanup());

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const stage = (id: string, rules: unknown[], extra: Record<string, unknown> = {}): StageSpec => ({ id, op: 'validate', input: 'in', rules, ...extra });

async function quarantineOf(run: StageRun): Promise<QuarantineRecord[]> {
  const out: QuarantineRecord[] = [];
  for (const t of run.phases.at(-1)!.tasks) for (const q of t.quarantine) out.push(...decodeQuarantine(await readFile(q.uri)));
  return out;
}

/** Every check task: rowsIn = rowsOut + quarantined; the stage: input rows = output + quarantined. */
function assertCounts(run: StageRun, input: Dataset, quarantined: number): void {
  for (const t of run.phases.at(-1)!.tasks) assert.equal(t.stats.rowsIn, (t.stats.rowsOut as number) + (t.stats.quarantined as number));
  const sum = (k: string): number => run.phases.flatMap((p) => p.tasks).reduce((n, t) => n + ((t.stats[k] as number | undefined) ?? 0), 0);
  assert.equal(run.phases[0]!.tasks.reduce((n, t) => n + (t.stats.rowsIn as number), 0), input.rows, 'phase 0 reads every input row');
  assert.equal(sum('quarantined'), quarantined);
  assert.equal(run.output.rows + quarantined, input.rows);
}

const people: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: true },
    { name: 'first', type: 'string', nullable: true },
    { name: 'last', type: 'string', nullable: true },
    { name: 'day', type: 'date', nullable: true },
  ],
};

test('unique keys across shards: the first row in shard/row order is kept, later ones quarantined', async () => {
  const r = rng(5);
  const names = ['Ann', 'Bo', 'Cy', 'Di', 'Ed', 'Flo', 'Gus', 'Hal', 'Ida', 'Jo', ''];
  const shards: Row[][] = Array.from({ length: 9 }, (_, s) =>
    Array.from({ length: 5 + s * 3 }, () => ({
      id: r() < 0.1 ? null : Math.floor(r() * 150),
      first: names[Math.floor(r() * 11)]!,
      last: r() < 0.1 ? null : names[Math.floor(r() * 10)]!,
      day: Math.floor(r() * 400) * 86_400_000,
    })),
  );
  const input = await writeShards(dir.path, people, shards, 'people');
  const rules = [{ column: 'id', unique: true }, { unique: ['first', 'last'] }, { name: 'one-per-day', unique: ['day'] }];

  // Expected, straight from the definition.
  const seen = rules.map(() => new Map<string, string>());
  const keyOf = (row: Row, k: number): string | null => {
    const show = (c: string): string => (c === 'day' ? `day=${new Date(row.day as number).toISOString().slice(0, 10)}` : `${c}=${typeof row[c] === 'string' ? JSON.stringify(row[c]) : String(row[c])}`);
    const cols = [['id'], ['first', 'last'], ['day']][k]!;
    if (cols.some((c) => row[c] === null || row[c] === '')) return null;
    return cols.map(show).join(', ');
  };
  const labels = ['id: unique', 'unique (first, last)', 'one-per-day'];
  const expected: [string, number, string][] = [];
  const kept: Row[] = [];
  shards.forEach((rows, s) =>
    rows.forEach((row, i) => {
      const reasons: string[] = [];
      rules.forEach((_, k) => {
        const key = keyOf(row, k);
        if (key === null) return;
        const first = seen[k]!.get(key);
        if (first === undefined) seen[k]!.set(key, `${input.shards[s]!.uri} row ${i + 1}`);
        else reasons.push(`${labels[k]!}: duplicate key ${key} (first at ${first})`);
      });
      if (reasons.length > 0) expected.push([input.shards[s]!.uri, i + 1, reasons.join('; ')]);
      else kept.push(row);
    }),
  );
  assert.ok(expected.length > 20 && kept.length >= 20, `a meaningful mix (${expected.length} duplicates, ${kept.length} kept)`);

  const run = await runStage(validateOperator, stage('u', rules), [input], dir.path);
  assert.equal(run.phases.length, 3, 'scan, keys, check');
  assert.equal(run.phases[1]!.tasks.length, 3, '9 shards: 3 key partitions');
  assert.deepEqual(await readRows(run.output), kept);
  const q = await quarantineOf(run);
  assert.deepEqual(q.map((x) => [x.source, x.line, x.reason]), expected);
  assertCounts(run, input, expected.length);
  assert.match(expected[0]![2], /^(id: unique|unique \(first, last\)|one-per-day): duplicate key /);

  // Same bytes whatever order the tasks run in.
  const reversed = await runStage(validateOperator, stage('u2', rules), [input], dir.path, (n) => Array.from({ length: n }, (_, i) => n - 1 - i));
  assert.deepEqual(await readRows(reversed.output), kept);
  assert.deepEqual((await quarantineOf(reversed)).map((x) => [x.source, x.line, x.reason]), expected);

  const section = await validateOperator.quality!(run.ctx, run.phases, run.output);
  const unique = section!.rules!.map((x) => [x.rule, x.checked, x.failed]);
  const checked = (k: number): number => shards.flat().filter((row) => keyOf(row, k) !== null).length;
  const failed = (k: number): number => expected.filter((e) => e[2].includes(`${labels[k]!}: duplicate`)).length;
  assert.deepEqual(unique, labels.map((l, k) => [l, checked(k), failed(k)]));
});

const spend: SchemaDef = {
  fields: [
    { name: 'id', type: 'int', nullable: false },
    { name: 'x', type: 'float', nullable: true },
    { name: 'n', type: 'int', nullable: true },
  ],
};

function spendShards(seed: number, sizes: number[], plant: (s: number, i: number) => number | null): Row[][] {
  const r = rng(seed);
  let id = 0;
  return sizes.map((size, s) =>
    Array.from({ length: size }, (_, i) => {
      const planted = plant(s, i);
      const normal = (r() + r() + r() + r() - 2) * 10 + 50;
      return { id: id++, x: planted ?? (r() < 0.05 ? null : normal), n: Math.floor(r() * 100) };
    }),
  );
}

test('z-score outliers use the exact mean and population std of the whole input', async () => {
  const shards = spendShards(21, [400, 0, 350, 250], (s, i) => (s === 0 && i === 7 ? 180 : s === 2 && i === 100 ? -90 : s === 3 && i === 249 ? 95 : null));
  const input = await writeShards(dir.path, spend, shards, 'z');
  const threshold = 3.5;
  const xs = shards.flat().map((r) => r.x).filter((x): x is number => x !== null);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  const z = (x: number): number => Math.abs(x - mean) / std;
  for (const x of xs) assert.ok(Math.abs(z(x) - threshold) > 1e-6, 'no value on the threshold');
  const outliers = shards.flatMap((rows, s) => rows.flatMap((row, i) => (row.x !== null && z(row.x as number) > threshold ? [[input.shards[s]!.uri, i + 1] as const] : [])));
  assert.ok(outliers.length >= 2, `outliers: ${outliers.length}`);

  const run = await runStage(validateOperator, stage('z', [{ column: 'x', outlier: { method: 'zscore', threshold } }]), [input], dir.path);
  assert.equal(run.phases.length, 2, 'scan, check');
  const q = await quarantineOf(run);
  assert.deepEqual(q.map((x) => [x.source, x.line]), outliers);
  assert.match(q[0]!.reason, /^x: outlier zscore > 3\.5: 180 has z-score [\d.]+ \(mean [\d.]+, std [\d.]+\)$/);
  assertCounts(run, input, outliers.length);
  const plan = resolvePlan(run.ctx, spend, input.shards.length);
  const g = globalStats(plan, replay(plan, run.phases)).rules[0]!;
  assert.ok(g.method === 'zscore');
  assert.equal(g.n, xs.length);
  assert.ok(Math.abs(g.mean - mean) < 1e-9 && Math.abs(g.std - std) < 1e-9, `${g.mean} ${g.std} vs ${mean} ${std}`);
});

/** numpy.quantile(values, p), method 'linear' (the default), written out. */
function numpyLinear(values: readonly number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const t = h - lo;
  const a = x[lo]!;
  const b = x[Math.min(lo + 1, x.length - 1)]!;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

async function iqrCase(name: string, shards: Row[][], column: 'x' | 'n', k: number, minPhases: number): Promise<void> {
  const input = await writeShards(dir.path, spend, shards, name);
  const vs = shards.flat().map((r) => r[column]).filter((x): x is number => x !== null);
  const q1 = numpyLinear(vs, 0.25);
  const q3 = numpyLinear(vs, 0.75);
  const lo = q1 - k * (q3 - q1);
  const hi = q3 + k * (q3 - q1);
  const outliers = shards.flatMap((rows, s) => rows.flatMap((row, i) => (row[column] !== null && ((row[column] as number) < lo || (row[column] as number) > hi) ? [[input.shards[s]!.uri, i + 1] as const] : [])));
  const run = await runStage(validateOperator, stage(name, [{ column, outlier: { method: 'iqr', k } }]), [input], dir.path);
  assert.ok(run.phases.length >= minPhases, `${name}: ${run.phases.length} phases`);
  const plan = resolvePlan(run.ctx, spend, input.shards.length);
  const g = globalStats(plan, replay(plan, run.phases)).rules[0]!;
  assert.ok(g.method === 'iqr');
  assert.deepEqual([g.n, g.q1, g.q3, g.lo, g.hi], [vs.length, q1, q3, lo, hi], name);
  const q = await quarantineOf(run);
  assert.deepEqual(q.map((x) => [x.source, x.line]), outliers, name);
  assertCounts(run, input, outliers.length);
  const section = await validateOperator.quality!(run.ctx, run.phases, run.output);
  assert.deepEqual([section!.rules![0]!.checked, section!.rules![0]!.failed], [vs.length, outliers.length]);
  assert.equal(section!.notes!.filter((n) => n.includes('(exact, numpy linear)')).length, 1);
}

test('IQR outliers: exact quartiles (numpy linear) across shards', async () => {
  const planted = (s: number, i: number): number | null => (s === 1 && i === 3 ? 500 : s === 2 && i === 0 ? -200 : s === 0 && i === 9 ? 1e-300 : null);
  await iqrCase('iqr-small', spendShards(8, [60, 41, 33, 0, 7], planted), 'x', 1.5, 3);
  await iqrCase('iqr-int', spendShards(9, [30, 30], () => null), 'n', 0.2, 3);
});

test('IQR outliers on a large narrow column need refinement rounds; ties resolve by the full key', async () => {
  const r = rng(33);
  const narrow = Array.from({ length: 3 }, (_, s) => Array.from({ length: 15_000 }, (_, i): Row => ({ id: s * 15_000 + i, x: s === 1 && i === 5 ? 150 : 100 + r(), n: 0 })));
  await iqrCase('iqr-narrow', narrow, 'x', 1.5, 4);
  // Ties with neighbours one ulp away: the search runs to the full 64-bit key (6 rounds).
  const ulp = 2 ** -50;
  const ties = [Array.from({ length: 20_000 }, (_, i): Row => ({ id: i, x: i % 1000 === 0 ? 7 : i % 997 === 1 ? 5.25 + ulp : i % 991 === 2 ? 5.25 - ulp : 5.25, n: 0 }))];
  await iqrCase('iqr-ties', ties, 'x', 3, 8);
});

test('unique and outlier rules together with local rules and onFail: flag', async () => {
  const shards = spendShards(4, [40, 40], (s, i) => (s === 1 && i === 2 ? 900 : null)).map((rows, s) => rows.map((row, i) => ({ ...row, id: s === 1 && i === 4 ? 3 : (row.id as number) })));
  const input = await writeShards(dir.path, spend, shards, 'mixed');
  const rules = [{ column: 'id', unique: true, range: [0, 70] }, { column: 'x', outlier: { method: 'iqr' } }];
  const run = await runStage(validateOperator, stage('m', rules, { onFail: 'flag' }), [input], dir.path);
  const rows = await readRows(run.output);
  assert.equal(rows.length, 80);
  const flagged = rows.flatMap((row, k) => (row._violations === null ? [] : [[k, row._violations]]));
  assert.deepEqual(flagged.slice(0, 1), [[40 + 2, flagged[0]![1]]]);
  assert.match(String(flagged[0]![1]), /^x: outlier iqr k=1\.5: 900 is outside \[/);
  const dup = flagged.find(([k]) => k === 44);
  assert.equal(dup?.[1], `id: unique: duplicate key id=3 (first at ${input.shards[0]!.uri} row 4)`);
  for (const [k, why] of flagged) if ((shards.flat()[k as number]!.id as number) > 70) assert.match(String(why), /^id: range \[0, 70\]: \d+ is out of range/);
  assert.equal(run.phases.at(-1)!.tasks.reduce((n, t) => n + (t.stats.flagged as number), 0), flagged.length);
});

test('an input with no shards plans no tasks and gives an empty output', async () => {
  const empty: Dataset = { shards: [], schema: spend, rows: 0, bytes: 0 };
  const run = await runStage(validateOperator, stage('e', [{ column: 'id', unique: true }, { column: 'x', outlier: { method: 'iqr' } }]), [empty], dir.path);
  assert.deepEqual([run.phases.length, run.phases[0]!.tasks.length, run.output.rows], [1, 0, 0]);
  const section = await validateOperator.quality!(run.ctx, run.phases, run.output);
  assert.deepEqual(section!.rules!.map((r) => r.checked), [0, 0]);
});

test('statistics past the double range: z-score fails nothing, IQR fences stay finite; NaN and Infinity fail', async () => {
  const rows: Row[] = [1.7e308, -1.7e308, 1, 2, 3, Number.NaN, Number.POSITIVE_INFINITY].map((x, id) => ({ id, x, n: 0 }));
  const input = await writeShards(dir.path, spend, [rows], 'huge');
  const run = await runStage(validateOperator, stage('h', [{ column: 'x', outlier: { method: 'zscore' } }, { column: 'x', outlier: { method: 'iqr', k: 1e308 } }]), [input], dir.path);
  assert.deepEqual((await quarantineOf(run)).map((q) => [q.line, q.reason]), [
    [6, 'x: outlier zscore > 3: NaN is not a finite number; x: outlier iqr k=1e+308: NaN is not a finite number'],
    [7, 'x: outlier zscore > 3: Infinity is not a finite number; x: outlier iqr k=1e+308: Infinity is not a finite number'],
  ]);
  const plan = resolvePlan(run.ctx, spend, 1);
  const [z, iqr] = globalStats(plan, replay(plan, run.phases)).rules;
  assert.deepEqual(z, { method: 'zscore', n: 5, mean: 0, std: 0 });
  assert.ok(iqr?.method === 'iqr' && iqr.lo === -Number.MAX_VALUE && iqr.hi === Number.MAX_VALUE && iqr.q1 === 1 && iqr.q3 === 3);
});
