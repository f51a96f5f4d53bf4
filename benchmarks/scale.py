"""Scale: the whole main job on the sample world at growing sales volumes, through the `nex` command in
a fresh NEX home per size, as a user would (`nex sample --sales-rows N`, then `nex run`), followed by
a second `nex run` with nothing changed. Reports the job's wall time, each step's time and peak memory
(from the run's log: every step of the main job logs its peak), the largest step, how the time grows
from one size to the next, and the no-change re-run's share of the first run. The last line is one
JSON object.

Each size runs in a copy of the project's people-edited folders (datasets, recipes, settings, dbt
project ...), where the scaled sample world is written; the checkout's own files are not touched.

    .venv/bin/python benchmarks/scale.py --rows 1000000,10000000,100000000
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from nexcli import NEX, ROOT, nex, project_copy

SHOWN_STEPS = 12


def steps_of_last_run() -> tuple[str | None, dict[str, dict[str, float]]]:
    """Each step of the latest main-job run: seconds and peak MiB."""
    import dagster as dg

    from nex_assets.core import instance as nex_instance
    from nex_assets.core.dagster import PEAK_MEMORY

    nex_instance.prepare()
    instance = dg.DagsterInstance.get()
    records = instance.get_run_records(dg.RunsFilter(job_name="nex_main"), limit=1)
    if not records:
        return None, {}
    run_id = records[0].dagster_run.run_id
    steps: dict[str, dict[str, float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is not None and event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            steps.setdefault(event.step_key, {})["s"] = event.event_specific_data.duration_ms / 1000
        elif entry.user_message and PEAK_MEMORY in entry.user_message and entry.step_key:
            found = re.search(r"(\d+) MiB", entry.user_message)
            if found:
                steps.setdefault(entry.step_key, {})["peak_mib"] = float(found.group(1))
    return run_id, steps


def measure(rows: int, base: Path) -> dict:
    home = base / f"rows-{rows}"
    os.environ["NEX_HOME"] = str(home / ".nex")
    os.environ.pop("DAGSTER_HOME", None)
    try:
        nex("db", "start")
        generate = nex("sample", "--sales-rows", str(rows))
        nex("dbt", "prepare")
        first = nex("run")
        run_id, steps = steps_of_last_run()
        second = nex("run")
        second_run, _ = steps_of_last_run()
    finally:
        subprocess.run([NEX, "db", "stop"], capture_output=True, env=os.environ, cwd=ROOT)
    shutil.rmtree(home, ignore_errors=True)
    peak = max(steps.items(), key=lambda kv: kv[1].get("peak_mib", 0))
    return {
        "rows": rows,
        "generate_s": round(generate, 1),
        "job_s": round(first, 1),
        "rerun_s": round(second, 1),
        "rerun_over_first": round(second / first, 3),
        "rerun_started_a_run": second_run != run_id,
        "largest_peak_step": peak[0],
        "largest_peak_mib": peak[1].get("peak_mib"),
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000000,10000000,100000000", help="comma-separated sales rows")
    args = parser.parse_args()
    sizes = [int(r) for r in args.rows.split(",")]
    base = Path(tempfile.mkdtemp(prefix="nex-scale-"))
    os.environ["NEX_PROJECT_DIR"] = str(project_copy(base))
    results = []
    try:
        for rows in sizes:
            result = measure(rows, base)
            results.append(result)
            print(
                f"\n{rows:,} sales rows: job {result['job_s']:.0f} s, "
                f"no-change re-run {result['rerun_s']:.1f} s ({result['rerun_over_first']:.1%}), "
                f"largest step memory {result['largest_peak_mib']:.0f} MiB ({result['largest_peak_step']})"
            )
            slowest = sorted(result["steps"].items(), key=lambda kv: -kv[1].get("s", 0))[:SHOWN_STEPS]
            print(f"  {'step':<48} {'s':>8} {'peak MiB':>9}")
            for step, figures in slowest:
                print(f"  {step:<48} {figures.get('s', 0):>8.1f} {figures.get('peak_mib', 0):>9.0f}")
    finally:
        os.environ.pop("NEX_HOME", None)
        shutil.rmtree(base, ignore_errors=True)
    growth = {
        f"{a['rows']}->{b['rows']}": round(b["job_s"] / a["job_s"], 2) for a, b in itertools.pairwise(results)
    }
    print(
        json.dumps(
            {
                "sizes": [{k: v for k, v in r.items() if k != "steps"} for r in results],
                "job_growth": growth,
                "largest_peak_mib": max((r["largest_peak_mib"] or 0) for r in results),
            }
        )
    )


if __name__ == "__main__":
    main()
