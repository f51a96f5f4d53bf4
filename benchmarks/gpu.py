"""GPU: the steps NEX places on CUDA when the worker has one, timed on the CPU and on the GPU on the
same generated data, side by side.

- ctgan, tvae: SDV 2.0's single-table synthesizers as ``<dataset>/synthetic`` builds them (min/max
  and rounding enforced, the configured batch size), fitted for a few epochs on 20,000 rows x 10
  mixed columns (the synthetic step's ``max_rows``); the fit includes SDV's preprocessing, which
  runs on the CPU either way;
- torch_mlp: the torch recipe's estimator, built by ``algorithms.build`` with the defaults of
  ``recipes/_algorithms.yaml`` (encoder + full-batch network), fitted on 200,000 rows;
- xgboost: the XGBoost regressor NEX builds (``tree_method=hist``, ``device`` as chosen), with the
  same defaults, on 1,000,000 rows; ``n_jobs`` is every core here, not the defaults' 2, so that the
  CPU side is not held back.

The CUDA side runs when ``torch.cuda.is_available()``. Tiny fits of every workload on every device
come first, untimed: imports, SDV's worker processes, the CUDA context and kernel loading are paid
once per worker process, not per fit. Elsewhere the GPU columns are null. R^2 on a
holdout shows that both sides learn the same model. Imports only the pure modelling logic (no
Dagster, database or MLflow), so it runs on a bare machine with torch, scikit-learn, SDV and XGBoost.
Prints a table; the last line is one JSON object (seconds per side and ``ratio`` = cpu_s / gpu_s).

    .venv/bin/python benchmarks/gpu.py [--scale 1.0] [--epochs 10] [--only xgboost,torch_mlp,tvae,ctgan]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from nex_assets.ml.logic import algorithms, features

ROOT = Path(__file__).resolve().parent.parent
SEED = 0
# Cheapest first, so that a run cut short still reports the most.
ROWS = {"xgboost": 1_000_000, "torch_mlp": 200_000, "tvae": 20_000, "ctgan": 20_000}
BATCH_SIZE = 500  # config/synthetic.yaml
REGIONS = ["north", "south", "east", "west", "centre", "coast", "islands", "hills"]
PLANS = ["basic", "plus", "premium", "family", "business"]


def table(rows: int, seed: int = SEED) -> pd.DataFrame:
    """10 mixed columns with dependencies: 5 numbers, 3 categories, a flag and a spend driven by
    most of them (the regression target)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    tenure = np.round(rng.exponential(4.0, rows), 1)
    region = rng.choice(REGIONS, rows, p=[0.2, 0.2, 0.15, 0.15, 0.1, 0.1, 0.05, 0.05])
    plan = rng.choice(PLANS, rows)
    channel = rng.choice([f"ch{i:02d}" for i in range(20)], rows)
    plan_level = pd.Series(plan).map({p: i for i, p in enumerate(PLANS)}).to_numpy()
    visits = rng.poisson(2 + plan_level + tenure / 2)
    income = np.round(np.exp(rng.normal(10 + 0.01 * (age - 18), 0.4)), 2)
    score = np.round(rng.normal(600 + 20 * plan_level, 60), 0)
    member = rng.random(rows) < 0.3 + 0.1 * plan_level
    spend = np.round(
        20
        + 8 * plan_level
        + 3 * np.sqrt(visits)
        + 0.0004 * income
        + 15 * member
        + 5 * np.sin(age / 9)
        + np.where(np.isin(region, ["coast", "islands"]), 12, 0)
        + rng.normal(0, 4, rows),
        2,
    )
    return pd.DataFrame(
        {
            "age": age,
            "tenure": tenure,
            "visits": visits,
            "income": income,
            "score": score,
            "region": region,
            "plan": plan,
            "channel": channel,
            "member": member,
            "spend": spend,
        }
    )


def defaults() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "recipes" / "_algorithms.yaml").read_text())


