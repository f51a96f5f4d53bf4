"""Evidently drift between a model's training snapshot (reference) and the newest data (current).

Feature columns go through Evidently's ``DataDriftPreset``; the target and the prediction, where a
recipe has them, get a ``ValueDrift`` metric each and are reported apart, so the drift share (what
starts retraining) stays a statement about the inputs. Evidently picks each column's test from its
type and the sample size unless the settings name one.

Both sides are sampled down to ``max_rows`` rows: Evidently's per-column work (statistical tests
and the histograms of the HTML report) grows with rows, and beyond some tens of thousands of rows a
uniform sample changes the verdicts very little. With the row count bounded, the cost grows
linearly with the number of columns. The sample sizes are part of the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nex_assets.monitoring.logic.settings import DriftSettings

ROLES = ("feature", "target", "prediction")


class DriftInputError(ValueError):
    pass


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    role: str
    kind: str
    method: str
    score: float | None
    threshold: float | None
    drifted: bool


@dataclass
class DriftResult:
    columns: list[ColumnDrift]
    reference_rows: int
    current_rows: int
    reference_sample: int
    current_sample: int
    skipped: dict[str, str] = field(default_factory=dict)
    snapshot: Any = None

    @property
    def features(self) -> list[ColumnDrift]:
        return [c for c in self.columns if c.role == "feature"]

    @property
    def drifted_features(self) -> int:
        return sum(c.drifted for c in self.features)

    @property
    def drift_share(self) -> float:
        return self.drifted_features / len(self.features) if self.features else 0.0

    def role(self, role: str) -> ColumnDrift | None:
        return next((c for c in self.columns if c.role == role), None)

    def save_html(self, path: Path) -> Path:
        """Writes the Evidently report next to its final name and renames it, so a reader never
        opens half a report."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        self.snapshot.save_html(str(tmp))
        tmp.replace(path)
        return path


def sample(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """A uniform sample without replacement, the same for the same input and seed."""
    if len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=seed).reset_index(drop=True)


def _kind(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series):
        return "numerical"
    if pd.api.types.is_datetime64_any_dtype(series):
        return None
    return "categorical"


def _prepare(
    reference: pd.DataFrame, current: pd.DataFrame, roles: dict[str, str], labels: set[str] = frozenset()
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], dict[str, str], list[str]]:
    """Aligns both sides column by column; returns the frames, each kept column's kind, the skipped
    columns with the reason, and the feature columns missing from the current data. ``labels`` are
    compared as categories whatever their storage (codes, flags: a state code's mean means nothing)."""
    kinds: dict[str, str] = {}
    skipped: dict[str, str] = {}
    missing: list[str] = []
    ref_out, cur_out = {}, {}
    for column, role in roles.items():
        if column not in reference.columns:
            skipped[column] = "not in the reference snapshot"
            continue
        ref = reference[column]
        kind = "categorical" if column in labels else _kind(ref)
        if kind is None:
            skipped[column] = "dates are not compared"
            continue
        if column not in current.columns:
            if role == "feature":
                missing.append(column)
            else:
                skipped[column] = "not in the current data"
            continue
        cur = current[column]
        if kind == "numerical":
            cur = pd.to_numeric(cur, errors="coerce")
        else:
            # One side may hold 1 and the other "1" (parquet vs. the warehouse): compare as text.
            ref = ref.astype("string").astype(object).where(ref.notna(), None)
            cur = cur.astype("string").astype(object).where(cur.notna(), None)
        if ref.notna().sum() == 0 or cur.notna().sum() == 0:
            skipped[column] = "no values on one side"
            continue
        kinds[column] = kind
        ref_out[column], cur_out[column] = ref.reset_index(drop=True), cur.reset_index(drop=True)
    return pd.DataFrame(ref_out), pd.DataFrame(cur_out), kinds, skipped, missing


def measure_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: list[str],
    settings: DriftSettings,
    target: str | None = None,
    prediction: str | None = None,
    labels: set[str] | frozenset = frozenset(),
) -> DriftResult:
    """Runs the Evidently report and reads back one verdict per column."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset

    if reference.empty:
        raise DriftInputError("the reference snapshot has no rows")
    if current.empty:
        raise DriftInputError("the current data has no rows")
    roles = {c: "feature" for c in features}
    for role, column in (("target", target), ("prediction", prediction)):
        if column:
            roles[column] = role
    ref_sample = sample(reference, settings.max_rows, settings.seed)
    cur_sample = sample(current, settings.max_rows, settings.seed)
    ref, cur, kinds, skipped, missing = _prepare(ref_sample, cur_sample, roles, set(labels))
    compared = [c for c in kinds if roles[c] == "feature"]
    if not compared:
        raise DriftInputError(
            "no feature column can be compared: "
            + "; ".join(f"{c}: {why}" for c, why in skipped.items())
            + ("; missing from the current data: " + ", ".join(missing) if missing else "")
        )
    definition = DataDefinition(
        numerical_columns=[c for c, k in kinds.items() if k == "numerical"],
        categorical_columns=[c for c, k in kinds.items() if k == "categorical"],
    )
    metrics: list = [
        DataDriftPreset(
            columns=compared,
            drift_share=settings.retrain_share,
            method=settings.method,
            threshold=settings.column_threshold,
        )
    ]
    metrics += [
        ValueDrift(column=c, method=settings.method, threshold=settings.column_threshold)
        for c in kinds
        if roles[c] != "feature"
    ]
    snapshot = Report(metrics, include_tests=True).run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )
    columns = _read_columns(snapshot.dict(), roles, kinds)
    columns += [ColumnDrift(c, "feature", "missing", "missing column", None, None, True) for c in missing]
    return DriftResult(
        columns=columns,
        reference_rows=len(reference),
        current_rows=len(current),
        reference_sample=len(ref_sample),
        current_sample=len(cur_sample),
        skipped=skipped,
        snapshot=snapshot,
    )


def _read_columns(report: dict, roles: dict[str, str], kinds: dict[str, str]) -> list[ColumnDrift]:
    """One verdict per column from the snapshot: the ValueDrift metric gives the test, threshold and
    score, its bound test whether the column drifted (Evidently knows which tests are p-values and
    which are distances)."""
    failed = {
        t["metric_config"]["params"].get("column")
        for t in report["tests"]
        if t["metric_config"]["params"].get("type", "").endswith("ValueDrift")
        and str(getattr(t["status"], "value", t["status"])) == "FAIL"
    }
    out: dict[str, ColumnDrift] = {}
    for metric in report["metrics"]:
        config = metric["config"]
        column = config.get("column")
        if not config.get("type", "").endswith("ValueDrift") or column not in kinds or column in out:
            continue
        out[column] = ColumnDrift(
            column=column,
            role=roles[column],
            kind=kinds[column],
            method=str(config.get("method")),
            score=float(metric["value"]),
            threshold=float(config["threshold"]) if config.get("threshold") is not None else None,
            drifted=column in failed,
        )
    return [out[c] for c in roles if c in out]
