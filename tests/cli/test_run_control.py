"""Runs the user starts from the command line: an interrupt stops the Dagster run instead of
orphaning a process that goes on writing, and a selection that splits a step that computes several
assets at once is widened to the whole step, with a note."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import dagster as dg
import pytest

from nex_assets.automation.incremental import with_siblings as expand_selection
from nex_assets.cli._runner import LAUNCH_TAG
from nex_assets.core import env
from tests.core.helpers import ROOT, sample_world_catalog, with_resources


def _busy(conn, table: str) -> bool:
    # Activity statistics are a snapshot per transaction: end it so each look is fresh.
    conn.rollback()
    busy = conn.execute(
        "select count(*) from pg_stat_activity where query ilike %s and state = 'active' "
        "and pid <> pg_backend_pid()",
        (f"%{table}%",),
    ).fetchone()[0]
    conn.rollback()
    return bool(busy)


@pytest.mark.slow
def test_sigterm_stops_the_run_it_started(tmp_path, dagster_instance, database, conn, unique_name):
    # A source that takes two minutes to read: a view that sleeps for each of its rows.
    view = f"{unique_name}_slow"
    conn.execute(
        f"create view public.{view} as select i as id, pg_sleep(2)::text as pad from generate_series(1, 60) i"
    )
    conn.commit()
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / f"{unique_name}.yaml").write_text(
        f"name: {unique_name}\nsource: {{table: public.{view}}}\nsynthetic: {{enabled: false}}\n"
    )
    cli_env = {**os.environ, "NEX_DATASETS_DIR": str(folder), "NEX_PROJECT_DIR": str(ROOT)}
    proc = subprocess.Popen(
        [env.executable("nex"), "materialize", f"{unique_name}/raw"],
        cwd=ROOT,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not _busy(conn, view):
            assert proc.poll() is None, proc.stdout.read()[-3000:]
            assert time.monotonic() < deadline, "the load never started"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # Nothing goes on reading or writing behind the user, and the run says how it ended.
    deadline = time.monotonic() + 30
    while _busy(conn, view) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _busy(conn, view)
    runs = [
        r.dagster_run
        for r in dagster_instance.get_run_records(limit=20)
        if LAUNCH_TAG in r.dagster_run.tags
        and dg.AssetKey([unique_name, "raw"]) in (r.dagster_run.asset_selection or ())
    ]
    assert runs and all(r.is_finished and not r.is_success for r in runs)
    assert conn.execute("select to_regclass(%s)", (f"raw.{unique_name}",)).fetchone() == (None,)
    conn.execute(f"drop view public.{view}")
    conn.commit()


def test_a_selection_that_splits_a_multi_table_step_is_widened(small_world, tmp_path):
    defs = with_resources(sample_world_catalog(small_world, tmp_path))
    graph = defs.resolve_asset_graph()
    selected = dg.AssetSelection.from_coercible(["retail_sales/raw*"]).resolve(graph)
    keys, notes = expand_selection(graph, selected)
    group = {dg.AssetKey([t, "synthetic"]) for t in ("retail_stores", "retail_products", "retail_sales")}
    assert group <= keys
    assert len(notes) == 1 and "computed in one step with" in notes[0]
    # The widened selection is one Dagster accepts.
    dg.define_asset_job("x", selection=sorted(keys)).resolve(asset_graph=graph)
    untouched, none = expand_selection(graph, {dg.AssetKey(["retail_sales", "raw"])})
    assert untouched == {dg.AssetKey(["retail_sales", "raw"])} and none == []


def test_a_selection_of_nothing_is_a_clear_error(tmp_path):
    out = subprocess.run(
        [env.executable("nex"), "materialize", "no_such_dataset/raw"],
        cwd=ROOT,
        env={**os.environ, "NEX_PROJECT_DIR": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2
    assert "no_such_dataset/raw" in out.stderr
