"""A run whose process is killed with kill -9 stays STARTED in Dagster; the next start marks it failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import dagster as dg

from nex_assets.core import orphans

SCRIPT = """
import sys, time
import dagster as dg

@dg.op
def wait_forever():
    print("started", flush=True)
    time.sleep(600)

@dg.job
def sleeper():
    wait_forever()

instance = dg.DagsterInstance.from_config(sys.argv[1])
sleeper.execute_in_process(instance=instance, tags={"nex/test": sys.argv[2]})
"""


def _wait_for_run(instance, marker: str, status: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = instance.get_runs(dg.RunsFilter(tags={"nex/test": marker}))
        if runs and runs[0].status.value == status:
            return runs[0]
        time.sleep(0.5)
    raise AssertionError(f"no {status} run tagged {marker}")


def test_a_killed_run_is_marked_failed_at_the_next_start(dagster_instance, nex_home, tmp_path, unique_name):
    script = tmp_path / "sleeper.py"
    script.write_text(SCRIPT)
    home = nex_home / "dagster_home"
    worker = subprocess.Popen([sys.executable, str(script), str(home), unique_name])
    try:
        run = _wait_for_run(dagster_instance, unique_name, "STARTED")
        # A live process is left alone.
        assert run.run_id not in orphans.fail_orphaned_runs(dagster_instance)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        assert dagster_instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
        assert orphans.fail_orphaned_runs(dagster_instance) == [run.run_id]
        failed = dagster_instance.get_run_by_id(run.run_id)
        assert failed.status == dg.DagsterRunStatus.FAILURE
        # Once is enough: a failed run is no longer judged.
        assert run.run_id not in orphans.fail_orphaned_runs(dagster_instance)
    finally:
        if worker.poll() is None:
            worker.kill()


def test_a_reused_pid_is_not_the_run_s_process():
    """A live process with the run's pid that was created after the run started is another one."""
    import psutil

    created = psutil.Process(os.getpid()).create_time()
    assert orphans.process_alive(os.getpid(), started_at=created + 60)
    assert not orphans.process_alive(os.getpid(), started_at=created - 3600)
