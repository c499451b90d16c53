"""The churn retraining pipeline in Dask distributed (plain dask + scikit-learn: Dask-ML is not
installed), for `npm run bench -- churn`.

    /usr/bin/python3 benchmarks/churn/dask_pipeline.py data/bench/users-1000000.csv out.json [--workers 2] [--blocksize 16MB]

A LocalCluster of `--workers` processes with one thread each (dask sets OMP_NUM_THREADS=1 in
them). Stages, each timed and each persisted on the cluster before the next starts:

  read      dask.dataframe.read_csv (blocks of --blocksize)
  clean     country strip/upper, exact duplicates dropped (tree reduction into one partition,
            first occurrence kept, file order kept, so the folds match sklearn's)
  features  age range, days since login/signup (map_partitions); the model columns computed into
            one pandas frame held by a worker, then replicated to every worker
  cv        the 10 (model x fold) fits of Pipeline(ColumnTransformer, model) submitted at once as
            futures on the replicated frame with scattered StratifiedKFold indices; each scores
            ROC-AUC on its held-out fold
  final     both final fits submitted at once
  register  the fitted pipelines gathered and written with joblib.dump

`total` is the sum of the stages; cluster start-up is reported in `info.cluster_start` and not
counted (quiver's cluster benchmark also starts its workers before the clock). Writes the same
JSON shape as sklearn_pipeline.py.
"""
import argparse
import os
import tempfile
import time

import dask.dataframe as dd
import joblib
from distributed import Client, LocalCluster, wait
from sklearn.metrics import roc_auc_score

from common import FEATURES, LABEL, MODELS, Timer, parse_models, clean_country, cv_splits, derive, make_pipeline, versions, write_result

# Columns that hold missing values must be read as float in every block, whatever the sample says.
DTYPES = {
    "age": "float64", "monthly_spend": "float64", "total_spend": "float64", "tenure_months": "int64",
    "sessions_30d": "float64", "avg_session_min": "float64", "support_tickets": "int64", "nps": "float64",
    "churned": "int64", "is_promo": "bool", "email": "object", "country": "object", "city": "object",
    "gender": "object", "device": "object", "plan": "object", "signup_date": "object", "last_login": "object",
}


def fit_fold(df, name, split):
    """Fits one (model, fold) on a worker; returns (ROC-AUC on the held-out rows, seconds)."""
    train, test = split
    start = time.perf_counter()
    X = df[FEATURES]
    y = df[LABEL].to_numpy()
    pipe = make_pipeline(name).fit(X.iloc[train], y[train])
    auc = roc_auc_score(y[test], pipe.predict_proba(X.iloc[test])[:, 1])
    return float(auc), time.perf_counter() - start


def fit_final(df, name):
    start = time.perf_counter()
    pipe = make_pipeline(name).fit(df[FEATURES], df[LABEL].to_numpy())
    return pipe, time.perf_counter() - start


def labels(df):
    return df[LABEL].to_numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("out")
    ap.add_argument("--workers", type=int, default=2, help="worker processes, one thread each (default 2)")
    ap.add_argument("--blocksize", default="16MB", help="read_csv block size (default 16MB)")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of lr,tree (default both)")
    args = ap.parse_args()
    models = parse_models(args.models)

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    info = {"cluster_start": time.perf_counter() - start}
    try:
        t = Timer()
        with t.stage("read"):
            raw = dd.read_csv(args.csv, blocksize=args.blocksize, dtype=DTYPES).persist()
            wait(raw)
        rows = int(raw.map_partitions(len).compute().sum())
        info["partitions"] = raw.npartitions

        with t.stage("clean"):
            clean = raw.assign(country=clean_country(raw["country"])).drop_duplicates().persist()
            wait(clean)
        del raw

        with t.stage("features"):
            prepared = clean.map_partitions(derive, meta=derive(clean._meta.copy()))[FEATURES + [LABEL]]
            frame = client.compute(prepared)
            wait(frame)
            y = client.submit(labels, frame).result()
            splits = cv_splits(y)
            client.replicate([frame])
        del clean

        with t.stage("cv"):
            split_futures = client.scatter(splits, broadcast=True)
            jobs = [(name, i, client.submit(fit_fold, frame, name, s, pure=False)) for name in models for i, s in enumerate(split_futures)]
            wait([f for _, _, f in jobs])
        fold = {(name, i): f.result() for name, i, f in jobs}

        with t.stage("final"):
            finals = {name: client.submit(fit_final, frame, name, pure=False) for name in models}
            wait(list(finals.values()))

        with tempfile.TemporaryDirectory(prefix="churn-dask-") as registry:
            with t.stage("register"):
                fitted = {name: f.result() for name, f in finals.items()}
                sizes = {}
                for name, (pipe, _) in fitted.items():
                    path = os.path.join(registry, f"churn-{name}.joblib")
                    joblib.dump({"name": "churn", "model": name, "pipeline": pipe, "features": FEATURES}, path)
                    sizes[name] = os.path.getsize(path)
        info["model_bytes"] = sizes
        info["final_fit_seconds"] = {name: s for name, (_, s) in fitted.items()}

        fold_aucs = {name: [fold[(name, i)][0] for i in range(len(splits))] for name in models}
        fold_seconds = {name: [fold[(name, i)][1] for i in range(len(splits))] for name in models}
        info["cv_task_seconds"] = {name: sum(s) for name, s in fold_seconds.items()}
        write_result(args.out, {
            "engine": f"Dask distributed ({args.workers} workers x 1 thread)",
            "stages": t.stages,
            "total": sum(t.stages.values()),
            "rows": rows,
            "rows_clean": int(len(y)),
            "cv_auc": {name: sum(a) / len(a) for name, a in fold_aucs.items()},
            "fold_aucs": fold_aucs,
            "fold_fit_seconds": fold_seconds,
            "params": {"workers": args.workers, "threads_per_worker": 1, "blocksize": args.blocksize, "folds": len(splits)},
            "info": info,
            "versions": {**versions(), "dask": __import__("dask").__version__, "distributed": __import__("distributed").__version__},
        })
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
