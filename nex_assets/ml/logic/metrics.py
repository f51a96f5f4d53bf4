"""Scores shared by the families' evaluations."""

from __future__ import annotations

import numpy as np
import pandas as pd


def smape(actual, predicted) -> float:
    """Symmetric MAPE in [0, 2]; pairs where both are zero count as perfect."""
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    denom = np.abs(a) + np.abs(p)
    terms = np.where(denom == 0, 0.0, 2.0 * np.abs(a - p) / np.where(denom == 0, 1.0, denom))
    return float(terms.mean()) if len(terms) else float("nan")


def mae(actual, predicted) -> float:
    return float(np.mean(np.abs(np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float))))


def rmse(actual, predicted) -> float:
    return float(
        np.sqrt(np.mean((np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float)) ** 2))
    )


def spearman(a, b) -> float:
    """Rank correlation (average ranks for ties); NaN when either side is constant."""
    ra = pd.Series(np.asarray(a, dtype=float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, dtype=float)).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def log_loss(actual, probability) -> float:
    y = np.asarray(actual, dtype=float)
    p = np.clip(np.asarray(probability, dtype=float), 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(actual, score) -> float:
    """Area under the ROC curve via the rank-sum identity (ties share ranks)."""
    y = np.asarray(actual, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(score, dtype=float)).rank().to_numpy()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def r2(actual, predicted) -> float:
    a = np.asarray(actual, dtype=float)
    p = np.asarray(predicted, dtype=float)
    total = float(np.sum((a - a.mean()) ** 2)) if len(a) else 0.0
    return 1.0 - float(np.sum((a - p) ** 2)) / total if total else float("nan")


def multi_log_loss(onehot, probability) -> float:
    """Cross-entropy of class probabilities against one-hot outcomes."""
    p = np.clip(np.asarray(probability, dtype=float), 1e-7, 1.0)
    y = np.asarray(onehot, dtype=float)
    return float(-np.mean(np.sum(y * np.log(p), axis=1))) if len(y) else float("nan")


def balanced_accuracy(actual, predicted) -> float:
    a = np.asarray(actual)
    p = np.asarray(predicted)
    recalls = [float(np.mean(p[a == c] == c)) for c in np.unique(a)]
    return float(np.mean(recalls)) if recalls else float("nan")


def calibration_error(correct, confidence, bins: int = 10) -> float:
    """Expected calibration error: how far, on average over confidence bins, the share of correct
    predictions is from the confidence the model gave them."""
    hit = np.asarray(correct, dtype=float)
    conf = np.asarray(confidence, dtype=float)
    if not len(hit):
        return float("nan")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(hit[mask].mean() - conf[mask].mean())
    return float(error)


def calibration_noise(confidence, bins: int = 10, draws: int = 200, seed: int = 0) -> float:
    """The calibration error a perfectly calibrated model would still show on this many rows (the
    mean over ``draws`` simulated outcomes, each correct with the stated confidence): on a holdout
    of 40 rows that alone is about 0.1, so a bound on the error must sit above it."""
    conf = np.asarray(confidence, dtype=float)
    if not len(conf):
        return float("nan")
    rng = np.random.default_rng(seed)
    # The noise shrinks as 1/sqrt(rows): a large holdout needs few draws to pin it down.
    draws = max(10, min(draws, 2_000_000 // len(conf)))
    return float(np.mean([calibration_error(rng.random(len(conf)) < conf, conf, bins) for _ in range(draws)]))
