/**
 * The recommendation metrics against scikit-learn where it has them: NDCG@K of top-K lists with
 * binary relevance equals `sklearn.metrics.ndcg_score(y_true, y_score, k=K)` per user (lists
 * scored K..1, other items 0), to 1e-9, averaged over users with held-out items. Precision,
 * recall and MAP@K have no sklearn counterpart; a plain-Python reading of their definitions in the
 * same script checks them. Without sklearn: fails when CI=true (install python3-sklearn),
 * skips otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { csrFromPairs } from '../../shared/ml/recs/csr.js';
import { rankingMetrics, rankingPartial } from '../../shared/ml/recs/ranking.js';
import { mulberry32 } from '../../shared/prng.js';
import { PY, sklearnOrSkip } from '../helpers/sklearn.js';

const { skip } = sklearnOrSkip();

const SCRIPT = `
import json, sys
import numpy as np
from sklearn.metrics import ndcg_score
d = json.load(sys.stdin)
k, items = d["k"], d["items"]
nd, prec, rec, ap, n = [], 0.0, 0.0, 0.0, 0
for lst, rel in zip(d["lists"], d["relevant"]):
    if not rel:
        continue
    n += 1
    y_true = np.zeros((1, items)); y_true[0, rel] = 1
    y_score = np.zeros((1, items))
    for j, item in enumerate(lst):
        y_score[0, item] = k - j
    nd.append(ndcg_score(y_true, y_score, k=k))
    hits = [item in rel for item in lst]
    prec += sum(hits) / k
    rec += sum(hits) / len(rel)
    ap += sum(sum(hits[: j + 1]) / (j + 1) for j in range(k) if hits[j]) / min(k, len(rel))
print(json.dumps({"ndcg": float(np.mean(nd)), "precision": prec / n, "recall": rec / n, "map": ap / n, "users": n}))
`;

test('ranking metrics: NDCG@K equals sklearn ndcg_score; precision, recall, MAP@K their definitions', { skip }, () => {
  const rand = mulberry32(17);
  for (const [users, items, k] of [[50, 30, 5], [300, 200, 10], [100, 12, 3]] as const) {
    const lists = Array.from({ length: users }, () => {
      const pool = Array.from({ length: items }, (_, i) => i).sort(() => rand() - 0.5);
      return pool.slice(0, k);
    });
    const relevant = Array.from({ length: users }, (_, u) => {
      if (u % 7 === 0) return [];
      const n = 1 + Math.floor(rand() * 6);
      // Half the time one relevant item is on the list, so there are hits at every rank.
      const rel = new Set(Array.from({ length: n }, () => Math.floor(rand() * items)));
      if (rand() < 0.5) rel.add(lists[u]![Math.floor(rand() * k)]!);
      return [...rel].sort((a, b) => a - b);
    });
    const held = csrFromPairs(
      Int32Array.from(relevant.flatMap((r, u) => r.map(() => u))), users,
      Int32Array.from(relevant.flat()), items, new Float32Array(relevant.flat().length).fill(1),
    );
    const ours = rankingMetrics(rankingPartial(Int32Array.from(lists.flat()), k, held, items));
    const r = spawnSync(PY, ['-c', SCRIPT], { input: JSON.stringify({ k, items, lists, relevant }), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { ndcg: number; precision: number; recall: number; map: number; users: number };
    assert.equal(ours.users, ref.users);
    for (const m of ['ndcg', 'precision', 'recall', 'map'] as const) assert.ok(Math.abs(ours[m] - ref[m]) < 1e-9, `${users}×${items}, k ${k}: ${m} ${ours[m]} vs ${ref[m]}`);
  }
});
