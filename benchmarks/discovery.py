"""Rule discovery against load time: a generated table of 10 and of 100 numeric columns (plus a few
categories), with planted identities, orders and dependencies, is loaded by the platform's loader
and then searched for rules across columns as the automatic suite does (sample read from
PostgreSQL, identities screened on a probe, orders, dependencies, conditional completeness). Prints,
for each width, the load time, the discovery time, their ratio and how many planted rules were
found; the last line is one JSON object.

    .venv/bin/python benchmarks/discovery.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def table(path: Path, rows: int, width: int) -> list[str]:
    """Writes the CSV; returns the statements of the planted rules."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(width)
    frame = pd.DataFrame({f"x{i}": rng.lognormal(3, 1, rows).round(2) for i in range(width - 4)})
    frame["total"] = (frame["x0"] + frame["x1"]).round(2)
    frame["amount"] = (frame["x2"] * frame["x3"]).round(2)
    frame["part"] = (frame["x4"] * rng.uniform(0.2, 0.9, rows)).round(2)
    frame["spare"] = rng.normal(0, 1, rows)
    cities = rng.choice([f"c{i}" for i in range(40)], rows)
    frame["city"] = cities
    frame["region"] = [f"r{int(c[1:]) % 5}" for c in cities]
    # One row in a thousand breaks each rule.
    broken = rng.choice(rows, rows // 1000, replace=False)
    frame.loc[broken, "total"] += 5
    frame.insert(0, "id", range(1, rows + 1))
    frame.to_csv(path, index=False)
    return ["total = x0 + x1", "amount = x2 * x3", "part <= x4", "city -> region"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="nex-bench-discovery-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)

    from nex_assets.core import db, env
    from nex_assets.datasets import profiler
    from nex_assets.datasets.load import load
    from nex_assets.datasets.logic.catalog import Dataset
    from nex_assets.quality import auto

    results = {}
    try:
        database = db.bootstrap()
        for width in (10, 100):
            name = f"bench_rules_{width}"
            path = home / f"{name}.csv"
            planted = table(path, args.rows, width)
            ds = Dataset(name=name, source={"path": str(path)}, primary_key=["id"])
            started = time.perf_counter()
            load(ds, [path], database=database)
            load_s = time.perf_counter() - started
            with db.connect(database) as conn:
                entries = profiler.profile_table(conn, "raw", name, primary_key=["id"], sensitive=set())
                started = time.perf_counter()
                rules = auto.discover_rules(conn, name, entries)
                discovery_s = time.perf_counter() - started
            found = {r.statement for r in rules}
            hits = [p for p in planted if p in found]
            results[f"columns_{width + 3}"] = {
                "rows": args.rows,
                "load_s": round(load_s, 2),
                "discovery_s": round(discovery_s, 2),
                "ratio_to_load": round(discovery_s / load_s, 3),
                "rules_found": len(rules),
                "planted_found": f"{len(hits)}/{len(planted)}",
            }
            print(
                f"{width + 3} columns x {args.rows:,} rows: load {load_s:.1f}s, discovery {discovery_s:.1f}s "
                f"({discovery_s / load_s:.2f}x the load); {len(rules)} rules, planted found {len(hits)}/"
                f"{len(planted)}: {', '.join(sorted(found)[:8])}"
            )
        print(json.dumps(results))
    finally:
        env.stop_embedded()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
