"""Runs whose process died without ending them (``kill -9``, a machine that lost power) are marked
failed the next time NEX starts a run, as Dagster's run monitoring does for launchers that can
check their workers (the local launcher and ``execute_job`` cannot, so a killed run would stay
STARTED for ever and hold its assets' concurrency slots and the UI's attention).

A run is orphaned when the process that started it (the pid of its RUN_START event) is gone, or is
another process that has since taken the same pid. Only runs of this machine are judged: those NEX
tagged with this host name, or any run when the instance launches runs as local processes.
"""

from __future__ import annotations

import os
import socket

HOST_TAG = "nex/host"
ACTIVE = ("STARTING", "STARTED", "CANCELING")


def process_alive(pid: int, started_at: float | None) -> bool:
    """Whether ``pid`` is a live process that was already running at ``started_at``."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = process.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return pid == os.getpid()
    # A process created after the run started is not the run's: the pid was reused.
    return started_at is None or created <= started_at + 1


def fail_orphaned_runs(instance) -> list[str]:
    """Marks failed every active run of this machine whose process is gone; returns their ids."""
    import dagster as dg
    from dagster._core.launcher import DefaultRunLauncher

    local_launcher = isinstance(instance.run_launcher, DefaultRunLauncher)
    host = socket.gethostname()
    failed = []
    records = instance.get_run_records(
        dg.RunsFilter(statuses=[dg.DagsterRunStatus[s] for s in ACTIVE]), limit=500
    )
    for record in records:
        run = record.dagster_run
        tagged = run.tags.get(HOST_TAG)
        if (tagged is not None and tagged != host) or (tagged is None and not local_launcher):
            continue
        starts = instance.get_records_for_run(
            run.run_id, of_type={dg.DagsterEventType.RUN_START, dg.DagsterEventType.RUN_STARTING}
        ).records
        pids = [r.event_log_entry.dagster_event.pid for r in starts if r.event_log_entry.dagster_event]
        pids = [p for p in pids if p]
        if not pids:
            continue
        pid = pids[-1]
        if process_alive(pid, record.start_time):
            continue
        instance.report_run_failed(
            run,
            message=(
                f"the process that ran it (pid {pid} on {host}) ended without finishing it (killed?); "
                "marked failed when the next run started"
            ),
        )
        failed.append(run.run_id)
    return failed
