from __future__ import annotations

import numpy as np
import pandas as pd

from nex_assets.synthetic.logic import constraints, scores


def test_exact_copies_compare_values_not_spellings():
    real = pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-01-02"]), "x": [1, 2], "c": ["a", "b"]})
    synthetic = pd.DataFrame(
        {"d": pd.to_datetime(["2024-01-01", "2024-01-05"]), "x": [1.0, 2.0], "c": ["a", "b"]}
    )
    assert scores.exact_copy_share(real, synthetic, ["d", "x", "c"]) == (0.5, 1)
    assert scores.exact_copy_share(real, synthetic, []) == (0.0, 0)


def test_train_synthetic_test_real_scores_both_models_on_real_rows():
    rng = np.random.default_rng(0)
    n = 400
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {"x": x, "kind": np.where(x > 0, "hi", "lo"), "y": 3 * x + rng.normal(scale=0.1, size=n)}
    )
    train, holdout = frame.iloc[:300], frame.iloc[300:]
    noise = frame.iloc[:300].assign(y=rng.normal(size=300))  # a "synthetic" table that lost the relation
    good = scores.train_synthetic_test_real(
        train, train, holdout, target="y", task="regression", features=["x", "kind"], seed=0
    )
    bad = scores.train_synthetic_test_real(
        train, noise, holdout, target="y", task="regression", features=["x", "kind"], seed=0
    )
    assert good.metric == "r2" and good.real > 0.9 and abs(good.loss) < 1e-9
    assert bad.loss > 0.5
    labelled = frame.assign(label=np.where(frame["y"] > 0, "yes", "no"))
    clf = scores.train_synthetic_test_real(
        labelled.iloc[:300],
        labelled.iloc[:300],
        labelled.iloc[300:],
        target="label",
        task="classification",
        features=["x"],
        seed=0,
    )
    assert clf.metric == "roc_auc" and clf.real > 0.9


def test_constraints_from_the_quality_suite_bound_synthetic_values(tmp_path):
    import json

    suite = {
        "name": "shop",
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "price", "min_value": 0},
                "meta": {"severity": "error"},
            },
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "size", "value_set": ["S", "M"]},
                "meta": {"severity": "error"},
            },
        ],
    }
    (tmp_path / "shop.json").write_text(json.dumps(suite))
    rules = constraints.from_quality_suite("shop", tmp_path)
    assert rules.columns["price"].low == 0 and rules.columns["size"].allowed == ["S", "M"]
    frame = pd.DataFrame({"price": [-1.0, 2.0, 3.0], "size": ["S", "XL", "M"]})
    changed = constraints.enforce(frame, rules, seed=0)
    assert changed == {"price range": 1, "size allowed values": 1}
    assert frame["price"].min() == 0 and set(frame["size"]) <= {"S", "M"}
    assert constraints.from_quality_suite("absent", tmp_path).columns == {}
