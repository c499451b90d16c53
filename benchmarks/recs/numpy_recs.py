"""The numpy reference for `npm run bench -- recs`: implicit ALS with conjugate-gradient solves and
exact top-K scoring, vectorized with numpy + scipy.sparse (float32, as the `implicit` library).

    /usr/bin/python3 benchmarks/recs/numpy_recs.py train.csv heldout.csv out.json \
        [--rank 64] [--reg 0.1] [--alpha 40] [--iterations 5] [--cg-steps 3] [--k 10]

ALS: each half-step solves every row in batches: b = Σ c·y, A·p = p·(YᵀY + reg·I) + Σ (c − 1)(y·p)·y
(the sparse part as a CSR product), `cg-steps` CG steps warm-started from the current factors.
Scoring: users in chunks, scores = U_chunk @ Yᵀ (BLAS sgemm), seen items set to −inf, then
np.argpartition for the top k and a sort of those k (exact top-k). Peak: numpy's float32 matmul
of two 4096 × 4096 matrices, and of the scoring shape itself, on this machine.

Writes {engine, users, items, interactions, peak_gflops, shape_gflops, als_seconds_per_iteration,
iteration_seconds, losses, scoring_seconds, users_per_second, scoring_gflops, recall, ndcg,
precision, map, versions} to out.json.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import scipy
from scipy.sparse import csr_matrix


def peak_gflops(n=4096, reps=3):
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(reps))
    return 2 * n ** 3 / best / 1e9


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def batches(C, nnz_per_batch):
    """Row ranges of C holding about nnz_per_batch entries each (popular items have many)."""
    start = 0
    while start < C.shape[0]:
        end = int(np.searchsorted(C.indptr, C.indptr[start] + nnz_per_batch, side="right")) - 1
        end = min(max(end, start + 1), C.shape[0])
        yield start, end
        start = end


def half_step(C, X, Y, reg, alpha, cg_steps, nnz_per_batch=1_000_000):
    r = Y.shape[1]
    gram = (Y.T.astype(np.float64) @ Y.astype(np.float64) + reg * np.eye(r)).astype(np.float32)
    for s, e in batches(C, nnz_per_batch):
        sub = C[s:e]
        indptr = sub.indptr - sub.indptr[0]
        rows = np.repeat(np.arange(sub.shape[0]), np.diff(indptr))
        cols = sub.indices
        extra = (alpha * sub.data).astype(np.float32)
        Yc = Y[cols]

        def sparse(P):
            d = extra * np.einsum("ij,ij->i", Yc, P[rows])
            return csr_matrix((d, cols, indptr), shape=sub.shape) @ Y

        x = X[s:e]
        b = csr_matrix((1 + extra, cols, indptr), shape=sub.shape) @ Y
        res = b - x @ gram - sparse(x)
        p = res.copy()
        rs = np.einsum("ij,ij->i", res, res)
        for _ in range(cg_steps):
            ap = p @ gram + sparse(p)
            step = rs / np.maximum(np.einsum("ij,ij->i", p, ap), 1e-30)
            x += step[:, None] * p
            res -= step[:, None] * ap
            rs_new = np.einsum("ij,ij->i", res, res)
            p = res + (rs_new / np.maximum(rs, 1e-30))[:, None] * p
            rs = rs_new
        X[s:e] = x


def loss(C, X, Y, reg, alpha):
    """Σ c (p − x·y)² + reg (‖X‖² + ‖Y‖²) over every pair (via the Gram identity)."""
    G = Y.T.astype(np.float64) @ Y.astype(np.float64)
    total = 0.0
    for s0, e0 in batches(C, 1_000_000):
        sub = C[s0:e0]
        x = X[s0:e0].astype(np.float64)
        total += float(np.einsum("ij,jk,ik->", x, G, x))
        rows = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
        s = np.einsum("ij,ij->i", x[rows], Y[sub.indices].astype(np.float64))
        c = 1 + alpha * sub.data.astype(np.float64)
        total += float((c * (1 - s) ** 2 - s ** 2).sum())
    return total + reg * float((X.astype(np.float64) ** 2).sum() + (Y.astype(np.float64) ** 2).sum())


def top_k(U, Y, seen, k, chunk=4096):
    n = U.shape[0]
    items = np.empty((n, k), dtype=np.int64)
    Yt = np.ascontiguousarray(Y.T)
    for s in range(0, n, chunk):
        S = U[s:s + chunk] @ Yt
        sub = seen[s:s + chunk]
        rows = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
        S[rows, sub.indices] = -np.inf
        idx = np.argpartition(-S, k, axis=1)[:, :k]
        top = np.take_along_axis(S, idx, 1)
        order = np.argsort(-top, axis=1, kind="stable")
        items[s:s + chunk] = np.take_along_axis(idx, order, 1)
    return items


def ranking(items, held, k):
    discount = 1 / np.log2(np.arange(k) + 2)
    rel_n = np.diff(held.indptr)
    users = np.flatnonzero(rel_n > 0)
    prec = rec = ndcg = ap = 0.0
    for u in users:
        rel = set(held.indices[held.indptr[u]:held.indptr[u + 1]].tolist())
        hits = np.array([i in rel for i in items[u]])
        h = hits.sum()
        prec += h / k
        rec += h / len(rel)
        ndcg += (discount[hits]).sum() / discount[:min(k, len(rel))].sum()
        ap += (np.cumsum(hits) / (np.arange(k) + 1))[hits].sum() / min(k, len(rel))
    n = max(len(users), 1)
    return {"users": int(len(users)), "precision": prec / n, "recall": rec / n, "ndcg": ndcg / n, "map": ap / n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train")
    ap.add_argument("heldout")
    ap.add_argument("out")
    ap.add_argument("--rank", type=int, default=64)
    ap.add_argument("--reg", type=float, default=0.1)
    ap.add_argument("--alpha", type=float, default=40.0)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--cg-steps", type=int, default=3)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    t = time.perf_counter()
    train = pd.read_csv(args.train, usecols=["user_id", "item_id", "plays"])
    held = pd.read_csv(args.heldout, usecols=["user_id", "item_id"])
    users = int(max(train.user_id.max(), held.user_id.max())) + 1
    items = int(train.item_id.max()) + 1
    C = csr_matrix((train.plays.to_numpy(np.float32), (train.user_id.to_numpy(), train.item_id.to_numpy())), shape=(users, items))
    C.sum_duplicates()
    Ct = C.T.tocsr()
    known = held.item_id < items
    H = csr_matrix((np.ones(int(known.sum()), np.float32), (held.user_id[known].to_numpy(), held.item_id[known].to_numpy())), shape=(users, items))
    read_seconds = time.perf_counter() - t

    peak = peak_gflops()
    rng = np.random.default_rng(args.seed)
    X = (rng.random((users, args.rank), dtype=np.float32) * 0.01)
    Y = (rng.random((items, args.rank), dtype=np.float32) * 0.01)
    iteration_seconds, losses = [], []
    for _ in range(args.iterations):
        t = time.perf_counter()
        half_step(C, X, Y, args.reg, args.alpha, args.cg_steps)
        half_step(Ct, Y, X, args.reg, args.alpha, args.cg_steps)
        iteration_seconds.append(time.perf_counter() - t)
        losses.append(loss(C, X, Y, args.reg, args.alpha))

    shape = min(timed(lambda: X[:4096] @ Y.T) for _ in range(3))
    t = time.perf_counter()
    recs = top_k(X, Y, C, args.k)
    scoring = time.perf_counter() - t
    flops = 2.0 * users * items * args.rank
    out = {
        "engine": "numpy + scipy",
        "users": users, "items": items, "interactions": int(C.nnz),
        "read_seconds": read_seconds,
        "peak_gflops": peak,
        "shape_gflops": 2.0 * 4096 * items * args.rank / shape / 1e9,
        "iteration_seconds": iteration_seconds,
        "als_seconds_per_iteration": float(np.mean(iteration_seconds)),
        "losses": losses,
        "scoring_seconds": scoring,
        "users_per_second": users / scoring,
        "scoring_gflops": flops / scoring / 1e9,
        **ranking(recs, H, args.k),
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "pandas": pd.__version__},
    }
    with open(args.out, "w") as f:
        json.dump(out, f)
    print(f"numpy: {args.iterations} iterations, {out['als_seconds_per_iteration']:.2f} s/iteration; scoring {out['users_per_second']:.0f} users/s ({out['scoring_gflops']:.1f} GFLOP/s, peak {peak:.1f}); recall@{args.k} {out['recall']:.4f}")


if __name__ == "__main__":
    main()
