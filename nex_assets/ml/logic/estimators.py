"""Estimators the recipes need beyond scikit-learn's and XGBoost's own, all with the scikit-learn
interface so they sit in pipelines and are stored the same way (pickled with the model, so they
stay importable here).

- ``LogLogDemand``: log demand on log price with entity and period effects and an elasticity (with
  its standard error) per group.
- ``RelativeToBaseline``: wraps any regressor to predict the change from a baseline column (a
  forecast's seasonal-naive value) in log space, so trees extrapolate trends they never saw.
- ``TorchMLP``: a small PyTorch network for regression or classification, on CUDA when asked,
  deterministic on the CPU.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone

# z for a two-sided 95% interval.
Z95 = 1.959963984540054


class LogLogDemand(RegressorMixin, BaseEstimator):
    """``log(quantity + 0.5) = effects + slope[group] * log_price + ... + controls`` by ridge
    regression (a tiny ``alpha`` keeps it an OLS fit that tolerates collinear effects). ``predict``
    gives log demand; ``elasticities_`` maps each group to (elasticity, standard error)."""

    def __init__(
        self,
        entities: tuple = (),
        period_effect: tuple = (),
        groups: tuple = (),
        sloped: tuple = ("log_price",),
        controls: tuple = (),
        alpha: float = 1e-3,
    ):
        self.entities = entities
        self.period_effect = period_effect
        self.groups = groups
        self.sloped = sloped
        self.controls = controls
        self.alpha = alpha

    def _design(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        from nex_assets.ml.logic.transformers import ByCategory, GroupKey

        parts = []
        effects = [*self.entities, *self.period_effect]
        if effects:
            parts.append(("effects", OneHotEncoder(handle_unknown="ignore", drop="first"), effects))
        if self.groups:
            # One elasticity (and one slope per calendar term) for each group.
            sloped = make_pipeline(GroupKey(len(self.groups)), ByCategory())
            parts.append(("by_group", sloped, [*self.groups, *self.sloped]))
        else:
            parts.append(("sloped", "passthrough", list(self.sloped)))
        if self.controls:
            # Standardised: a control in millions (a population) beside one-hot effects leaves the
            # sparse solver far from the least-squares fit, and the price slope with it.
            controls = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
            parts.append(("controls", controls, list(self.controls)))
        return ColumnTransformer(parts)

    def fit(self, X: pd.DataFrame, y) -> LogLogDemand:
        from scipy import sparse
        from sklearn.linear_model import Ridge

        z = np.log(np.asarray(y, dtype=float) + 0.5)
        self.design_ = self._design()
        matrix = self.design_.fit_transform(X)
        self.ridge_ = Ridge(alpha=float(self.alpha)).fit(matrix, z)
        names = [str(n) for n in self.design_.get_feature_names_out()]
        residual = z - self.ridge_.predict(matrix)
        dof = max(1, len(z) - matrix.shape[1] - 1)
        sigma2 = float(residual @ residual) / dof
        # Standard errors of the price slopes: the ridge covariance sigma^2 (G + aI)^-1 G (G + aI)^-1
        # with G the centred Gram matrix (the intercept is not penalised).
        gram = matrix.T @ matrix
        gram = np.asarray(gram.toarray() if sparse.issparse(gram) else gram, dtype=float)
        means = np.asarray(matrix.mean(axis=0)).ravel()
        gram = gram - len(z) * np.outer(means, means)
        inverse = np.linalg.pinv(gram + float(self.alpha) * np.eye(gram.shape[0]))
        covariance = sigma2 * inverse @ gram @ inverse
        self.elasticities_ = {}
        for i, name in enumerate(names):
            label = name.split("__", 1)[-1]
            if label == "log_price" or label.endswith(":log_price"):
                group = label.rsplit(":", 1)[0] if ":" in label else "all"
                self.elasticities_[group] = (
                    float(self.ridge_.coef_[i]),
                    float(np.sqrt(max(covariance[i, i], 0))),
                )
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.ridge_.predict(self.design_.transform(X))

    def elasticity_table(self) -> pd.DataFrame:
        """One row per group: the elasticity and its 95% confidence interval."""
        rows = [
            {"group": g, "elasticity": e, "std_error": se, "ci_low": e - Z95 * se, "ci_high": e + Z95 * se}
            for g, (e, se) in sorted(self.elasticities_.items())
        ]
        return pd.DataFrame(rows)


class LabelEncoded(ClassifierMixin, BaseEstimator):
    """A classifier fitted on class indices (XGBoost accepts only 0..k-1) that answers in the
    table's own labels (``setosa``, ``Yes``)."""

    def __init__(self, classifier=None):
        self.classifier = classifier

    def fit(self, X: pd.DataFrame, y) -> LabelEncoded:
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        self.classifier_ = clone(self.classifier).fit(X, codes)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.asarray(self.classifier_.predict(X), dtype=int)]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.classifier_.predict_proba(X)


