"""The evidence behind a synthetic table: fidelity (SDV diagnostic and quality reports), privacy
(distance to the closest real record against a random baseline, exact copies) and utility
(train on synthetic, test on real)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_CATEGORIES = 250


@dataclass
class Report:
    score: float
    properties: dict[str, float] = field(default_factory=dict)


@dataclass
class Utility:
    target: str
    task: str
    metric: str
    real: float
    synthetic: float

    @property
    def loss(self) -> float:
        return self.real - self.synthetic


def single_metadata(metadata: dict, table: str, columns: list[str] | None = None) -> dict:
    """One table's SDV metadata, optionally restricted to some of its columns."""
    spec = metadata["tables"][table]
    cols = {k: v for k, v in spec["columns"].items() if columns is None or k in columns}
    out: dict = {"columns": cols}
    if spec.get("primary_key") in cols:
        out["primary_key"] = spec["primary_key"]
    return out


def _report(kind: str, real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> Report:
    from sdmetrics.reports.single_table import DiagnosticReport, QualityReport

    if not metadata["columns"]:
        return Report(1.0)
    report = DiagnosticReport() if kind == "diagnostic" else QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, synthetic, metadata, verbose=False)
    props = report.get_properties()
    properties = {str(r["Property"]): float(r["Score"]) for _, r in props.iterrows() if pd.notna(r["Score"])}
    score = report.get_score()
    return Report(float(score) if pd.notna(score) else 1.0, properties)


def diagnostic(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> Report:
    return _report("diagnostic", real, synthetic, metadata)


def quality(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict) -> Report:
    return _report("quality", real, synthetic, metadata)


def dcr_baseline_protection(
    real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict, *, rows: int, seed: int
) -> dict:
    """sdmetrics' DCRBaselineProtection on at most ``rows`` rows of each side (seeded)."""
    from sdmetrics.single_table import DCRBaselineProtection

    if not metadata["columns"] or real.empty or synthetic.empty:
        return {"score": 1.0, "synthetic_median_dcr": None, "random_median_dcr": None}
    cols = list(metadata["columns"])
    real = real[cols].sample(n=min(rows, len(real)), random_state=seed)
    synthetic = synthetic[cols].sample(n=min(rows, len(synthetic)), random_state=seed)
    # sdmetrics draws its random baseline from this class attribute and numpy's global state.
    np.random.seed(seed)
    DCRBaselineProtection._seed = seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = DCRBaselineProtection.compute_breakdown(real, synthetic, {"columns": metadata["columns"]}, None)
    score = out["score"]
    return {
        "score": 1.0 if score is None or pd.isna(score) else float(score),
        "synthetic_median_dcr": float(out["median_DCR_to_real_data"]["synthetic_data"]),
        "random_median_dcr": float(out["median_DCR_to_real_data"]["random_data_baseline"]),
    }


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """One spelling per value so that equal values compare equal across real and synthetic."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("<null>")
        elif pd.api.types.is_bool_dtype(col):
            out[name] = col.astype(str)
        elif pd.api.types.is_numeric_dtype(col):
            out[name] = col.astype(float).round(6).astype(str).replace("nan", "<null>")
        else:
            out[name] = col.astype(object).where(col.notna(), "<null>").astype(str)
    return pd.DataFrame(out)


def exact_copy_share(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str]) -> tuple[float, int]:
    """Share (and count) of synthetic rows identical to some real row on ``columns``."""
    if not columns or synthetic.empty:
        return 0.0, 0
    real_rows = set(map(tuple, _canonical(real[columns]).itertuples(index=False, name=None)))
    synthetic_rows = _canonical(synthetic[columns]).itertuples(index=False, name=None)
    copies = sum(1 for row in synthetic_rows if row in real_rows)
    return copies / len(synthetic), copies


def _features(frames: list[pd.DataFrame], columns: list[str]) -> list[pd.DataFrame]:
    """Numeric features; datetimes as numbers, text as shared categories across all frames."""
    out = [pd.DataFrame(index=f.index) for f in frames]
    for name in columns:
        cols = [f[name] for f in frames]
        if all(pd.api.types.is_datetime64_any_dtype(c) for c in cols):
            for o, c in zip(out, cols, strict=True):
                o[name] = c.astype("int64", errors="ignore").astype(float)
        elif all(pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c) for c in cols):
            for o, c in zip(out, cols, strict=True):
                o[name] = c.astype(float)
        else:
            cats = sorted({str(v) for c in cols for v in c.dropna().unique()})
            for o, c in zip(out, cols, strict=True):
                text = c.astype(object).where(c.notna(), None).map(lambda v: None if v is None else str(v))
                codes = pd.Categorical(text, categories=cats)
                # Gradient boosting takes at most 255 categories; beyond that, codes as numbers.
                o[name] = (
                    codes
                    if len(cats) <= MAX_CATEGORIES
                    else pd.Series(codes.codes, index=c.index, dtype=float)
                )
    return out


def train_synthetic_test_real(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    target: str,
    task: str,
    features: list[str],
    seed: int,
) -> Utility:
    """The same gradient-boosting model trained on real and on synthetic rows, both scored on
    real rows held out from the synthesizer: R² for regression, ROC AUC (binary) or accuracy."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    features = [f for f in features if f != target]
    x_train, x_syn, x_test = _features([train, synthetic, holdout], features)
    if task == "regression":

        def fit_score(x, y):
            model = HistGradientBoostingRegressor(random_state=seed, categorical_features="from_dtype")
            model.fit(x, y.astype(float))
            return float(r2_score(holdout[target].astype(float), model.predict(x_test)))

        metric = "r2"
    else:
        y_test = holdout[target].astype(str)
        binary = y_test.nunique() == 2
        metric = "roc_auc" if binary else "accuracy"

        def fit_score(x, y):
            y = y.astype(str)
            if y.nunique() < 2:
                return 0.0  # a synthetic target with one class cannot rank anything
            model = HistGradientBoostingClassifier(random_state=seed, categorical_features="from_dtype")
            model.fit(x, y)
            if binary:
                positive = sorted(y_test.unique())[-1]
                if positive not in model.classes_:
                    return 0.0
                proba = model.predict_proba(x_test)[:, list(model.classes_).index(positive)]
                return float(roc_auc_score(y_test == positive, proba))
            return float(accuracy_score(y_test, model.predict(x_test)))

    real_score = fit_score(x_train, train[target])
    synthetic_score = fit_score(x_syn, synthetic[target])
    return Utility(target, task, metric, real_score, synthetic_score)
