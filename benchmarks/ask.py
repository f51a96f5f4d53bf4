"""`nex ask` tool overhead on the sample world, LLM time excluded.

A private NEX home gets the NEX Retail sample world (default size, about 100k sales rows) loaded,
profiled and put in the dictionary with embeddings through Dagster, with no LLM (rule-based text, the
local all-MiniLM-L6-v2 embedder). Then, for a set of questions with the SQL an answer would run:

- retrieval: the question embedded and searched in ``nex.embeddings`` (what `nex ask` does first);
- validation: the parser layer (``sql_safety.check``: parse, shape, functions, tables, personal data);
- execution: the read-only path (reader role, READ ONLY transaction, timeout, row-limit wrapper);
- baselines, side by side: the same SQL run plainly by the platform's user (no checks, no wrapper),
  and retrieval with the question embedded on all cores (torch's default) instead of one thread.

Prints percentiles of each; the last line is one JSON object with ``p95_ms``: retrieval plus
validation at p95 (the goal is under 50 ms).

    .venv/bin/python benchmarks/ask.py [--rounds 20]
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

QUESTIONS = [
    ("do promotions sell more units?", "select promo, avg(units_sold) from retail_sales group by promo"),
    (
        "which category responds most to price cuts?",
        "select p.category, corr(s.price, s.units_sold) as price_response from raw.retail_sales s "
        "join raw.retail_products p using (sku) group by 1 order by 2",
    ),
    (
        "revenue by store region",
        "select st.region, sum(s.price * s.units_sold) as revenue from raw.retail_sales s "
        "join raw.retail_stores st using (store_id) group by 1 order by 2 desc",
    ),
    ("how many customers are in each segment?", "select segment, count(*) from retail_customers group by 1"),
    (
        "which offers are accepted most often?",
        "select offer_id, avg(accepted::int) as rate from retail_offer_events "
        "group by 1 order by 2 desc limit 10",
    ),
    (
        "weekly units sold during holidays",
        "with w as (select week_start, holiday, sum(units_sold) as units from retail_sales group by 1, 2) "
        "select holiday, avg(units) from w group by 1",
    ),
    (
        "largest stores by floor area",
        "select store_id, store_name, floor_area_m2 from raw.retail_stores order by 3 desc limit 20",
    ),
    (
        "what does a product cost us?",
        "select sku, category, unit_cost from retail_products order by 3 desc limit 10",
    ),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    p50, p95 = pct(values, 50), pct(values, 95)
    return f"  {name:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   max {max(values):7.2f} ms"


def build_world(home: Path) -> list:
    import dagster as dg

    from nex_assets.core import db, instance
    from nex_assets.core.build import Catalog, build_definitions
    from nex_assets.core.resources import WarehouseResource
    from nex_assets.datasets.logic.catalog import load_catalog
    from nex_assets.sample_world import generate

    database = db.bootstrap()
    project = home / "project"
    generate(project / "data" / "sample" / "retail", seed=7)
    catalog = Catalog(load_catalog(ROOT / "datasets"), project_dir=project, landing_dir=project / "landing")
    defs = dg.Definitions.merge(
        build_definitions(catalog), dg.Definitions(resources={"warehouse": WarehouseResource()})
    )
    steps = {"raw", "profile", "dictionary", "embeddings"}
    keys = [
        k for k in defs.resolve_asset_graph().get_all_asset_keys() if len(k.path) == 2 and k.path[1] in steps
    ]
    job = dg.define_asset_job("bench_ask_world", selection=dg.AssetSelection.assets(*keys).without_checks())
    inst = dg.DagsterInstance.from_config(str(instance.prepare(database, home / "dagster_home")))
    started = time.perf_counter()
    result = (
        dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
        .get_job_def("bench_ask_world")
        .execute_in_process(instance=inst, raise_on_error=True)
    )
    assert result.success
    print(f"sample world loaded, profiled and embedded in {time.perf_counter() - started:.0f} s")
    inst.dispose()
    return catalog.datasets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20, help="passes over the questions")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="nex-bench-ask-"))
    os.environ["NEX_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster_home")
    for var in ("NEX_DATABASE_URL", "NEX_LLM_BASE_URL", "OPENAI_API_KEY", "NEX_EMBEDDING_MODEL"):
        os.environ.pop(var, None)

    from nex_assets.chat import readonly, tools
    from nex_assets.chat.context import ToolContext
    from nex_assets.chat.retrieval import retrieve
    from nex_assets.core import db, env

    try:
        datasets = build_world(home)
        with ToolContext.open(datasets=datasets) as ctx, db.connect(ctx.database, autocommit=True) as owner:
            s = ctx.settings
            k = s.ask.retrieve_k
            for question, sql in QUESTIONS:  # warm: the embedder's model, the reader's view, the caches
                retrieve(ctx, question, k)
                checked = tools.check_query(ctx, sql).sql
                readonly.execute(ctx.reader(), checked, limit=s.row_limit, timeout_s=s.statement_timeout_s)
                owner.execute(checked).fetchall()
            timings: dict[str, list[float]] = {
                "retrieval": [],
                "  of which: embedding the question": [],
                "validation": [],
                "retrieval + validation": [],
                "execution (read-only path)": [],
                "total tool overhead": [],
                "baseline: plain execution": [],
            }
            for _ in range(args.rounds):
                for question, sql in QUESTIONS:
                    t0 = time.perf_counter()
                    entries = retrieve(ctx, question, k)
                    t1 = time.perf_counter()
                    checked = tools.check_query(ctx, sql)
                    t2 = time.perf_counter()
                    readonly.execute(
                        ctx.reader(), checked.sql, limit=s.row_limit, timeout_s=s.statement_timeout_s
                    )
                    t3 = time.perf_counter()
                    owner.execute(checked.sql).fetchall()
                    t4 = time.perf_counter()
                    assert entries
                    timings["retrieval"].append((t1 - t0) * 1000)
                    timings["validation"].append((t2 - t1) * 1000)
                    timings["retrieval + validation"].append((t2 - t0) * 1000)
                    timings["execution (read-only path)"].append((t3 - t2) * 1000)
                    timings["total tool overhead"].append((t3 - t0) * 1000)
                    timings["baseline: plain execution"].append((t4 - t3) * 1000)
            # Of retrieval, the share of embedding the question with the local model (as retrieval does it).
            import torch

            from nex_assets.llm.embedder import get_embedder

            embedder, previous = get_embedder(), torch.get_num_threads()
            torch.set_num_threads(s.ask.embedding_threads)
            for _ in range(args.rounds):
                for question, _sql in QUESTIONS:
                    t0 = time.perf_counter()
                    embedder.embed([question])
                    timings["  of which: embedding the question"].append((time.perf_counter() - t0) * 1000)
            torch.set_num_threads(previous)
            # Side by side: retrieval as it was with torch's default thread count for the question.
            default_threads = ctx.settings.model_copy(
                update={"ask": s.ask.model_copy(update={"embedding_threads": os.cpu_count() or 1})}
            )
            ctx.settings, tuned = default_threads, ctx.settings
            for question, _sql in QUESTIONS:
                t0 = time.perf_counter()
                retrieve(ctx, question, k)
                timings.setdefault("baseline: retrieval, all cores", []).append(
                    (time.perf_counter() - t0) * 1000
                )
            ctx.settings = tuned
        n = len(timings["retrieval"])
        print(
            f"{n} questions ({len(QUESTIONS)} distinct x {args.rounds}), retrieval k={k}, LLM time excluded:"
        )
        for name, values in timings.items():
            print(line(name, values))
        safe = pct(timings["execution (read-only path)"], 50)
        plain = pct(timings["baseline: plain execution"], 50)
        print(f"  read-only path vs plain execution at p50: {safe - plain:+.2f} ms ({safe / plain:.2f}x)")
        p95 = pct(timings["retrieval + validation"], 95)
        print(f"retrieval + validation p95: {p95:.2f} ms (goal: under 50 ms)")
        print(json.dumps({"p95_ms": round(p95, 2)}))
    finally:
        env.stop_embedded()


if __name__ == "__main__":
    main()
