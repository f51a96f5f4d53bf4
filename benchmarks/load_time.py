"""Code-location load time: fresh processes importing ``nex_assets.definitions`` and resolving the
asset graph, against a bare ``import dagster`` in the same kind of process; prints the median.

    .venv/bin/python benchmarks/load_time.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"
LOAD = "import nex_assets.definitions as d; d.defs.resolve_asset_graph(); d.defs.resolve_all_job_defs()"


def timed(body: str) -> float:
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE.format(body=body)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    timed(LOAD)  # warm the bytecode cache and the dbt manifest
    loads, dagster_only = [], []
    for _ in range(args.runs):
        loads.append(timed(LOAD))
        dagster_only.append(timed("import dagster"))
    load_s, base_s = statistics.median(loads), statistics.median(dagster_only)
    print(
        f"load nex_assets.definitions: median {load_s:.2f} s over {args.runs} fresh processes "
        f"(import dagster alone: {base_s:.2f} s)"
    )
    print(json.dumps({"load_s": round(load_s, 3), "dagster_import_s": round(base_s, 3), "runs": args.runs}))


if __name__ == "__main__":
    main()
