"""Drift verdicts from Evidently on small frames whose shifts are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nex_assets.monitoring.logic.drift import DriftInputError, measure_drift, sample
from nex_assets.monitoring.logic.settings import DriftSettings


def frames(n: int = 3000, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame(
        {
            "price": rng.normal(10, 2, n),
            "units": rng.integers(0, 50, n),
            "region": rng.choice(["north", "south", "east"], n),
            "promo": rng.random(n) < 0.2,
            "target": rng.normal(0, 1, n),
            "prediction": rng.normal(0, 1, n),
        }
    )
    current = pd.DataFrame(
        {
            "price": rng.normal(14, 2, n),  # shifted by two standard deviations
            "units": rng.integers(0, 50, n),
            "region": rng.choice(["north", "south", "east"], n, p=[0.8, 0.1, 0.1]),  # reweighted
            "promo": rng.random(n) < 0.2,
            "target": rng.normal(0, 1, n),
            "prediction": rng.normal(3, 1, n),
        }
    )
    return reference, current


FEATURES = ["price", "units", "region", "promo"]


def test_shifted_columns_drift_and_stable_ones_do_not():
    reference, current = frames()
    result = measure_drift(
        reference,
        current,
        features=FEATURES,
        target="target",
        prediction="prediction",
        settings=DriftSettings(),
    )
    verdicts = {c.column: c.drifted for c in result.columns}
    assert verdicts == {
        "price": True,
        "units": False,
        "region": True,
        "promo": False,
        "target": False,
        "prediction": True,
    }
    # The share is about inputs only: the drifted prediction does not count.
    assert result.drift_share == pytest.approx(0.5) and result.drifted_features == 2
    roles = {c.column: c.role for c in result.columns}
    assert roles["target"] == "target" and roles["prediction"] == "prediction"
    assert {c.kind for c in result.features} == {"numerical", "categorical"}
    assert all(c.method and c.threshold is not None and c.score is not None for c in result.columns)


def test_identical_distributions_do_not_drift():
    reference, _ = frames(seed=2)
    current, _ = frames(seed=3)
    result = measure_drift(reference, current, features=FEATURES, settings=DriftSettings())
    assert result.drift_share == 0 and not any(c.drifted for c in result.columns)


def test_large_inputs_are_sampled_and_the_sample_is_recorded():
    reference, current = frames(n=5000)
    result = measure_drift(reference, current, features=FEATURES, settings=DriftSettings(max_rows=1200))
    assert (result.reference_rows, result.current_rows) == (5000, 5000)
    assert (result.reference_sample, result.current_sample) == (1200, 1200)
    assert {c.column for c in result.columns if c.drifted} == {"price", "region"}
    first = sample(reference, 100, seed=7)
    assert len(first) == 100 and first.equals(sample(reference, 100, seed=7))
    assert sample(reference, 10_000, seed=7) is reference


def test_schema_changes_are_reported_not_fatal():
    reference, current = frames(n=1500)
    reference["week"] = pd.date_range("2024-01-01", periods=len(reference), freq="D")
    reference["empty"] = None
    current["empty"] = None
    current = current.drop(columns=["promo"])
    # The warehouse may hand back text where the snapshot kept numbers.
    current["units"] = current["units"].astype(str)
    result = measure_drift(
        reference,
        current,
        features=[*FEATURES, "week", "empty", "absent"],
        settings=DriftSettings(),
    )
    by_column = {c.column: c for c in result.columns}
    assert by_column["promo"].kind == "missing" and by_column["promo"].drifted
    assert by_column["units"].kind == "numerical" and not by_column["units"].drifted
    assert result.skipped == {
        "week": "dates are not compared",
        "empty": "no values on one side",
        "absent": "not in the reference snapshot",
    }
    assert result.drifted_features == 3 and result.drift_share == pytest.approx(3 / 4)


def test_nothing_comparable_or_no_rows_is_a_clear_error():
    reference, current = frames(n=200)
    with pytest.raises(
        DriftInputError, match=r"no feature column can be compared: nope: not in the reference"
    ):
        measure_drift(reference, current, features=["nope"], settings=DriftSettings())
    with pytest.raises(DriftInputError, match="the current data has no rows"):
        measure_drift(reference, current.iloc[0:0], features=FEATURES, settings=DriftSettings())


def test_html_report_is_written_whole(tmp_path):
    reference, current = frames(n=500)
    result = measure_drift(reference, current, features=["price"], settings=DriftSettings())
    path = result.save_html(tmp_path / "drift" / "r.html")
    assert path.read_text().lstrip().lower().startswith("<!doctype html") or "<html" in path.read_text()[:500]
    assert [p.name for p in path.parent.iterdir()] == ["r.html"]


def test_codes_stored_as_numbers_are_compared_as_categories():
    """A state code's mean is meaningless: with the profile's word that it is a code, the test is one
    for categories, and a code that disappears is seen."""
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"state": rng.integers(1, 51, 3000), "price": rng.normal(10, 1, 3000)})
    current = pd.DataFrame({"state": rng.integers(1, 26, 3000), "price": rng.normal(10, 1, 3000)})
    settings = DriftSettings()
    plain = measure_drift(reference, current, features=["state", "price"], settings=settings)
    labelled = measure_drift(
        reference, current, features=["state", "price"], settings=settings, labels={"state"}
    )
    assert {c.column: c.kind for c in plain.columns}["state"] == "numerical"
    state = {c.column: c for c in labelled.columns}["state"]
    assert state.kind == "categorical" and state.drifted
