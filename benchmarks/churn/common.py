"""Shared pieces of the churn reference pipelines (sklearn_pipeline.py, dask_pipeline.py).

They mirror examples/churn.yaml step for step so that quiver is compared with the same work:

  clean     country: strip + upper; exact duplicate rows dropped (first kept)
  features  age outside 0..120 -> missing (age_years); days_since_login and days_since_signup
            relative to 2026-11-01 (fractional days for the timestamp, whole days for the date)
  pipeline  numeric: mean imputation + standard scaling; categorical: constant 'unknown'
            imputation + one-hot (unknown categories ignored), refit inside every CV fold
  models    LogisticRegression(C=1, lbfgs, max_iter=1000) and
            HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31,
            early_stopping=False, random_state=7)
  cv        StratifiedKFold(5, shuffle=True, random_state=7), scored by ROC-AUC

Usage from a sibling script:

    from common import clean, derive, make_pipeline, cv_splits, Timer
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")
LABEL = "churned"
NUMERIC = [
    "age_years", "monthly_spend", "total_spend", "tenure_months", "sessions_30d", "avg_session_min",
    "support_tickets", "is_promo", "nps", "days_since_login", "days_since_signup",
]
CATEGORICAL = ["country", "plan", "device", "gender"]
FEATURES = NUMERIC + CATEGORICAL
SEED = 7
FOLDS = 5
MODELS = ("lr", "tree")


def parse_models(text):
    """`--models lr,tree` → a tuple in MODELS order; an unknown name is an error naming the choices."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in names if m not in MODELS]
    if bad or not names:
        raise SystemExit(f"--models {text!r}: use a comma-separated subset of {','.join(MODELS)}")
    return tuple(m for m in MODELS if m in names)


def clean_country(country):
    """Trim + upper-case (a pandas or dask Series of strings; missing stays missing)."""
    return country.str.strip().str.upper()


def derive(df):
    """Adds age_years, days_since_login, days_since_signup to a pandas frame (in place) and
    returns it. Works per partition under dask (map_partitions)."""
    age = df["age"]
    df["age_years"] = age.where((age >= 0) & (age <= 120))
    login = pd.to_datetime(df["last_login"], utc=True, format="%Y-%m-%dT%H:%M:%S%z")
    signup = pd.to_datetime(df["signup_date"], utc=True, format="%Y-%m-%d")
    df["days_since_login"] = (AS_OF - login).dt.total_seconds() / 86_400
    df["days_since_signup"] = ((AS_OF - signup).dt.days).astype("float64")
    df["is_promo"] = df["is_promo"].astype("float64")
    return df


def features_transformer():
    numeric = Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler())])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="constant", fill_value="unknown")),
        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ])
    return ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)], sparse_threshold=0)


def make_model(name):
    if name == "lr":
        return LogisticRegression(C=1.0, max_iter=1000)
    if name == "tree":
        return HistGradientBoostingClassifier(
            max_iter=100, learning_rate=0.1, max_leaf_nodes=31, early_stopping=False, random_state=SEED,
        )
    raise ValueError(f"unknown model {name!r}: use one of {MODELS}")


def make_pipeline(name):
    """A fresh, unfitted Pipeline(features, model)."""
    return Pipeline([("features", features_transformer()), ("model", make_model(name))])


def cv_splits(y):
    """The (train, test) index pairs of StratifiedKFold(5, shuffle=True, random_state=7)."""
    return list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y))


class Timer:
    """Records wall seconds per stage: `with t.stage('read'): ...`."""

    def __init__(self):
        self.stages = {}
        self.t0 = time.perf_counter()

    def stage(self, name):
        timer = self

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()
                print(f"{name}...", file=sys.stderr, flush=True)

            def __exit__(self, *exc):
                timer.stages[name] = time.perf_counter() - self.start
                print(f"{name}: {timer.stages[name]:.2f}s", file=sys.stderr, flush=True)

        return _Stage()


def versions():
    import sklearn
    return {"python": sys.version.split()[0], "pandas": pd.__version__, "numpy": np.__version__, "sklearn": sklearn.__version__}


def write_result(path, result):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps({k: result[k] for k in ("engine", "total", "rows", "cv_auc")}))
