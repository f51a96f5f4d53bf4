"""Faults: a run killed in the middle of loading leaves the previous version whole, and re-executing
it from failure loads the new version exactly once."""

from __future__ import annotations

import dagster as dg

from nex_assets.datasets import load as loader
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import write_catalog
from tests.monitoring import runs
from tests.monitoring.conftest import BATCH_WEEKS, HISTORY_WEEKS, weeks_of_sales


def _write(path, rows: int, tag: str) -> None:
    with path.open("w") as f:
        f.write("id,store,amount,note\n")
        f.writelines(f"{i},{i % 97},{i * 0.5},{tag}-{i % 13}\n" for i in range(rows))


def _copying(conn, name: str) -> bool:
    return bool(
        conn.execute(
            "select 1 from pg_stat_activity where state = 'active' and query ilike %s",
            (f"copy %{name}__load_%",),
        ).fetchone()
    )


def test_run_killed_mid_load_leaves_no_half_table_and_reexecution_loads_once(
    tmp_path, dagster_instance, database, unique_name, conn
):
    from nex_assets.core import db

    conn.autocommit = True
    data = tmp_path / "data.csv"
    _write(data, 1_000, "v1")
    write_catalog(tmp_path / "datasets", unique_name, data, primary_key="[id]")
    environ = runs.child_env(NEX_DATASETS_DIR=tmp_path / "datasets", NEX_LANDING_DIR=tmp_path / "landing")
    selection = f"{unique_name}/raw,{unique_name}/profile"
    loader.load(load_catalog(tmp_path / "datasets")[0], [data], database=database)
    assert conn.execute(f'select count(*) from raw."{unique_name}"').fetchone() == (1_000,)

    rows = 200_000
    _write(data, rows, "v2")
    victim = runs.start(selection, environ)
    with db.connect(database, autocommit=True) as watcher:
        runs.wait_until(lambda: _copying(watcher, unique_name), "the COPY of the new version to start")
        runs.kill(victim)
        # The server ends the dead client's transaction on its own; nothing of it may remain.
        runs.wait_until(lambda: not _copying(watcher, unique_name), "the killed COPY to end")

    assert conn.execute(f'select count(*), min(note) from raw."{unique_name}"').fetchone() == (1_000, "v1-0")
    leftovers = conn.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' and table_name like %s",
        (f"{unique_name}__load_%",),
    ).fetchall()
    assert leftovers == []
    assert conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (unique_name,)
    ).fetchone() == (1,)

    # The killed run never got to say it ended: storage still has it as started.
    (killed,) = dagster_instance.get_runs(
        filters=dg.RunsFilter(job_name=f"{unique_name}__fault_test", statuses=[dg.DagsterRunStatus.STARTED])
    )
    # What run monitoring does when it finds the worker gone.
    dagster_instance.report_run_failed(killed)
    retried = runs.reexecute_from_failure(selection, killed.run_id, environ)
    assert retried.returncode == 0, retried.stdout[-3000:] + retried.stderr[-3000:]
    new_run = dagster_instance.get_run_by_id(retried.stdout.split()[-1])
    assert new_run.parent_run_id == killed.run_id and new_run.status == dg.DagsterRunStatus.SUCCESS

    count, distinct_ids, notes = conn.execute(
        f'select count(*), count(distinct id), count(distinct left(note, 2)) from raw."{unique_name}"'
    ).fetchone()
    assert (count, distinct_ids, notes) == (rows, rows, 1)
    assert conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (unique_name,)
    ).fetchone() == (2,)
    profile = dagster_instance.get_latest_materialization_event(dg.AssetKey([unique_name, "profile"]))
    assert profile.run_id == new_run.run_id
    assert profile.asset_materialization.metadata["dagster/row_count"].value == rows


def _training_in_progress(client, experiment: str) -> bool:
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return False
    return bool(client.search_runs([found.experiment_id], "attributes.status = 'RUNNING'", max_results=1))


def test_run_killed_mid_training_leaves_the_champion_and_reexecution_moves_it_consistently(
    pricing_world, dagster_instance, unique_name
):
    from nex_assets.ml import registry
    from tests.core.helpers import with_resources

    world = pricing_world
    defs = with_resources(world.catalog)
    defs.resolve_job_def(f"{world.dataset}__load").execute_in_process(
        instance=dagster_instance, asset_selection=[dg.AssetKey([world.dataset, "raw"])]
    )
    defs.resolve_job_def(world.train_job).execute_in_process(instance=dagster_instance)
    champion = registry.champion_version(world.registered_model)
    assert champion is not None
    # New weeks of the same market: the same recipe on new data trains a new version (on the same
    # data it would reuse the one it has).
    world.drop("batch_more.csv", weeks_of_sales(HISTORY_WEEKS, BATCH_WEEKS, seed=4))
    defs.resolve_job_def(f"{world.dataset}__load").execute_in_process(
        instance=dagster_instance, asset_selection=[dg.AssetKey([world.dataset, "raw"])]
    )

    model = dg.AssetKey([world.group, world.recipe, "model"])
    evaluation = dg.AssetKey([world.group, world.recipe, "evaluation"])
    selection = f"{model.to_user_string()},{evaluation.to_user_string()}"
    environ = runs.child_env(**world.environ())
    client = registry.client()
    victim = runs.start(selection, environ)
    runs.wait_until(
        lambda: _training_in_progress(client, f"{world.group}/{world.recipe}"), "training to start"
    )
    runs.kill(victim)

    assert registry.champion_version(world.registered_model) == champion
    (killed,) = dagster_instance.get_runs(
        filters=dg.RunsFilter(job_name=f"{world.group}__fault_test", statuses=[dg.DagsterRunStatus.STARTED])
    )
    dagster_instance.report_run_failed(killed)
    retried = runs.reexecute_from_failure(selection, killed.run_id, environ)
    assert retried.returncode == 0, retried.stdout[-3000:] + retried.stderr[-3000:]

    outcome = dagster_instance.get_latest_materialization_event(evaluation).asset_materialization.metadata
    version = outcome["model_version"].value
    assert outcome["promoted"].value is True and int(version) > int(champion)
    # The alias moved to exactly the version the re-executed run trained and evaluated, and that
    # version's training run finished.
    assert registry.champion_version(world.registered_model) == version
    finished = client.get_run(client.get_model_version(world.registered_model, version).run_id)
    assert finished.info.status == "FINISHED"
