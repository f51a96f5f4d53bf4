"""sklearn transformers the recipes' pipelines need (pickled with the model, so kept importable)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin


class ByCategory(TransformerMixin, BaseEstimator):
    """Gives each category its own intercept and its own slope on every other column: the first
    column is the category, the rest are numeric. With log price among them, each category gets
    its own elasticity."""

    def fit(self, X, y=None):
        frame = pd.DataFrame(X)
        self.categories_ = np.array(sorted(frame.iloc[:, 0].astype(str).unique()))
        self.n_values_ = frame.shape[1] - 1
        return self

    def transform(self, X):
        frame = pd.DataFrame(X)
        cats = frame.iloc[:, 0].astype(str).to_numpy()
        values = frame.iloc[:, 1:].to_numpy(dtype=float)
        onehot = (cats[:, None] == self.categories_[None, :]).astype(float)
        slopes = (onehot[:, :, None] * values[:, None, :]).reshape(len(frame), -1)
        return np.hstack([onehot, slopes])

    def get_feature_names_out(self, input_features=None):
        names = (
            list(input_features)
            if input_features is not None
            else [f"x{i}" for i in range(self.n_values_ + 1)]
        )
        out = [f"{c}" for c in self.categories_]
        out += [f"{c}:{v}" for c in self.categories_ for v in names[1:]]
        return np.array(out, dtype=object)


class GroupKey(TransformerMixin, BaseEstimator):
    """Joins the first ``n`` columns into one group label (``a | b``) and passes the rest, so a
    group may be one column or several."""

    def __init__(self, n: int = 1):
        self.n = n

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        frame = pd.DataFrame(X).reset_index(drop=True)
        keys = frame.iloc[:, : self.n].astype(str).agg(" | ".join, axis=1)
        return pd.concat([keys.rename("group"), frame.iloc[:, self.n :]], axis=1)

    def get_feature_names_out(self, input_features=None):
        names = list(input_features) if input_features is not None else [f"x{i}" for i in range(self.n + 1)]
        return np.array(["group", *names[self.n :]], dtype=object)
