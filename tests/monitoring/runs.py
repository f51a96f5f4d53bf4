"""Runs in processes of their own, so a test can kill one mid-way the way a crashed worker dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parents[2]

# Runs the named assets of the code location as one job; with a parent run id, re-executes that
# run from failure. Stays in the foreground so a test can kill its process group.
EXECUTE = """
import sys
import dagster as dg
instance = dg.DagsterInstance.get()
job = dg.build_reconstructable_job("tests.monitoring.runs", "job_of", reconstructable_args=(sys.argv[1],))
options = dg.ReexecutionOptions.from_failure(sys.argv[2], instance) if len(sys.argv) > 2 else None
with dg.execute_job(job, instance=instance, reexecution_options=options) as result:
    print(result.run_id)
    sys.exit(0 if result.success else 1)
"""


def job_of(selection: str):
    """The code location's assets named by ``selection`` (comma-separated keys), as one job."""
    from nex_assets.definitions import defs

    keys = [dg.AssetKey.from_user_string(k) for k in selection.split(",")]
    # One process runs every step, so killing it is killing the run's worker, as a crash would.
    job = dg.define_asset_job(
        f"{keys[0].path[0]}__fault_test", selection=keys, executor_def=dg.in_process_executor
    )
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def(job.name)


def child_env(**paths: Path | str) -> dict[str, str]:
    """The test session's database and instance, with the catalog and folders the test chose
    (NEX_DATASETS_DIR=..., NEX_LANDING_DIR=...)."""
    out = {**os.environ, "NEX_PROJECT_DIR": str(ROOT), "PYTHONPATH": str(ROOT)}
    out.update({k: str(v) for k, v in paths.items()})
    return out


def start(selection: str, environ: dict[str, str]) -> subprocess.Popen:
    """A run in a new session, so the run and its step processes die together."""
    return subprocess.Popen(
        [sys.executable, "-c", EXECUTE, selection],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def reexecute_from_failure(
    selection: str, run_id: str, environ: dict[str, str]
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", EXECUTE, selection, run_id],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )


def wait_until(condition: Callable[[], object], what: str, timeout_s: float = 300) -> object:
    """Polls until ``condition`` holds; the limit only keeps a broken run from hanging the suite."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")
