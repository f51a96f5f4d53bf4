"""Holdouts: the newest periods for time series, a seeded share of entities, or k folds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nex_assets.ml.logic.recipe import Split


def holdout_mask(frame: pd.DataFrame, split: Split) -> np.ndarray:
    """True for holdout rows. ``holdout`` >= 1 is a count of periods or entities, below 1 a share."""
    if split.column not in frame:
        raise KeyError(f"split column `{split.column}` is not in the recipe's rows")
    values = np.sort(frame[split.column].astype(str).unique())
    n = int(split.holdout) if split.holdout >= 1 else max(1, round(len(values) * split.holdout))
    if n >= len(values):
        raise ValueError(f"the holdout ({n} of `{split.column}`) leaves nothing to train on")
    if split.kind == "time":
        held = set(values[-n:])
    else:
        held = set(np.random.default_rng(split.seed).permutation(values)[:n])
    return frame[split.column].astype(str).isin(held).to_numpy()


def folds(frame: pd.DataFrame, split: Split) -> np.ndarray:
    """Fold number per row for k-fold (``holdout`` folds), whole entities per fold."""
    k = int(split.holdout)
    if k < 2:
        raise ValueError(f"k-fold needs at least 2 folds, got holdout={split.holdout}")
    values = np.random.default_rng(split.seed).permutation(np.sort(frame[split.column].astype(str).unique()))
    fold_of = {v: i % k for i, v in enumerate(values)}
    return frame[split.column].astype(str).map(fold_of).to_numpy()
