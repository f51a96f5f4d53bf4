"""Engines: the main job on the default sample world under each executor, through the `nex` command as
a user runs it (`nex run --force`), in a fresh NEX home per engine so that both compute the same
assets from the same files into an empty platform. The distributed engine runs on the local cluster
of `nex workers start` (a scheduler and the workers `dask.local` plans: one GPU worker and one CPU
worker per remaining core), started before the run and timed on its own. Reports each engine's wall
time (the whole command), the Dagster run's own duration, the sum of its steps' times, and the
overhead ratio of dask over multiprocess (goal: at most 1.3). The last line is one JSON object.

    .venv/bin/python benchmarks/executors.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from nexcli import NEX, ROOT, nex, project_copy

GOAL = 1.3


def last_run() -> dict:
    """The latest main-job run: its status, its own duration and the sum of its steps' times."""
    import dagster as dg

    from nex_assets.core import instance as nex_instance

    with dg.DagsterInstance.from_config(str(nex_instance.prepare())) as instance:
        (record,) = instance.get_run_records(dg.RunsFilter(job_name="nex_main"), limit=1)
        steps = instance.get_run_step_stats(record.dagster_run.run_id)
        return {
            "status": record.dagster_run.status.value,
            "run_s": round(record.end_time - record.start_time, 1),
            "steps": len(steps),
            "step_sum_s": round(sum((s.end_time or 0) - (s.start_time or 0) for s in steps), 1),
        }


def measure(engine: str, base: Path, attempt: int) -> dict:
    home = base / f"{engine}-{attempt}"
    os.environ.update(NEX_HOME=str(home / ".nex"), NEX_EXECUTOR=engine)
    os.environ.pop("DAGSTER_HOME", None)
    figures: dict = {"engine": engine}
    try:
        nex("db", "start")
        nex("dbt", "prepare")
        if engine == "dask":
            figures["workers_start_s"] = round(nex("workers", "start"), 1)
        figures["job_s"] = round(nex("run", "--force"), 1)
        figures.update(last_run())
    finally:
        if engine == "dask":
            subprocess.run([NEX, "workers", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
        subprocess.run([NEX, "db", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
    shutil.rmtree(home, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine, alternating (medians)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="nex-executors-"))
    os.environ["NEX_PROJECT_DIR"] = str(project_copy(base))
    os.environ.update(NEX_LANDING_DIR=str(base / "landing"), NEX_LLM="off")
    os.environ.pop("NEX_DASK_ADDRESS", None)
    results: dict[str, list[dict]] = {"multiprocess": [], "dask": []}
    try:
        nex("sample", "--out", str(base / "project" / "data" / "sample" / "retail"))
        for attempt in range(args.repeat):
            # Alternating, so neither engine always finds the machine's caches warmer.
            order = ("multiprocess", "dask") if attempt % 2 == 0 else ("dask", "multiprocess")
            for engine in order:
                result = measure(engine, base, attempt)
                results[engine].append(result)
                started = result.get("workers_start_s")
                print(
                    f"{engine:<12} job {result['job_s']:>7.1f} s (run {result['run_s']} s, {result['steps']} "
                    f"steps, {result['step_sum_s']} s of step time, {result['status']})"
                    + (f", workers started in {started} s" if started is not None else "")
                )
    finally:
        for var in ("NEX_HOME", "NEX_EXECUTOR", "NEX_PROJECT_DIR"):
            os.environ.pop(var, None)
        shutil.rmtree(base, ignore_errors=True)

    def median(engine: str, key: str) -> float:
        return round(statistics.median(r[key] for r in results[engine]), 1)

    ratio = round(median("dask", "job_s") / median("multiprocess", "job_s"), 3)
    run_ratio = round(median("dask", "run_s") / median("multiprocess", "run_s"), 3)
    print(
        f"dask / multiprocess: {ratio:.2f}x the command's wall time, {run_ratio:.2f}x the run's "
        f"(goal <= {GOAL}x)"
    )
    print(
        json.dumps(
            {
                "cores": os.cpu_count(),
                "repeat": args.repeat,
                "multiprocess_job_s": median("multiprocess", "job_s"),
                "dask_job_s": median("dask", "job_s"),
                "dask_workers_start_s": median("dask", "workers_start_s"),
                "ratio": ratio,
                "run_ratio": run_ratio,
                "goal": GOAL,
                "met": ratio <= GOAL,
                "all_succeeded": all(r["status"] == "SUCCESS" for rs in results.values() for r in rs),
            }
        )
    )


if __name__ == "__main__":
    main()
