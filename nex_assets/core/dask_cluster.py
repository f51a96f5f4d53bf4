"""NEX's own dask cluster on this machine (``nex workers start|stop|status``): a scheduler on loopback
and the workers ``dask.local`` of config/compute.yaml plans, GPU workers declaring ``gpu.dask_resources``.

Like the embedded database it is started on first use (a dask run that finds no cluster) and stays up
until ``nex workers stop``: its processes run in sessions of their own under ``<NEX_HOME>/dask``, where
the scheduler's address, their process ids and their logs are kept. They are started from the caller's
environment, which is how steps on them find the platform (NEX_HOME, DAGSTER_HOME, the database).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nex_assets.core import env, settings
from nex_assets.core.logic.settings import ComputeSettings


class ClusterError(RuntimeError):
    """The local cluster did not come up; the message names its log folder."""


def folder() -> Path:
    return env.nex_home() / "dask"


def _scheduler_file() -> Path:
    return folder() / "scheduler.json"


def _processes_file() -> Path:
    return folder() / "processes.json"


def _answers(address: str, timeout: float = 2.0) -> bool:
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def address() -> str | None:
    """The local scheduler's address, when it answers."""
    try:
        found = json.loads(_scheduler_file().read_text()).get("address")
    except (OSError, ValueError):
        return None
    return found if found and _answers(found) else None


def gpu_count() -> int:
    """GPUs ``nvidia-smi -L`` lists (0 without a driver), without importing torch."""
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(line.startswith("GPU ") for line in out.stdout.splitlines()) if out.returncode == 0 else 0


@contextlib.contextmanager
def _lock():
    """One starter or stopper at a time: two runs that find no cluster start one, not two."""
    folder().mkdir(parents=True, exist_ok=True)
    with open(folder() / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _spawn(name: str, module: str, args: list[str], cuda: str | None) -> subprocess.Popen:
    environ = dict(os.environ)
    if cuda is not None:
        environ["CUDA_VISIBLE_DEVICES"] = cuda
    with open(folder() / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=env.project_dir(),
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc


def start(workers: int | None = None, gpu_workers: int | None = None) -> str:
    """The local scheduler's address, after starting the cluster when none answers. ``workers`` and
    ``gpu_workers`` override ``dask.local`` for a cluster started now."""
    with _lock():
        running = address()
        if running:
            return running
        _stop_recorded()  # what is left of a cluster whose scheduler died
        compute = settings.load(ComputeSettings)
        chosen = {"workers": workers, "gpu_workers": gpu_workers}
        local = compute.dask.local.model_copy(update={k: v for k, v in chosen.items() if v is not None})
        plan = local.plan(cores=os.cpu_count() or 1, gpus=gpu_count(), resources=compute.gpu.dask_resources)
        _scheduler_file().unlink(missing_ok=True)
        # Everything on loopback: the cluster serves this machine only (NEX_DASK_ADDRESS for more).
        listen = ["--host", "127.0.0.1", "--scheduler-file", str(_scheduler_file())]
        scheduler_args = [*listen, "--port", "0", "--dashboard-address", "127.0.0.1:0"]
        scheduler = _spawn("scheduler", "distributed.cli.dask_scheduler", scheduler_args, None)
        spawned = [scheduler]
        pids = {"scheduler": scheduler.pid}
        _processes_file().write_text(json.dumps(pids))
        try:
            found = _wait_for_scheduler(scheduler, time.monotonic() + local.start_timeout_s)
            for worker in plan:
                declared = " ".join(f"{r}={n:g}" for r, n in worker.resources.items())
                worker_args = [*listen, "--name", worker.name, "--nthreads", "1", "--no-dashboard"]
                worker_args += [
                    "--memory-limit",
                    local.memory_limit,
                    "--local-directory",
                    str(folder() / "work"),
                ]
                worker_args += ["--resources", declared] if declared else []
                spawned.append(
                    _spawn(worker.name, "distributed.cli.dask_worker", worker_args, worker.cuda_devices)
                )
                pids[worker.name] = spawned[-1].pid
                _processes_file().write_text(json.dumps(pids))
            _wait_for_workers(found, len(plan), local.start_timeout_s)
        except ClusterError:
            # No half-started cluster is left for the next run to find.
            for proc in spawned:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            _processes_file().unlink(missing_ok=True)
            raise
        return found


def _wait_for_scheduler(scheduler: subprocess.Popen, deadline: float) -> str:
    while (found := address()) is None:
        if scheduler.poll() is not None or time.monotonic() > deadline:
            raise ClusterError(f"the dask scheduler did not start; see {folder() / 'scheduler.log'}")
        time.sleep(0.2)
    return found


def _wait_for_workers(at: str, count: int, timeout: float) -> None:
    from distributed import Client

    try:
        with Client(at, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(count, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"dask workers did not join ({exc}); see the logs in {folder()}") from exc


def _ours(pid: int) -> bool:
    """Whether ``pid`` is still a dask process (and not a process that reused its number)."""
    try:
        return b"distributed.cli" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _stop_recorded() -> bool:
    """Ends the recorded processes' sessions (each worker's nanny and worker together)."""
    try:
        pids = json.loads(_processes_file().read_text())
    except (OSError, ValueError):
        return False
    alive = [pid for pid in pids.values() if _ours(pid)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while any(_ours(pid) for pid in alive) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in alive:
        if _ours(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    _processes_file().unlink(missing_ok=True)
    return bool(alive)


def stop() -> bool:
    """Stops the local cluster; False when none was running."""
    with _lock():
        stopped = _stop_recorded()
        _scheduler_file().unlink(missing_ok=True)
        return stopped


def describe(at: str) -> dict[str, Any]:
    """The scheduler at ``at``: its dashboard and each worker's name, resources and threads."""
    from distributed import Client

    with Client(at, timeout="10s", set_as_default=False) as client:
        info = client.scheduler_info(n_workers=-1)
        dashboard = client.dashboard_link
    workers = sorted(
        (
            {
                "name": str(w.get("name")),
                "address": addr,
                "resources": w.get("resources", {}),
                "nthreads": w.get("nthreads"),
            }
            for addr, w in info["workers"].items()
        ),
        key=lambda w: w["name"],
    )
    return {"address": at, "dashboard": dashboard, "workers": workers}
