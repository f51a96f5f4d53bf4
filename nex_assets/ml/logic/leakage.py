"""Features that are known only once the outcome is: found before a model can be promoted on them.

A model that learns from such a column looks perfect on the holdout and is useless when the outcome
is not yet known. Two kinds are found, from the rows alone (no column name is trusted):

- **predicts alone**: one column, on its own, predicts the target out of fold almost perfectly (a
  shallow tree on it removes nearly all the errors of the majority class, or explains nearly all the
  variance): the target in other units, its logarithm, a code it was derived from, a status written
  after the outcome.
- **copies an option**: in choice data, a measured column (many distinct values, not a flag) whose
  value equals one of several other such columns, where *which* one it equals tells the target: the
  chosen option's own price beside each option's price. The per-option columns are the honest
  inputs; the copy is the answer.

Thresholds are in ``LeakageSettings`` (config/ml.yaml). Everything is measured out of fold on a
repeatable sample, so a rich but honest column (iris petal width, a strong price effect) is not
mistaken for a copy of the target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from nex_assets.ml.logic.settings import LeakageSettings


@dataclass(frozen=True)
class Leak:
    column: str
    kind: str  # "predicts_alone" or "copies_an_option"
    detail: str

    def __str__(self) -> str:
        return f"`{self.column}` {self.detail}"


def _folds(n: int, k: int = 3):
    import numpy as np

    order = np.random.default_rng(0).permutation(n)
    for i in range(k):
        test = order[i::k]
        yield np.setdiff1d(order, test), test


def _majority_by_value(keys: pd.Series, y: pd.Series) -> float:
    """Out-of-fold accuracy of predicting each key's most frequent target (unseen keys get the
    majority class)."""
    import numpy as np

    keys, y = keys.astype(str).to_numpy(), y.astype(str).to_numpy()
    hits = 0
    for train, test in _folds(len(y)):
        table: dict[str, dict[str, int]] = {}
        for key, label in zip(keys[train], y[train], strict=True):
            counts = table.setdefault(key, {})
            counts[label] = counts.get(label, 0) + 1
        overall = Counter(y[train]).most_common(1)[0][0]
        guess = np.array([max(table[k], key=table[k].get) if k in table else overall for k in keys[test]])
        hits += int(np.sum(guess == y[test]))
    return hits / len(y)


def _tree_score(x: pd.Series, y: pd.Series, classify: bool) -> float:
    """Out-of-fold accuracy (classification) or R² (regression) of a shallow tree on one column."""
    import numpy as np
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    values = x.to_numpy(dtype=float).reshape(-1, 1)
    values = np.where(np.isfinite(values), values, np.nanmin(values) - 1 if np.isfinite(values).any() else 0)
    target = y.astype(str).to_numpy() if classify else y.to_numpy(dtype=float)
    predicted = np.empty(len(target), dtype=object if classify else float)
    for train, test in _folds(len(target)):
        tree = (DecisionTreeClassifier if classify else DecisionTreeRegressor)(
            max_depth=4 if classify else 6, min_samples_leaf=max(2, len(train) // 500), random_state=0
        )
        tree.fit(values[train], target[train])
        predicted[test] = tree.predict(values[test])
    if classify:
        return float(np.mean(predicted == target))
    residual = float(np.sum((target - predicted.astype(float)) ** 2))
    spread = float(np.sum((target - target.mean()) ** 2))
    return 1 - residual / spread if spread else 0.0


def _matching(frame: pd.DataFrame, column: str, others: list[str]) -> pd.Series:
    """For each row, which of ``others`` hold exactly the value of ``column`` ("" when none)."""
    import numpy as np
    import pandas as pd

    x = frame[column].to_numpy(dtype=float)
    names = np.array(others, dtype=object)
    block = frame[others].to_numpy(dtype=float)
    same = np.isclose(block, x[:, None], rtol=1e-9, atol=1e-12) & np.isfinite(x)[:, None]
    return pd.Series(["|".join(names[row]) for row in same], index=frame.index)


def find_leaks(
    X: pd.DataFrame, y: pd.Series, classify: bool, settings: LeakageSettings, categorical: list[str]
) -> list[Leak]:
    """The columns of ``X`` that give the target away (see the module's docstring)."""
    import pandas as pd

    keep = y.notna()
    X, y = X[keep], y[keep]
    if len(y) > settings.sample_rows:
        X, y = X.sample(settings.sample_rows, random_state=0), y.sample(settings.sample_rows, random_state=0)
    if len(y) < settings.min_rows or y.nunique() < 2:
        return []
    X, y = X.reset_index(drop=True), y.reset_index(drop=True)
    numeric = [
        c
        for c in X.columns
        if c not in categorical and pd.api.types.is_numeric_dtype(X[c]) and X[c].nunique() > 1
    ]
    leaks: list[Leak] = []
    if classify:
        majority = float(y.astype(str).value_counts(normalize=True).iloc[0])
        errors = 1 - majority
        for c in X.columns:
            if c in categorical or c not in numeric:
                if X[c].nunique() < 2:
                    continue
                accuracy = _majority_by_value(X[c].fillna("<missing>"), y)
            else:
                accuracy = _tree_score(X[c], y, classify=True)
            if errors > 0 and (1 - accuracy) <= errors * (1 - settings.error_reduction):
                leaks.append(
                    Leak(
                        c,
                        "predicts_alone",
                        f"predicts the target alone: out-of-fold accuracy {accuracy:.3f} "
                        f"against {majority:.3f} for the majority class",
                    )
                )
    else:
        for c in numeric:
            r2 = _tree_score(X[c], y, classify=False)
            if r2 >= settings.r2:
                leaks.append(Leak(c, "predicts_alone", f"predicts the target alone: out-of-fold R² {r2:.4f}"))
    if classify:
        leaks += _copies(X, y, numeric, settings, {leak.column for leak in leaks})
    return leaks


def _copies(X: pd.DataFrame, y: pd.Series, numeric: list[str], settings, found: set[str]) -> list[Leak]:
    majority = float(y.astype(str).value_counts(normalize=True).iloc[0])
    # Only measured values are copied: flags and small counts equal each other (0 = 0) all the time.
    numeric = [c for c in numeric if X[c].nunique() >= settings.copy_min_distinct]
    out = []
    for c in numeric:
        if c in found:
            continue
        others = [o for o in numeric if o != c]
        if not others:
            continue
        matches = _matching(X, c, others[: settings.max_columns])
        share = float((matches != "").mean())
        if share < settings.copy_share:
            continue
        accuracy = _majority_by_value(matches, y)
        if (1 - accuracy) <= (1 - majority) * (1 - settings.copy_error_reduction):
            common = matches[matches != ""].value_counts().index[:3]
            out.append(
                Leak(
                    c,
                    "copies_an_option",
                    f"equals one of {', '.join(sorted({n for m in common for n in m.split('|')}))} on "
                    f"{share:.0%} of rows, and which one it equals gives the target (out-of-fold "
                    f"accuracy {accuracy:.3f} against {majority:.3f}): the chosen option's own value",
                )
            )
    return out
