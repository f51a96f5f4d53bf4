"""Great Expectations against hand-written vectorized pandas checks of the same 20 rules.

One frame of 1M rows x 20 columns (built from a fixed seed, with a few planted defects so that
failing rules produce unexpected values) is checked by a 20-expectation GX suite on GX's pandas
engine, and by hand-written pandas code computing the same unexpected counts and examples. Each
side runs in a child process of its own, so its memory is its own: ``peak_rss_ratio`` is the GX
side's peak RSS while it validates (sampled every 5 ms) above what the process held before the
frame was built (libraries imported), divided by the frame's size: the frame itself plus everything
GX allocates for it.

    .venv/bin/python benchmarks/quality.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from nex_assets.core import settings as nex_settings
from nex_assets.quality.logic.settings import QualitySettings

ROOT = Path(__file__).resolve().parent.parent

CATEGORIES = ["grocery", "beverages", "household", "personal_care", "snacks"]
SEGMENTS = ["value", "regular", "premium"]
CHANNELS = ["email", "sms", "app"]
EMAIL = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
STORE = r"^S[0-9]{4}$"
EXAMPLES = 5


def build_frame(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.5, 9.0, rows).round(2)
    units = rng.poisson(20, rows)
    frame = pd.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "store_id": np.char.add("S", np.char.zfill(rng.integers(1, 500, rows).astype(str), 4)),
            "sku": np.char.add("P", np.char.zfill(rng.integers(1, 3000, rows).astype(str), 5)),
            "week": rng.integers(0, 104, rows),
            "price": base,
            "unit_cost": (base * rng.uniform(0.4, 0.8, rows)).round(2),
            "units_sold": units,
            "revenue": (base * units).round(2),
            "promo": rng.random(rows) < 0.12,
            "category": np.array(CATEGORIES)[rng.integers(0, 5, rows)],
            "segment": np.array(SEGMENTS)[rng.integers(0, 3, rows)],
            "channel": np.array(CHANNELS)[rng.integers(0, 3, rows)],
            "email": np.char.add(np.char.add("user", np.arange(rows).astype(str)), "@example.co.uk"),
            "age": rng.integers(18, 90, rows),
            "latitude": rng.uniform(50.0, 58.0, rows),
            "longitude": rng.uniform(-5.0, 1.5, rows),
            "discount_pct": rng.choice([0, 10, 15, 20, 25], rows),
            "tenure_months": rng.integers(1, 180, rows),
            "basket": rng.gamma(3.0, 12.0, rows).round(2),
            "visits": rng.gamma(3.0, 1.5, rows).round(1),
        }
    )
    # Planted defects: a few nulls, out-of-range values, unknown categories and malformed emails.
    bad = rng.choice(rows, 60, replace=False)
    frame.loc[bad[:10], "store_id"] = None
    frame.loc[bad[10:20], "age"] = 150
    frame.loc[bad[20:30], "category"] = "toys"
    frame.loc[bad[30:40], "email"] = "not-an-email"
    frame.loc[bad[40:50], "price"] = -1.0
    frame.loc[bad[50:60], "segment"] = None
    return frame


RULES = [
    ("expect_table_row_count_to_be_between", {"min_value": 1}),
    ("expect_column_values_to_be_unique", {"column": "id"}),
    ("expect_column_values_to_not_be_null", {"column": "store_id"}),
    ("expect_column_values_to_not_be_null", {"column": "segment"}),
    ("expect_column_values_to_not_be_null", {"column": "email"}),
    ("expect_column_values_to_match_regex", {"column": "store_id", "regex": STORE}),
    ("expect_column_values_to_match_regex", {"column": "email", "regex": EMAIL}),
    ("expect_column_values_to_be_in_set", {"column": "category", "value_set": CATEGORIES}),
    ("expect_column_values_to_be_in_set", {"column": "segment", "value_set": SEGMENTS}),
    ("expect_column_values_to_be_in_set", {"column": "channel", "value_set": CHANNELS}),
    ("expect_column_values_to_be_between", {"column": "price", "min_value": 0.01, "max_value": 1000}),
    ("expect_column_values_to_be_between", {"column": "age", "min_value": 16, "max_value": 120}),
    ("expect_column_values_to_be_between", {"column": "latitude", "min_value": 49.8, "max_value": 60.9}),
    ("expect_column_values_to_be_between", {"column": "longitude", "min_value": -8.7, "max_value": 1.8}),
    ("expect_column_values_to_be_between", {"column": "units_sold", "min_value": 0, "max_value": 100_000}),
    ("expect_column_values_to_be_between", {"column": "discount_pct", "min_value": 0, "max_value": 100}),
    ("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "price", "column_B": "unit_cost"}),
    ("expect_compound_columns_to_be_unique", {"column_list": ["id", "store_id"]}),
    ("expect_column_mean_to_be_between", {"column": "basket", "min_value": 10, "max_value": 100}),
    ("expect_column_value_lengths_to_be_between", {"column": "sku", "min_value": 6, "max_value": 6}),
]


def _examples(values: pd.Series) -> list:
    return values.head(EXAMPLES).tolist()


def handwritten(frame: pd.DataFrame) -> list[dict]:
    """The same rules, written by hand with vectorized pandas: unexpected count and first examples."""
    out = []
    for kind, kw in RULES:
        col = frame[kw["column"]] if "column" in kw else None
        if kind == "expect_table_row_count_to_be_between":
            out.append({"success": len(frame) >= kw["min_value"], "observed": len(frame)})
            continue
        if kind == "expect_column_mean_to_be_between":
            mean = col.mean()
            out.append({"success": kw["min_value"] <= mean <= kw["max_value"], "observed": mean})
            continue
        if kind == "expect_column_values_to_not_be_null":
            bad = col.isna()
        elif kind == "expect_column_values_to_be_unique":
            bad = col.duplicated(keep=False) & col.notna()
        elif kind == "expect_compound_columns_to_be_unique":
            bad = frame.duplicated(subset=kw["column_list"], keep=False)
        elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
            a, b = frame[kw["column_A"]], frame[kw["column_B"]]
            bad = ~(a > b) & a.notna() & b.notna()
        else:
            present = col.notna()
            values = col[present]
            if kind == "expect_column_values_to_match_regex":
                ok = values.str.match(kw["regex"])
            elif kind == "expect_column_values_to_be_in_set":
                ok = values.isin(kw["value_set"])
            elif kind == "expect_column_values_to_be_between":
                ok = values.between(kw["min_value"], kw["max_value"])
            else:
                lengths = values.str.len()
                ok = lengths.between(kw["min_value"], kw["max_value"])
            bad = pd.Series(False, index=col.index)
            bad[present] = ~ok.to_numpy()
        count = int(bad.sum())
        out.append(
            {"success": count == 0, "unexpected": count, "examples": _examples(frame.loc[bad].iloc[:, 0])}
        )
    return out


def with_gx(frame: pd.DataFrame) -> list[dict]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="bench",
            expectations=[ExpectationConfiguration(type=t, kwargs=kw).to_domain_obj() for t, kw in RULES],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="bench", data=batch, suite=suite)
    )
    # The result format the quality assets use (config/quality.yaml).
    results = nex_settings.load(QualitySettings, ROOT / "config" / "quality.yaml").results
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={
            "result_format": results.format,
            "partial_unexpected_count": results.partial_unexpected_count,
        },
    )
    return [
        {
            "success": r.success,
            "unexpected": r.result.get("unexpected_count"),
            "observed": r.result.get("observed_value"),
        }
        for r in result.results
    ]


def child(side: str, rows: int, repeat: int) -> dict:
    """One side in its own process: warm up on a slice, then time the full frame ``repeat`` times
    (the best time counts: the machine is shared, and noise only ever adds)."""
    run = with_gx if side == "gx" else handwritten
    # The warm-up also imports GX, so the libraries' memory is not counted as the frame's.
    run(build_frame(1000, seed=9))
    gc.collect()
    process = psutil.Process()
    before = process.memory_info().rss
    frame = build_frame(rows)
    gc.collect()
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    peak = [process.memory_info().rss]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        results = run(frame)
        times.append(time.perf_counter() - started)
    done.set()
    sampler.join()
    peak = max(peak[0], process.memory_info().rss)
    return {
        "seconds": min(times),
        "frame_bytes": frame_bytes,
        "peak_above_start": peak - before,
        "failed": sum(not r["success"] for r in results),
        "unexpected": sum(r.get("unexpected") or 0 for r in results),
    }


def run_side(side: str, rows: int, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, "--rows", str(rows), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per side and round; the best counts"
    )
    parser.add_argument("--rounds", type=int, default=2, help="the sides alternate this many times")
    parser.add_argument("--child", choices=["gx", "hand"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.repeat)))
        return
    runs: dict[str, list[dict]] = {"hand": [], "gx": []}
    for _ in range(args.rounds):
        for side in runs:
            runs[side].append(run_side(side, args.rows, args.repeat))
    hand = min(runs["hand"], key=lambda r: r["seconds"])
    gx = {
        **min(runs["gx"], key=lambda r: r["seconds"]),
        "peak_above_start": max(r["peak_above_start"] for r in runs["gx"]),
    }
    mib = hand["frame_bytes"] / 2**20
    print(
        f"frame: {args.rows:,} rows x 20 columns, {mib:,.0f} MiB; suite: {len(RULES)} expectations; "
        f"best of {args.rounds} x {args.repeat} runs per side"
    )
    print(
        f"hand-written pandas: {hand['seconds']:.2f} s, {hand['failed']} rules failed, "
        f"{hand['unexpected']} unexpected"
    )
    print(
        f"great expectations:  {gx['seconds']:.2f} s, {gx['failed']} rules failed, "
        f"{gx['unexpected']} unexpected"
    )
    ratio = gx["seconds"] / hand["seconds"]
    peak_ratio = gx["peak_above_start"] / gx["frame_bytes"]
    hand_peak_ratio = hand["peak_above_start"] / hand["frame_bytes"]
    print(f"ratio gx / hand-written: {ratio:.2f}x (goal <= 3x)")
    print(
        f"peak RSS above the imported libraries: gx {gx['peak_above_start'] / 2**20:,.0f} MiB "
        f"= {peak_ratio:.2f}x the frame (goal <= 3x); hand-written {hand_peak_ratio:.2f}x"
    )
    print(
        json.dumps(
            {
                "gx_s": round(gx["seconds"], 3),
                "handwritten_s": round(hand["seconds"], 3),
                "ratio": round(ratio, 3),
                "peak_rss_ratio": round(peak_ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
