"""A small PyTorch network for next-best-action: P(accepted | customer, offer).

It trains on the device it is given (CUDA where the platform finds one, else the CPU); seeds and deterministic
algorithms make CPU results repeat bit for bit. After fitting, the network is moved to the CPU
so the pickled model loads anywhere.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd


class TorchOfferModel:
    """Standardises numeric columns, one-hot encodes the rest, then an MLP with one logit out."""

    def __init__(
        self,
        hidden: int = 32,
        epochs: int = 300,
        learning_rate: float = 0.01,
        weight_decay: float = 1e-4,
        seed: int = 0,
        device: str = "cpu",
    ):
        self.hidden = int(hidden)
        self.epochs = int(epochs)
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.seed = int(seed)
        self.device = device

    def get_params(self) -> dict:
        return {
            "hidden": self.hidden,
            "epochs": self.epochs,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "seed": self.seed,
        }

    def _encode(self, X: pd.DataFrame) -> np.ndarray:
        parts = [((X[self.numeric_].astype(float) - self.means_) / self.stds_).to_numpy()]
        for col, values in self.vocab_.items():
            parts.append((X[col].astype(str).to_numpy()[:, None] == np.array(values)[None, :]).astype(float))
        return np.hstack(parts).astype(np.float32)

    def fit(self, X: pd.DataFrame, y) -> TorchOfferModel:
        import torch

        # Deterministic kernels on CUDA need a fixed cuBLAS workspace; harmless on the CPU.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        deterministic = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(True)
        try:
            self._fit(X, y)
        finally:
            # The flag is process-wide; other torch code in the same process keeps its own setting.
            torch.use_deterministic_algorithms(deterministic)
        return self

    def _fit(self, X: pd.DataFrame, y) -> None:
        import torch

        torch.manual_seed(self.seed)
        self.numeric_ = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
        self.means_ = X[self.numeric_].astype(float).mean()
        self.stds_ = X[self.numeric_].astype(float).std(ddof=0).replace(0.0, 1.0)
        self.vocab_ = {c: sorted(X[c].astype(str).unique()) for c in X.columns if c not in self.numeric_}
        self.device_ = self.device
        features = torch.from_numpy(self._encode(X)).to(self.device_)
        target = torch.as_tensor(np.asarray(y, dtype=np.float32)).to(self.device_)
        generator = torch.Generator().manual_seed(self.seed)
        width = features.shape[1]
        net = torch.nn.Sequential(
            torch.nn.Linear(width, self.hidden), torch.nn.ReLU(), torch.nn.Linear(self.hidden, 1)
        )
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(torch.randn(p.shape, generator=generator) * (1.0 / np.sqrt(max(p.shape[-1], 1))))
        net = net.to(self.device_)
        optimiser = torch.optim.Adam(net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        self.losses_ = []
        for _ in range(self.epochs):
            optimiser.zero_grad()
            loss = loss_fn(net(features).squeeze(1), target)
            loss.backward()
            optimiser.step()
            self.losses_.append(float(loss.detach()))
        self.net_ = net.to("cpu").eval()

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        import torch

        with torch.no_grad():
            logits = self.net_(torch.from_numpy(self._encode(X))).squeeze(1)
        return torch.sigmoid(logits).numpy().astype(float)
