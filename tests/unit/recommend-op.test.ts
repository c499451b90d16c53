/**
 * The `recommend` operator run phase by phase over a local store: every user gets its top K
 * exactly once with no seen or denied item, bad rows are quarantined with reasons, the loss falls,
 * held-out recall beats the popularity baseline on data with structure, and the model does not
 * depend on how rows are partitioned or on the order tasks run in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { SchemaDef } from '../../shared/dataset.js';
import { decodeQuarantine } from '../../shared/formats/quarantine.js';
import { recommendOperator } from '../../shared/operators/recommend.js';
import type { RecSummary } from '../../shared/operators/recommend.js';
import { mulberry32 } from '../../shared/prng.js';
import { readRows, runStage, writeShards } from '../helpers/stage-runner.js';
import type { Row } from '../helpers/stage-runner.js';
import { tempDir } from '../helpers/tmp.js';

const schema: SchemaDef = { fields: [{ name: 'user_id', type: 'int', nullable: true }, { name: 'item_id', type: 'string', nullable: true }, { name: 'plays', type: 'float', nullable: true }] };

/** 4 taste groups of 20 items each plus 10 popular items (10 % of picks); each user's last interaction held out. */
function data(users: number, seed: number): { train: Row[][]; heldOut: Row[]; seen: Map<number, Set<string>> } {
  const r = mulberry32(seed);
  const train: Row[][] = [[], []];
  const heldOut: Row[] = [];
  const seen = new Map<number, Set<string>>();
  for (let u = 0; u < users; u++) {
    const group = u % 4;
    const picks = new Set<string>();
    const n = 4 + Math.floor(r() * 6);
    while (picks.size < n) picks.add(r() < 0.9 ? `g${group}-${Math.floor(r() * 20)}` : `pop-${Math.floor(r() * 10)}`);
    const list = [...picks];
    seen.set(u, new Set(list.slice(0, -1)));
    list.slice(0, -1).forEach((item) => train[u % 2]!.push({ user_id: u, item_id: item, plays: 1 + Math.floor(r() * 3) }));
    heldOut.push({ user_id: u, item_id: list[list.length - 1]! });
  }
  return { train, heldOut, seen };
}

const stage = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'recs', op: 'recommend', input: ['train', 'heldout'], user: 'user_id', item: 'item_id', weight: 'plays',
  rank: 8, reg: 0.05, alpha: 10, iterations: 6, seed: 3, k: 5, similarItems: 3, partitions: { users: 3, items: 2 }, ...extra,
});

async function run(extra: Record<string, unknown>, order?: (n: number) => number[], bad: Row[] = []): Promise<{ rows: Row[]; summary: RecSummary; dir: string; quarantine: string[] }> {
  const dir = await tempDir('recommend');
  const d = data(400, 1);
  const train = await writeShards(dir.path, schema, [[...d.train[0]!, ...bad], d.train[1]!], 'train');
  const heldOut = await writeShards(dir.path, { fields: schema.fields.slice(0, 2) }, [d.heldOut], 'heldout');
  const result = await runStage(recommendOperator, stage(extra) as never, [train, heldOut], dir.path, order);
  const summary = JSON.parse(await readFile(`${result.ctx.stagePrefix}report.json`, 'utf8')) as RecSummary;
  // The job result's stage summary has the report's numbers.
  const fromStats = recommendOperator.resultSummary!(result.ctx.stage, [train, heldOut], result.phases, result.phases.map(() => 1)) as unknown as RecSummary;
  assert.deepEqual(fromStats.metrics, summary.metrics);
  assert.deepEqual(fromStats.iterations.map((i) => i.loss), summary.iterations.map((i) => i.loss));
  assert.equal(fromStats.alsSecondsPerIteration, 2, 'two phases of 1 s per iteration');
  const quarantine = result.phases[0]!.tasks.flatMap((t) => t.quarantine);
  const reasons = (await Promise.all(quarantine.map(async (q) => decodeQuarantine(await readFile(q.uri))))).flat().map((q) => q.reason);
  return { rows: await readRows(result.output), summary, dir: result.ctx.stagePrefix, quarantine: reasons };
}

test('recommend: every user once with k unseen, allowed items; loss falls; recall beats popularity; bad rows quarantined', async () => {
  const bad: Row[] = [{ user_id: 1, item_id: null, plays: 1 }, { user_id: 2, item_id: 'g0-1', plays: 0 }, { user_id: null, item_id: 'g0-1', plays: 1 }];
  const { rows, summary, quarantine } = await run({ denyItems: ['pop-0'] }, undefined, bad);
  const d = data(400, 1);
  const byUser = new Map<number, Row[]>();
  for (const row of rows) byUser.set(row.user_id as number, [...(byUser.get(row.user_id as number) ?? []), row]);
  assert.equal(byUser.size, 400, 'every user has recommendations');
  for (const [u, list] of byUser) {
    assert.deepEqual(list.map((x) => x.rank), [1, 2, 3, 4, 5], `user ${u}: ranks 1..k once each`);
    const items = list.map((x) => x.item_id as string);
    assert.equal(new Set(items).size, 5, `user ${u}: distinct items`);
    for (const item of items) {
      assert.ok(!d.seen.get(u)!.has(item), `user ${u} was recommended ${item}, which they have seen`);
      assert.notEqual(item, 'pop-0', 'a denied item was recommended');
    }
    const scores = list.map((x) => x.score as number);
    for (let j = 1; j < scores.length; j++) assert.ok(scores[j - 1]! >= scores[j]!, `user ${u}: scores descend`);
  }
  assert.equal(summary.quarantined, 3);
  assert.deepEqual(quarantine.map((q) => q.split(' ')[0]).sort(), ['item_id', 'plays', 'user_id']);
  assert.equal(summary.users, 400);
  assert.equal(summary.iterations.length, 6);
  for (let t = 1; t < 6; t++) assert.ok(summary.iterations[t]!.loss <= summary.iterations[t - 1]!.loss * (1 + 1e-9), `loss rose at iteration ${t + 1}`);
  assert.ok(summary.metrics !== null);
  assert.equal(summary.metrics.model.users, 400);
  assert.ok(summary.metrics.model.recall > summary.metrics.popularity.recall + 0.05, `ALS recall ${summary.metrics.model.recall} vs popularity ${summary.metrics.popularity.recall}`);
  assert.equal(summary.scoring.users, 400);
});

test('recommend: the model does not depend on the partitioning or the task order', async () => {
  const a = await run({});
  const b = await run({ partitions: { users: 1, items: 1 } }, (n) => Array.from({ length: n }, (_, i) => n - 1 - i));
  for (let t = 0; t < 6; t++) {
    const x = a.summary.iterations[t]!.loss;
    const y = b.summary.iterations[t]!.loss;
    assert.ok(Math.abs(x - y) < 1e-4 * x, `iteration ${t + 1}: loss ${x} vs ${y}`);
  }
  const key = (r: Row): string => `${String(r.user_id)}:${String(r.rank)}`;
  const other = new Map(b.rows.map((r) => [key(r), r]));
  let same = 0;
  for (const r of a.rows) {
    const o = other.get(key(r))!;
    if (o.item_id === r.item_id) same++;
    else assert.ok(Math.abs((o.score as number) - (r.score as number)) < 1e-3, `user ${String(r.user_id)} rank ${String(r.rank)}: ${String(r.item_id)} (${String(r.score)}) vs ${String(o.item_id)} (${String(o.score)}): only near-ties may swap`);
  }
  assert.ok(same >= 0.98 * a.rows.length, `${same} of ${a.rows.length} recommendations equal`);
});
