"""Evidently drift through the drift asset on 100k x 50 and 100k x 100 (mixed numeric and
categorical columns, a third of them shifted), side by side with the same Evidently report on the
full, unsampled frames; prints the times and the 100/50 ratio (goal: at most 2.5, i.e. about linear
in columns).

    NEX_HOME=/tmp/drift-bench .venv/bin/python benchmarks/drift.py [--rows 100000]

The asset reads its reference snapshot and current frame from Parquet files, samples each side to
``drift.max_rows`` of config/monitoring.yaml, runs Evidently, writes the HTML report and the
``nex.drift_*`` rows on the platform's PostgreSQL (the embedded one under NEX_HOME).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from nex_assets.core import settings as nex_settings
from nex_assets.core.resources import WarehouseResource
from nex_assets.monitoring.assets import DriftSource, Reference, drift_asset
from nex_assets.monitoring.logic.drift import measure_drift
from nex_assets.monitoring.logic.settings import DriftSettings, MonitoringSettings


def frame(rows: int, columns: int, seed: int, shift: float) -> pd.DataFrame:
    """Every fifth column categorical (8 levels); every third numeric column shifted by ``shift``."""
    rng = np.random.default_rng(seed)
    data = {}
    for i in range(columns):
        if i % 5 == 4:
            p = np.full(8, 1 / 8) if not shift else np.array([0.3] + [0.1] * 7)
            data[f"c{i:03d}"] = rng.choice([f"level_{j}" for j in range(8)], rows, p=p)
        else:
            data[f"n{i:03d}"] = rng.normal(shift if i % 3 == 0 else 0.0, 1.0, rows)
    return pd.DataFrame(data)


def through_asset(folder: Path, columns: int, settings: DriftSettings) -> tuple[float, dict]:
    reference_file, current_file = folder / "reference.parquet", folder / "current.parquet"
    features = [c for c in pd.read_parquet(reference_file).columns][:columns]
    source = DriftSource(
        dataset="bench",
        recipe=f"cols_{columns}",
        features=features,
        reference=lambda: Reference(pd.read_parquet(reference_file, columns=features)),
        current=lambda conn, reference: pd.read_parquet(current_file, columns=features),
    )
    asset = drift_asset(source, settings)
    started = time.perf_counter()
    result = dg.materialize([asset], resources={"warehouse": WarehouseResource()})
    elapsed = time.perf_counter() - started
    metadata = result.asset_materializations_for_node(asset.op.name)[0].metadata
    return elapsed, {k: metadata[k].value for k in ("drift_share", "reference_sample_rows", "features")}


def unsampled(reference: pd.DataFrame, current: pd.DataFrame, columns: int, settings: DriftSettings) -> float:
    features = list(reference.columns[:columns])
    full = settings.model_copy(update={"max_rows": len(reference)})
    started = time.perf_counter()
    measure_drift(reference[features], current[features], features=features, settings=full)
    return time.perf_counter() - started


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    args = p.parse_args()
    settings = nex_settings.load(MonitoringSettings).drift
    import evidently  # noqa: F401  (its 4 s import is paid once, outside the timings)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reference, current = frame(args.rows, 100, 1, 0.0), frame(args.rows, 100, 2, 0.5)
        reference.to_parquet(folder / "reference.parquet")
        current.to_parquet(folder / "current.parquet")
        asset_s, facts, full_s = {}, {}, {}
        for columns in (50, 100):
            asset_s[columns], facts[columns] = through_asset(folder, columns, settings)
            print(
                f"asset {args.rows:,} x {columns}: {asset_s[columns]:.2f} s "
                f"(sample {facts[columns]['reference_sample_rows']:,} rows per side, "
                f"drift share {facts[columns]['drift_share']:.2f})",
                flush=True,
            )
        for columns in (50, 100):
            full_s[columns] = unsampled(reference, current, columns, settings)
            print(
                f"Evidently alone, unsampled {args.rows:,} x {columns}: {full_s[columns]:.2f} s", flush=True
            )
    ratio = asset_s[100] / asset_s[50]
    print(
        f"ratio 100/50 columns through the asset: {ratio:.2f} (goal <= 2.5); "
        f"unsampled Evidently alone: {full_s[100] / full_s[50]:.2f}; "
        f"asset vs unsampled at 100 columns: {asset_s[100] / full_s[100]:.2f}x the time"
    )
    print(
        json.dumps({"s_50": round(asset_s[50], 2), "s_100": round(asset_s[100], 2), "ratio": round(ratio, 2)})
    )


if __name__ == "__main__":
    main()
