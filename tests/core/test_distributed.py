"""The distributed engine (NEX_EXECUTOR=dask) on a real cluster on this machine: a scheduler and worker
processes started as `nex workers start` starts them, one worker declaring the GPU resources. Where
each step ran is read back from the run's own events."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from nex_assets.core import dask_cluster, env
from nex_assets.core.distributed import RAN_ON, WORKER_METADATA, can_run, dask_executor
from nex_assets.core.logic.settings import COMPUTE_TAG, ComputeSettings, LocalDaskCluster
from tests.core.helpers import ROOT, project_copy

GPU_TAGS = ComputeSettings.parse({}).gpu.op_tags()


# Jobs of these tests, rebuilt on the workers from this module.
@dg.op
def first() -> None:
    pass


@dg.op(ins={"start": dg.In(dg.Nothing)}, tags=GPU_TAGS)
def train_a() -> None:
    pass


@dg.op(ins={"start": dg.In(dg.Nothing)}, tags=GPU_TAGS)
def train_b() -> None:
    pass


@dg.op(ins={"start": dg.In(dg.Nothing)})
def profile_a() -> None:
    time.sleep(0.5)


@dg.op(ins={"start": dg.In(dg.Nothing)})
def profile_b() -> None:
    time.sleep(0.5)


@dg.op(ins={"start": dg.In(dg.Nothing)})
def profile_c() -> None:
    time.sleep(0.5)


@dg.job(executor_def=dask_executor)
def placement():
    start = first()
    for op in (train_a, train_b, profile_a, profile_b, profile_c):
        op(start)


@dg.op
def boom() -> None:
    raise RuntimeError("boom")


@dg.op(ins={"start": dg.In(dg.Nothing)})
def after_boom() -> None:
    pass


@dg.op(retry_policy=dg.RetryPolicy(max_retries=1))
def flaky() -> None:
    # Fails on its first attempt only: the marker file says it has been tried.
    marker = Path(os.environ["NEX_TEST_MARKERS"]) / "flaky"
    if not marker.exists():
        marker.write_text("tried")
        raise RuntimeError("first attempt fails")


@dg.job(executor_def=dask_executor)
def failing():
    after_boom(boom())
    flaky()


@dg.job(executor_def=dask_executor)
def gpu_only():
    train_a(first())


@dg.op
def sleeps() -> None:
    time.sleep(120)


@dg.job(executor_def=dask_executor)
def long_running():
    sleeps()


def _listed() -> list[str]:
    folder = os.environ.get("NEX_TEST_MARKERS")
    listed = Path(folder) / "ops.txt" if folder else None
    return listed.read_text().split() if listed and listed.exists() else []


# Read when the module is imported, as nex_assets.definitions reads the dataset files: a worker that
# imported it for an earlier run must import it again to see the ops listed since.
LISTED = _listed()


RUN_GROWN = """
import dagster as dg
job = dg.build_reconstructable_job("tests.core.test_distributed", "grown_job")
print(dg.execute_job(job, dg.DagsterInstance.get()).run_id)
"""


def grown_job() -> dg.JobDefinition:
    ops = [dg.op(name=name)(lambda: None) for name in LISTED]

    @dg.job(name="grown", executor_def=dask_executor)
    def grown():
        for op in ops:
            op()

    return grown


def worker_of_each_step(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    out = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        if RAN_ON in (entry.dagster_event.message or ""):
            data = entry.dagster_event.engine_event_data.metadata
            out[entry.step_key] = data[WORKER_METADATA].value
    return out


ENDS = {
    dg.DagsterEventType.STEP_SUCCESS: "success",
    dg.DagsterEventType.STEP_FAILURE: "failure",
    dg.DagsterEventType.STEP_SKIPPED: "skipped",
}


def statuses(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """How each step of the run ended."""
    return {
        e.step_key: ENDS[e.dagster_event.event_type] for e in instance.all_logs(run_id, of_type=set(ENDS))
    }


@pytest.fixture(scope="module")
def cluster(dagster_instance, tmp_path_factory):
    markers = tmp_path_factory.mktemp("markers")
    os.environ["NEX_TEST_MARKERS"] = str(markers)
    dask_cluster.stop()
    address = dask_cluster.start(workers=1, gpu_workers=1)
    yield address
    dask_cluster.stop()
    os.environ.pop("NEX_TEST_MARKERS", None)


def test_the_local_plan_gives_each_gpu_its_worker_and_keeps_cpu_workers_off_gpus():
    local = LocalDaskCluster()
    on_laptop = local.plan(cores=2, gpus=0, resources={"GPU": 1})
    assert [(w.name, w.resources, w.cuda_devices) for w in on_laptop] == [
        ("gpu-1", {"GPU": 1}, None),
        ("cpu-1", {}, None),
    ]
    on_server = local.plan(cores=16, gpus=2, resources={"GPU": 1})
    assert [w.cuda_devices for w in on_server if w.resources] == ["0", "1"]
    assert {w.cuda_devices for w in on_server if not w.resources} == {""}
    assert len(on_server) == 16
    with pytest.raises(ValueError, match="both 0"):
        LocalDaskCluster(workers=0, gpu_workers=0).plan(cores=4, gpus=0, resources={"GPU": 1})


def test_a_gpu_step_asks_dask_for_the_gpu_resources():
    assert json.loads(GPU_TAGS["dagster-dask/resource_requirements"]) == {"GPU": 1}
    assert GPU_TAGS[COMPUTE_TAG] == "gpu"
    from dagster_dask.executor import DASK_RESOURCE_REQUIREMENTS_KEY

    assert DASK_RESOURCE_REQUIREMENTS_KEY == "dagster-dask/resource_requirements"
    workers = [{"resources": {}}, {"resources": {"GPU": 1.0}}]
    assert can_run(workers, {"GPU": 1}) and not can_run(workers[:1], {"GPU": 1})


def test_gpu_steps_run_on_the_gpu_worker_only(cluster, dagster_instance):
    shown = dask_cluster.describe(cluster)
    assert sorted((w["name"], w["resources"]) for w in shown["workers"]) == [
        ("cpu-1", {}),
        ("gpu-1", {"GPU": 1.0}),
    ]
    with dg.execute_job(dg.reconstructable(placement), dagster_instance) as result:
        assert result.success
        ran_on = worker_of_each_step(dagster_instance, result.run_id)
    assert set(ran_on) == {"first", "train_a", "train_b", "profile_a", "profile_b", "profile_c"}
    assert ran_on["train_a"] == ran_on["train_b"] == "gpu-1"
    # Everything else may run anywhere: with two workers and three half-second steps, both did.
    assert "cpu-1" in {ran_on[k] for k in ("first", "profile_a", "profile_b", "profile_c")}


def test_a_failed_step_stops_what_depends_on_it_and_a_retry_policy_is_kept(cluster, dagster_instance):
    with dg.execute_job(dg.reconstructable(failing), dagster_instance, raise_on_error=False) as result:
        assert not result.success
        steps = statuses(dagster_instance, result.run_id)
        ran_on = worker_of_each_step(dagster_instance, result.run_id)
    # Dagster's plan abandons the step downstream of a failure: it is never sent to a worker.
    assert steps == {"boom": "failure", "flaky": "success"}
    assert set(ran_on) == {"boom", "flaky"}
    assert [s.attempts for s in dagster_instance.get_run_step_stats(result.run_id, ["flaky"])] == [2]


def test_a_run_created_after_a_worker_loaded_the_job_finds_the_steps_added_since(cluster, dagster_instance):
    # Each run from a process of its own, as `nex run` starts them; the workers stay warm.
    ran = []
    for names in ("load_a load_b", "load_a load_b load_c load_d"):
        (Path(os.environ["NEX_TEST_MARKERS"]) / "ops.txt").write_text(names)
        out = subprocess.run(
            [sys.executable, "-c", RUN_GROWN],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        run_id = out.stdout.strip().splitlines()[-1]
        assert dagster_instance.get_run_by_id(run_id).is_success
        ran.append(worker_of_each_step(dagster_instance, run_id))
    assert set(ran[0]) == {"load_a", "load_b"}
    assert set(ran[1]) == {"load_a", "load_b", "load_c", "load_d"}
    assert {"gpu-1", "cpu-1"} <= set(ran[0].values()) | set(ran[1].values())


def test_terminating_a_run_stops_the_step_on_its_worker(cluster, dagster_instance):
    code = (
        "import dagster as dg; from tests.core import test_distributed as t; "
        "dg.execute_job(dg.reconstructable(t.long_running), dg.DagsterInstance.get())"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not (
            runs := dagster_instance.get_run_records(dg.RunsFilter(job_name="long_running"), limit=1)
        ) or ("sleeps" not in worker_of_each_step(dagster_instance, runs[0].dagster_run.run_id)):
            assert proc.poll() is None and time.monotonic() < deadline, "the step never started"
            time.sleep(0.5)
        stopping = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - stopping < 60
    run = dagster_instance.get_run_by_id(runs[0].dagster_run.run_id)
    assert run.is_finished and not run.is_success
    # The worker that ran the step was restarted: nothing of the run is still processing.
    from distributed import Client

    with Client(cluster, timeout="10s", set_as_default=False) as client:
        assert not any(keys for keys in client.processing().values())
        client.wait_for_workers(2, timeout=60)


def test_a_gpu_step_fails_with_a_reason_when_no_worker_declares_a_gpu(dagster_instance):
    dask_cluster.stop()
    address = dask_cluster.start(workers=1, gpu_workers=0)
    try:
        started = time.monotonic()
        with dg.execute_job(dg.reconstructable(gpu_only), dagster_instance, raise_on_error=False) as result:
            assert not result.success
            steps = statuses(dagster_instance, result.run_id)
            failures = [
                e.dagster_event.event_specific_data.error.message
                for e in dagster_instance.all_logs(result.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
            ]
        assert steps == {"first": "success", "train_a": "failure"}
        assert "declares GPU=1" in failures[0] and address in failures[0]
        assert time.monotonic() - started < 60
    finally:
        dask_cluster.stop()


@pytest.mark.slow
def test_the_main_job_runs_end_to_end_on_the_distributed_engine(small_world, tmp_path, dagster_instance):
    """`nex workers start` and `nex run` as a user runs them, on a small world: every step of the main
    job on the cluster, the GPU-tagged ones (model training) on the GPU worker only."""
    dask_cluster.stop()
    # A project of its own (every folder the platform reads, and the small world as its sample data),
    # so the run never reads the checkout's data folder, which a fresh clone does not have.
    project = project_copy(tmp_path / "project")
    shutil.copytree(small_world, project / "data" / "sample" / "retail")
    environ = {k: v for k, v in os.environ.items() if not (k.startswith("NEX_") and k.endswith("_DIR"))}
    environ |= {
        "NEX_PROJECT_DIR": str(project),
        "NEX_LANDING_DIR": str(tmp_path / "landing"),
        "NEX_EXECUTOR": "dask",
        "NEX_LLM": "off",
    }
    nex = env.executable("nex")

    def call(*args: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            [nex, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout
        )

    started = call("workers", "start", "--workers", "1", "--gpu-workers", "1", timeout=180)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        assert "GPU=1" in started.stdout
        run = call("run", "--force", timeout=900)
        assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]
    finally:
        stopped = call("workers", "stop", timeout=60)
    assert stopped.stdout.strip() == "stopped"
    record = dagster_instance.get_run_records(dg.RunsFilter(job_name="nex_main"), limit=1)[0]
    run_id = record.dagster_run.run_id
    assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    plan = dagster_instance.get_execution_plan_snapshot(record.dagster_run.execution_plan_snapshot_id)
    gpu_steps = {s.key for s in plan.steps if (s.tags or {}).get(COMPUTE_TAG) == "gpu"}
    ran_on = worker_of_each_step(dagster_instance, run_id)
    assert gpu_steps, "the sample world's recipes place a model on the gpu pool"
    executed = {k for k, end in statuses(dagster_instance, run_id).items() if end != "skipped"}
    assert executed and set(ran_on) == executed
    assert {ran_on[k] for k in gpu_steps} == {"gpu-1"}
    assert "cpu-1" in set(ran_on.values())