class RelativeToBaseline(RegressorMixin, BaseEstimator):
    """Fits ``regressor`` on ``log1p(y) - log1p(baseline)`` and predicts
    ``expm1(prediction + log1p(baseline))``: the model learns how much this period differs from its
    baseline (the same period a season ago), which keeps growth it never saw within reach."""

    def __init__(self, regressor=None, baseline: str = "lag_1"):
        self.regressor = regressor
        self.baseline = baseline

    def fit(self, X: pd.DataFrame, y) -> RelativeToBaseline:
        base = np.log1p(np.clip(X[self.baseline].to_numpy(dtype=float), 0, None))
        change = np.log1p(np.clip(np.asarray(y, dtype=float), 0, None)) - base
        self.regressor_ = clone(self.regressor).fit(X, change)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        base = np.log1p(np.clip(X[self.baseline].to_numpy(dtype=float), 0, None))
        return np.expm1(np.asarray(self.regressor_.predict(X), dtype=float) + base)

    @property
    def feature_importances_(self):
        return getattr(self.regressor_, "feature_importances_", None)


class TorchMLP(BaseEstimator):
    """One hidden layer, full-batch Adam. ``task`` is ``regression`` or ``classification``; for a
    classifier ``predict_proba`` gives class probabilities (binary or softmax). Trains on
    ``device`` and moves to the CPU afterwards, so the pickled model loads anywhere."""

    def __init__(
        self,
        task: str = "regression",
        hidden: int = 32,
        epochs: int = 300,
        learning_rate: float = 0.01,
        weight_decay: float = 1e-4,
        seed: int = 0,
        device: str = "cpu",
    ):
        self.task = task
        self.hidden = hidden
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.seed = seed
        self.device = device

    def fit(self, X, y) -> TorchMLP:
        import torch

        # Deterministic kernels on CUDA need a fixed cuBLAS workspace; harmless on the CPU.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        deterministic = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(True)
        try:
            self._fit(np.asarray(X, dtype=np.float32), y)
        finally:
            # The flag is process-wide; other torch code in the same process keeps its own setting.
            torch.use_deterministic_algorithms(deterministic)
        return self

    def _fit(self, X: np.ndarray, y) -> None:
        import torch

        torch.manual_seed(int(self.seed))
        y = np.asarray(y)
        if self.task == "classification":
            self.classes_, codes = np.unique(y, return_inverse=True)
            outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
            target = torch.as_tensor(codes, dtype=torch.float32 if outputs == 1 else torch.long)
            loss_fn = torch.nn.BCEWithLogitsLoss() if outputs == 1 else torch.nn.CrossEntropyLoss()
        else:
            self.y_mean_, self.y_std_ = float(np.mean(y)), float(np.std(y) or 1.0)
            outputs = 1
            target = torch.as_tensor((y.astype(float) - self.y_mean_) / self.y_std_, dtype=torch.float32)
            loss_fn = torch.nn.MSELoss()
        generator = torch.Generator().manual_seed(int(self.seed))
        net = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], int(self.hidden)),
            torch.nn.ReLU(),
            torch.nn.Linear(int(self.hidden), outputs),
        )
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * (1.0 / np.sqrt(max(p.shape[-1], 1))))
        self.device_ = self.device
        net = net.to(self.device_)
        features = torch.from_numpy(X).to(self.device_)
        target = target.to(self.device_)
        optimiser = torch.optim.Adam(
            net.parameters(), lr=float(self.learning_rate), weight_decay=float(self.weight_decay)
        )
        self.losses_ = []
        for _ in range(int(self.epochs)):
            optimiser.zero_grad()
            out = net(features)
            loss = loss_fn(out.squeeze(1) if outputs == 1 else out, target)
            loss.backward()
            optimiser.step()
            self.losses_.append(float(loss.detach()))
        self.net_ = net.to("cpu").eval()
        self.outputs_ = outputs

    def _forward(self, X) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.net_(torch.from_numpy(np.asarray(X, dtype=np.float32))).numpy().astype(float)

    def predict(self, X) -> np.ndarray:
        out = self._forward(X)
        if self.task == "classification":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return out[:, 0] * self.y_std_ + self.y_mean_

    def predict_proba(self, X) -> np.ndarray:
        out = self._forward(X)
        if self.outputs_ == 1:
            p = 1.0 / (1.0 + np.exp(-out[:, 0]))
            return np.column_stack([1 - p, p])
        exp = np.exp(out - out.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)


class TorchClassifier(ClassifierMixin, TorchMLP):
    def __init__(self, hidden=32, epochs=300, learning_rate=0.01, weight_decay=1e-4, seed=0, device="cpu"):
        super().__init__("classification", hidden, epochs, learning_rate, weight_decay, seed, device)


class TorchRegressor(RegressorMixin, TorchMLP):
    def __init__(self, hidden=32, epochs=300, learning_rate=0.01, weight_decay=1e-4, seed=0, device="cpu"):
        super().__init__("regression", hidden, epochs, learning_rate, weight_decay, seed, device)
