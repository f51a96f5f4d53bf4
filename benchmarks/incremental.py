"""Incremental runs: the main job on the default sample world, three times through the `nex` command
in a fresh NEX home, as a user would: the first run, a second with nothing changed, and a third after
one new landing file for one dataset. Reports each run's wall time (the whole command, start-up
included), the second run's share of the first, the model versions each run registered, and what the
third run computed against that dataset's downstream in the asset graph. The last line is one JSON
object.

    .venv/bin/python benchmarks/incremental.py [--dataset retail_offers]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from nexcli import NEX, ROOT, nex


def model_versions() -> int:
    from nex_assets.ml import registry

    return sum(len(registry.versions(m.name)) for m in registry.client().search_registered_models())


def last_run():
    """The latest run of the main job: its id and the assets it materialized."""
    import dagster as dg

    from nex_assets.core import instance as nex_instance

    nex_instance.prepare()
    instance = dg.DagsterInstance.get()
    records = instance.get_run_records(dg.RunsFilter(job_name="nex_main"), limit=1)
    if not records:
        return None, []
    run_id = records[0].dagster_run.run_id
    events = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
    ).records
    return run_id, sorted(r.event_log_entry.asset_materialization.asset_key.to_user_string() for r in events)


def downstream(dataset: str) -> set[str]:
    import dagster as dg

    from nex_assets import definitions

    graph = definitions.defs.resolve_asset_graph()
    keys = dg.AssetSelection.assets(dg.AssetKey([dataset, "raw"])).downstream().resolve(graph)
    # A step that computes several assets at once (the sample world's synthetic group) runs whole.
    from nex_assets.automation.incremental import with_siblings

    keys, _ = with_siblings(graph, keys)
    return {k.to_user_string() for k in keys}


def _next_key(keys: list[str]) -> str:
    """A new key of the same shape as the others (``O10`` after ``O01``..``O09``), so that the
    dataset's own suite accepts the row."""
    import re

    shaped = [m for k in keys if (m := re.fullmatch(r"(\D*)(\d+)", k))]
    if not shaped:
        return f"{keys[-1]}_new"
    prefix, width = shaped[-1].group(1), len(shaped[-1].group(2))
    return f"{prefix}{max(int(m.group(2)) for m in shaped) + 1:0{width}d}"


def land_new_version(dataset: str, landing: Path) -> Path:
    """The dataset's file again with one more row (a copy of its last row under a new key): the
    newest landing file replaces the source (the sample world's datasets land in replace mode)."""
    from nex_assets.core.build import Catalog

    (ds,) = [d for d in Catalog.from_env().datasets if d.name == dataset]
    (source,) = ds.source_files(ROOT)
    with source.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, last = rows[0], list(rows[-1])
    key = header.index(ds.primary_key[0])
    last[key] = _next_key([r[key] for r in rows[1:]])
    folder = landing / dataset
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{dataset}_batch.csv"
    with target.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([*rows, last])
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="retail_offers", help="the dataset a new file lands for")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="nex-incremental-"))
    os.environ.update(NEX_HOME=str(home / ".nex"), NEX_LANDING_DIR=str(home / "landing"))
    os.environ.pop("DAGSTER_HOME", None)
    try:
        nex("db", "start")
        nex("sample")
        nex("dbt", "prepare")
        first = nex("run")
        after_first = model_versions()
        first_run, _ = last_run()
        second = nex("run")
        after_second = model_versions()
        second_started = last_run()[0] != first_run
        landed = land_new_version(args.dataset, home / "landing")
        third = nex("run")
        after_third = model_versions()
        third_run, computed = last_run()
        expected = downstream(args.dataset)
        outside = sorted(set(computed) - expected)
        print(f"first run:  {first:7.1f} s, {after_first} model versions registered")
        print(
            f"second run: {second:7.1f} s ({second / first:.1%} of the first), "
            f"{after_second - after_first} model versions registered, "
            f"{'a run started' if second_started else 'no run started'}"
        )
        print(
            f"third run, after {landed.name} landed for {args.dataset}: {third:.1f} s, "
            f"{len(computed)} assets computed ({len(expected)} downstream of {args.dataset}/raw), "
            f"{after_third - after_second} model version(s) registered"
        )
        for key in computed:
            print(f"  {key}")
        if outside:
            print(f"computed outside {args.dataset}'s downstream: {', '.join(outside)}")
        print(
            json.dumps(
                {
                    "first_run_s": round(first, 1),
                    "second_run_s": round(second, 1),
                    "second_over_first": round(second / first, 3),
                    "versions_registered_by_second_run": after_second - after_first,
                    "second_run_started_a_dagster_run": second_started,
                    "third_run_s": round(third, 1),
                    "third_run_dataset": args.dataset,
                    "third_run_computed": len(computed),
                    "third_run_downstream": len(expected),
                    "third_run_outside_downstream": outside,
                    "versions_registered_by_third_run": after_third - after_second,
                    "third_run_id": third_run,
                }
            )
        )
    except SystemExit:
        print(f"kept for a look: {home} (the run logs are in .nex/logs)")
        raise
    else:
        shutil.rmtree(home, ignore_errors=True)
    finally:
        subprocess.run([NEX, "db", "stop"], capture_output=True, env=os.environ, cwd=ROOT)


if __name__ == "__main__":
    main()