def synthesizer_fit(name: str, data: pd.DataFrame, epochs: int):
    """Returns a function that fits the synthesizer on ``device`` and gives its seconds."""

    def run(device: str) -> dict:
        import torch
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, TVAESynthesizer

        np.random.seed(SEED)
        torch.manual_seed(SEED)
        common = {
            "enforce_min_max_values": True,
            "enforce_rounding": True,
            "epochs": epochs,
            "batch_size": BATCH_SIZE,
            "enable_gpu": device == "cuda",
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metadata = Metadata.detect_from_dataframes({"t": data})
            synth = (CTGANSynthesizer if name == "ctgan" else TVAESynthesizer)(metadata, **common)
            started = time.perf_counter()
            synth.fit({"t": data})
        return {"seconds": time.perf_counter() - started}

    return run


def estimator_fit(name: str, data: pd.DataFrame, args: dict[str, dict]):
    """Returns a function that builds NEX's estimator for ``device``, fits it on four fifths of the
    rows and gives its seconds and its R^2 on the rest."""
    columns = [c for c in data.columns if c != "spend"]
    frame = features.tabular(data, columns, "spend", "regression", set())
    cut = len(data) * 4 // 5
    train_x, test_x = frame.X.iloc[:cut], frame.X.iloc[cut:]
    train_y, test_y = frame.data["spend"].iloc[:cut], frame.data["spend"].to_numpy()[cut:]

    def run(device: str) -> dict:
        model = algorithms.build(name, "regression", frame, {}, args, device)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(train_x, train_y)
            seconds = time.perf_counter() - started
            predicted = model.predict(test_x)
        r2 = 1 - np.sum((test_y - predicted) ** 2) / np.sum((test_y - test_y.mean()) ** 2)
        return {"seconds": seconds, "r2": float(r2)}

    return run


def warm_up(args: dict[str, dict], workloads: list[str], devices: tuple[str, ...]) -> None:
    """Pays before the clock what a worker pays once per process, not per fit: imports, SDV's worker
    processes, the CUDA context and XGBoost's kernels (tiny fits of every workload on every device)."""
    small = table(2_000, seed=1)
    tiny = {**args, "xgboost": {**args["xgboost"], "n_estimators": 2}, "torch_mlp": {"epochs": 2}}
    for device in devices:
        for name in workloads:
            if name in ("ctgan", "tvae"):
                synthesizer_fit(name, small.head(500), 1)(device)
            else:
                estimator_fit(name, small, tiny)(device)


def attempt(run, device: str) -> tuple[dict | None, str | None]:
    try:
        return run(device), None
    except Exception as exc:  # one failing side is reported, the others still run
        traceback.print_exc()
        return None, f"{type(exc).__name__}: {exc}"[:300]


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"


def _cell(value, width: int, fmt: str) -> str:
    return f"{'-' if value is None else format(value, fmt):>{width}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every row count")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of CTGAN and TVAE")
    parser.add_argument("--only", default=",".join(ROWS), help="comma-separated workloads")
    opts = parser.parse_args()
    import torch

    threads = os.cpu_count() or 1
    args = defaults()
    args["xgboost"] = {**args["xgboost"], "n_jobs": threads}
    cuda = torch.cuda.is_available()
    gpu = torch.cuda.get_device_name() if cuda else None
    print(f"CPU: {threads} cores (torch {torch.get_num_threads()} threads); GPU: {gpu or 'none'}")
    print(
        ", ".join(
            f"{p} {_version(p)}" for p in ("torch", "xgboost", "sdv", "pandas", "numpy", "scikit-learn")
        )
    )
    workloads = opts.only.split(",")
    devices = ("cpu", "cuda") if cuda else ("cpu",)
    for device in devices:
        _, failed = attempt(lambda d: warm_up(args, workloads, (d,)), device)
        if failed:
            print(f"warm-up on {device} failed: {failed}")
    results, errors = {}, {}
    header = (
        f"{'workload':<10} {'rows':>10} {'cpu s':>9} {'gpu s':>9} {'cpu/gpu':>8} {'r2 cpu':>7} {'r2 gpu':>7}"
    )
    lines = [header, "-" * len(header)]
    for name in workloads:
        rows = max(1_000, int(ROWS[name] * opts.scale))
        data = table(rows)
        run = synthesizer_fit(name, data, opts.epochs) if name in ("ctgan", "tvae") else None
        run = run or estimator_fit(name, data, args)
        sides = {}
        for device in devices:
            sides[device], failed = attempt(run, device)
            if failed:
                errors[f"{name}_{device}"] = failed
            print(f"{name} on {device}: {sides[device]}", flush=True)
        cpu, gpu_side = sides.get("cpu"), sides.get("cuda")
        cpu_s = round(cpu["seconds"], 2) if cpu else None
        gpu_s = round(gpu_side["seconds"], 2) if gpu_side else None
        ratio = round(cpu_s / gpu_s, 2) if cpu_s and gpu_s else None
        entry = {"rows": rows, "cpu_s": cpu_s, "gpu_s": gpu_s, "ratio": ratio}
        if name in ("torch_mlp", "xgboost"):
            entry["r2_cpu"] = round(cpu["r2"], 4) if cpu else None
            entry["r2_gpu"] = round(gpu_side["r2"], 4) if gpu_side else None
        results[name] = entry
        cells = [_cell(cpu_s, 9, ".2f"), _cell(gpu_s, 9, ".2f"), _cell(ratio, 8, ".2f")]
        cells += [_cell(entry.get(k), 7, ".4f") for k in ("r2_cpu", "r2_gpu")]
        lines.append(f"{name:<10} {rows:>10,} " + " ".join(cells))
    print(f"\nCTGAN/TVAE: {opts.epochs} epochs, batch {BATCH_SIZE}; XGBoost n_jobs {threads}")
    print("\n".join(lines))
    summary = {"gpu": gpu, "cpu_cores": threads, "epochs": opts.epochs, **results}
    if errors:
        summary["errors"] = errors
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
