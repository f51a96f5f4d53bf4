"""Holdouts: the newest periods for time series, a seeded share of entities or of rows, or k folds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nex_assets.ml.logic.frequency import FrequencyError, to_periods
from nex_assets.ml.logic.recipe import Split


def _ordered(values: pd.Series) -> np.ndarray:
    """Distinct values in time order where they read as times, else in sorted order."""
    distinct = pd.Series(values.dropna().unique())
    try:
        order = np.argsort(to_periods(distinct).to_numpy(), kind="stable")
    except (FrequencyError, ValueError, TypeError):
        order = np.argsort(distinct.astype(str).to_numpy(), kind="stable")
    return distinct.to_numpy()[order]


def holdout_mask(frame: pd.DataFrame, split: Split, column: str | None) -> np.ndarray:
    """True for holdout rows. ``holdout`` >= 1 is a count of periods or entities, below 1 a share."""
    if split.kind == "random":
        n = len(frame)
        k = int(split.holdout) if split.holdout >= 1 else max(1, round(n * split.holdout))
        if k >= n:
            raise ValueError(f"the holdout ({k} rows) leaves nothing to train on")
        mask = np.zeros(n, dtype=bool)
        mask[np.random.default_rng(split.seed).permutation(n)[:k]] = True
        return mask
    if column is None or column not in frame:
        raise KeyError(f"split column `{column}` is not in the recipe's rows")
    values = _ordered(frame[column]) if split.kind == "time" else np.sort(frame[column].astype(str).unique())
    n = int(split.holdout) if split.holdout >= 1 else max(1, round(len(values) * split.holdout))
    if n >= len(values):
        raise ValueError(f"the holdout ({n} of `{column}`) leaves nothing to train on")
    if split.kind == "time":
        return frame[column].isin(set(values[-n:])).to_numpy()
    held = set(np.random.default_rng(split.seed).permutation(values)[:n])
    return frame[column].astype(str).isin(held).to_numpy()


def folds(frame: pd.DataFrame, split: Split, column: str | None) -> np.ndarray:
    """Fold number per row for k-fold (``holdout`` folds), whole entities per fold (or rows)."""
    k = int(split.holdout)
    if k < 2:
        raise ValueError(f"k-fold needs at least 2 folds, got holdout={split.holdout}")
    if column is None:
        return np.random.default_rng(split.seed).permutation(len(frame)) % k
    values = np.random.default_rng(split.seed).permutation(np.sort(frame[column].astype(str).unique()))
    fold_of = {v: i % k for i, v in enumerate(values)}
    return frame[column].astype(str).map(fold_of).to_numpy()
