"""The churn retraining pipeline in pandas + scikit-learn, the reference for `npm run bench -- churn`.

    /usr/bin/python3 benchmarks/churn/sklearn_pipeline.py data/bench/users-1000000.csv out.json [--n-jobs 2]

Stages, each timed: read (pandas.read_csv) -> clean (country strip/upper, exact duplicates
dropped) -> features (age range, days since login/signup) -> cv_lr, cv_tree (cross_validate of
Pipeline(ColumnTransformer, model) over StratifiedKFold(5, shuffle, seed 7), the transformer
refit in every fold, n_jobs folds at a time) -> final_lr, final_tree (fit on all rows) ->
register (joblib.dump of both fitted pipelines). `total` is the sum of those stages.
`info.features_fit_transform` times one fit_transform of the transformer on all rows: shown for
reference, not part of `total` (the pipelines refit it themselves).

Writes {engine, stages, total, rows, rows_clean, cv_auc, fold_aucs, fold_fit_seconds, fold_score_seconds, params,
info, versions} to out.json and a one-line summary to stdout.
"""
import argparse
import os
import tempfile
import time

import joblib
import pandas as pd
from sklearn.model_selection import cross_validate

from common import FEATURES, LABEL, MODELS, Timer, parse_models, clean_country, cv_splits, derive, features_transformer, make_pipeline, versions, write_result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("out")
    ap.add_argument("--n-jobs", type=int, default=2, help="folds fitted at a time by cross_validate (default 2)")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of lr,tree (default both)")
    args = ap.parse_args()
    models = parse_models(args.models)

    t = Timer()
    with t.stage("read"):
        df = pd.read_csv(args.csv)
    rows = len(df)

    with t.stage("clean"):
        df["country"] = clean_country(df["country"])
        df = df.drop_duplicates(ignore_index=True)

    with t.stage("features"):
        df = derive(df)
        X = df[FEATURES]
        y = df[LABEL].to_numpy()
        splits = cv_splits(y)

    info = {}
    start = time.perf_counter()
    features_transformer().fit_transform(X)
    info["features_fit_transform"] = time.perf_counter() - start

    cv = {}
    for name in models:
        with t.stage(f"cv_{name}"):
            cv[name] = cross_validate(make_pipeline(name), X, y, cv=splits, scoring="roc_auc", n_jobs=args.n_jobs)

    fitted = {}
    for name in models:
        with t.stage(f"final_{name}"):
            fitted[name] = make_pipeline(name).fit(X, y)

    with tempfile.TemporaryDirectory(prefix="churn-sklearn-") as registry:
        with t.stage("register"):
            sizes = {}
            for name, pipe in fitted.items():
                path = os.path.join(registry, f"churn-{name}.joblib")
                joblib.dump({"name": "churn", "model": name, "pipeline": pipe, "features": FEATURES, "cv_auc": float(cv[name]["test_score"].mean())}, path)
                sizes[name] = os.path.getsize(path)
    info["model_bytes"] = sizes
    if "lr" in fitted:
        info["lr_iterations"] = int(fitted["lr"].named_steps["model"].n_iter_[0])

    write_result(args.out, {
        "engine": "pandas + scikit-learn",
        "stages": t.stages,
        "total": sum(t.stages.values()),
        "rows": rows,
        "rows_clean": len(df),
        "cv_auc": {name: float(cv[name]["test_score"].mean()) for name in models},
        "fold_aucs": {name: cv[name]["test_score"].tolist() for name in models},
        "fold_fit_seconds": {name: cv[name]["fit_time"].tolist() for name in models},
        "fold_score_seconds": {name: cv[name]["score_time"].tolist() for name in models},
        "params": {"n_jobs": args.n_jobs, "folds": len(splits)},
        "info": info,
        "versions": versions(),
    })


if __name__ == "__main__":
    main()
