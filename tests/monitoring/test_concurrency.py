"""Two runs of one dataset submitted together: the run queue starts one, the other waits for it,
and the table ends whole with each version loaded once."""

from __future__ import annotations

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.test_utils import create_test_daemon_workspace_context, poll_for_finished_run
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from tests.core.helpers import ROOT, write_catalog

LOCATION = "nex_concurrency_test"


def _submit(instance, request, job_name: str, raw: dg.AssetKey) -> dg.DagsterRun:
    """What a sensor or the UI does: a run of the dataset's load job (its raw asset only) put in the queue."""
    location = request.get_code_location(LOCATION)
    repository = next(iter(location.get_repositories()))
    remote_job = location.get_job(
        JobSubsetSelector(LOCATION, repository, job_name, None, asset_selection={raw})
    )
    plan = location.get_execution_plan(remote_job, {}, None, None, instance=instance)
    run = instance.create_run(
        job_name=job_name,
        run_id=None,
        run_config={},
        resolved_op_selection=None,
        step_keys_to_execute=None,
        status=dg.DagsterRunStatus.NOT_STARTED,
        op_selection=None,
        root_run_id=None,
        parent_run_id=None,
        tags=dict(remote_job.run_tags or {}),
        job_snapshot=remote_job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=remote_job.parent_job_snapshot,
        remote_job_origin=remote_job.get_remote_origin(),
        job_code_origin=remote_job.get_python_origin(),
        asset_selection=frozenset({raw}),
        asset_check_selection=None,
        asset_graph=location.get_repository(repository).asset_graph,
    )
    return instance.submit_run(run.run_id, request)


def test_second_run_of_a_dataset_waits_for_the_first(
    tmp_path, dagster_instance, unique_name, conn, monkeypatch
):
    data = tmp_path / "data.csv"
    data.write_text("id,v\n" + "".join(f"{i},base\n" for i in range(5_000)))
    write_catalog(tmp_path / "datasets", unique_name, data, primary_key="[id]", landing="{mode: append}")
    landing = tmp_path / "landing"
    monkeypatch.setenv("NEX_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("NEX_LANDING_DIR", str(landing))
    monkeypatch.setenv("NEX_PROJECT_DIR", str(ROOT))
    raw = dg.AssetKey([unique_name, "raw"])
    job = f"{unique_name}__load"
    queue = QueuedRunCoordinatorDaemon(interval_seconds=1)
    target = ModuleTarget("nex_assets.definitions", "defs", str(ROOT), LOCATION)
    with create_test_daemon_workspace_context(target, dagster_instance) as workspace:
        request = workspace.create_request_context()
        first = _submit(dagster_instance, request, job, raw)
        second = _submit(dagster_instance, request, job, raw)
        assert first.tags["nex/dataset"] == second.tags["nex/dataset"] == unique_name
        list(queue.run_iteration(workspace))
        statuses = {
            r.run_id: r.status
            for r in dagster_instance.get_runs(dg.RunsFilter(run_ids=[first.run_id, second.run_id]))
        }
        assert statuses[second.run_id] == dg.DagsterRunStatus.QUEUED
        assert statuses[first.run_id] != dg.DagsterRunStatus.QUEUED
        done = poll_for_finished_run(dagster_instance, first.run_id, timeout=300)
        assert done.status == dg.DagsterRunStatus.SUCCESS
        assert dagster_instance.get_run_by_id(second.run_id).status == dg.DagsterRunStatus.QUEUED

        (landing / unique_name).mkdir(parents=True)
        (landing / unique_name / "more.csv").write_text(
            "id,v\n" + "".join(f"{i},more\n" for i in range(5_000, 5_500))
        )
        list(queue.run_iteration(workspace))
        later = poll_for_finished_run(dagster_instance, second.run_id, timeout=300)
        assert later.status == dg.DagsterRunStatus.SUCCESS

    records = {
        r.dagster_run.run_id: r
        for r in dagster_instance.get_run_records(dg.RunsFilter(run_ids=[first.run_id, second.run_id]))
    }
    assert records[second.run_id].start_time >= records[first.run_id].end_time
    assert conn.execute(
        f'select count(*), count(distinct id), count(*) filter (where v = %s) from raw."{unique_name}"',
        ("more",),
    ).fetchone() == (5_500, 5_500, 500)
    assert conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (unique_name,)
    ).fetchone() == (2,)
