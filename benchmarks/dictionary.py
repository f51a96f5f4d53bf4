"""Dictionary: 200 columns described through the loopback OpenAI-protocol server answering after 300 ms.

Side by side on the same wide table: the writer with one request at a time (the baseline: what a plain
loop pays, about 200 x 300 ms), the writer with the configured concurrency, and a re-run with nothing
changed (no LLM call at all: only the profile hashes are compared). The last line is one JSON object
with ``wall_s``, ``sequential_s``, ``speedup``, ``rerun_calls`` and ``rerun_share``.

    .venv/bin/python benchmarks/dictionary.py [--columns 200] [--latency 0.3] [--skip-sequential]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wide_table(conn, name: str, columns: int, rows: int) -> None:
    """Numeric, categorical and text columns in turn, so prompts vary like a real table's."""
    exprs = []
    for i in range(columns):
        kind = i % 3
        if kind == 0:
            exprs.append(f"(random() * {i + 10})::double precision as metric_{i:03d}")
        elif kind == 1:
            exprs.append(f"(array['north','south','east','west'])[1 + (g % 4)] as region_{i:03d}")
        else:
            exprs.append(f"'item ' || (g * {i + 1} % 97) as label_{i:03d}")
    conn.execute(f"drop table if exists raw.{name}")
    conn.execute(f"create table raw.{name} as select {', '.join(exprs)} from generate_series(1, {rows}) g")


def describe(conn, ds, llm, project: Path, server) -> tuple[float, int]:
    from nex_assets.dictionary.build import build_dictionary

    client = llm.client()
    before = len(server.chat_requests)
    started = time.perf_counter()
    build_dictionary(conn, ds, client, project_dir=project)
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed, len(server.chat_requests) - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument(
        "--skip-sequential", action="store_true", help="use columns x latency as the baseline"
    )
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="nex-bench-dict-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)

    from nex_assets.core import db, env
    from nex_assets.datasets import profiler
    from nex_assets.datasets.logic.catalog import Dataset
    from nex_assets.llm import LLMResource
    from tests.llm_server import TEST_MODEL, serve

    database = db.bootstrap()
    try:
        with serve(latency_s=args.latency) as server, db.connect(database, autocommit=True) as conn:
            os.environ |= {"NEX_LLM_BASE_URL": server.base_url, "NEX_LLM_MODEL": TEST_MODEL}
            runs = {}
            for label in ("sequential", "concurrent"):
                if label == "sequential" and args.skip_sequential:
                    continue
                name = f"bench_wide_{label}"
                wide_table(conn, name, args.columns, args.rows)
                entries = profiler.profile_table(conn, "raw", name, primary_key=[], sensitive=set())
                profiler.store_profiles(conn, name, "v1", entries)
                ds = Dataset(name=name, description="A wide benchmark table.", source={"table": name})
                llm = LLMResource(concurrency=1) if label == "sequential" else LLMResource()
                runs[label] = describe(conn, ds, llm, home, server)
                print(f"{label:>10}: {runs[label][1]} LLM calls in {runs[label][0]:.2f} s")
            concurrency = LLMResource().client().settings.concurrency
            wall_s, calls = runs["concurrent"]
            rerun_s, rerun_calls = describe(conn, ds, LLMResource(), home, server)
            print(f"{'re-run':>10}: {rerun_calls} LLM calls in {rerun_s:.3f} s (nothing changed)")
    finally:
        env.stop_embedded()
    nominal = calls * args.latency
    sequential_s = runs["sequential"][0] if "sequential" in runs else nominal
    print(
        f"{args.columns} columns + the table entry, server latency {args.latency * 1000:.0f} ms, "
        f"concurrency {concurrency}: {wall_s:.2f} s against {sequential_s:.2f} s one at a time "
        f"(nominal {calls} x {args.latency * 1000:.0f} ms = {nominal:.1f} s); "
        f"speedup {sequential_s / wall_s:.1f}x; "
        f"re-run {rerun_s / wall_s:.2%} of the first run with {rerun_calls} calls"
    )
    print(
        json.dumps(
            {
                "wall_s": round(wall_s, 3),
                "sequential_s": round(sequential_s, 3),
                "speedup": round(sequential_s / wall_s, 2),
                "rerun_calls": rerun_calls,
                "rerun_share": round(rerun_s / wall_s, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
