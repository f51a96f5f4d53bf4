"""The MLflow pyfunc form of models that have no native MLflow flavour.

Imported only inside training code (it imports mlflow at the top); the class lives in a module of
its own so the pickled model refers to it by name.
"""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd


class ProbabilityModel(mlflow.pyfunc.PythonModel):
    """``predict`` gives the wrapped model's predictions (acceptance probabilities for offers)."""

    def __init__(self, inner):
        self.inner = inner

    def predict(self, context, model_input: pd.DataFrame, params=None) -> np.ndarray:
        return self.inner.predict(model_input)
