"""The process behind `nex run` and `nex materialize`: one Dagster run on the platform's instance.

`nex run` computes only what changed (``automation/incremental.py``): assets whose code,
configuration and inputs are those of their last result keep it, and when nothing changed no run
is started at all. ``--force`` computes everything, as does `nex materialize` for what it selects
(like the UI's Materialize button). The run is shown as a compact progress view, one line per
finished step; Dagster's event log, dbt's output and library warnings go to a log file instead
(``--verbose`` shows them).

`nex` starts this module in a session of its own and stops it with a signal (see ``supervise`` in
``nex_assets.cli.core``): Dagster turns SIGINT and SIGTERM into an orderly interrupt that stops the
step processes and ends the run as canceled or failed, so nothing goes on writing behind the user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

LAUNCH_TAG = "nex/launch"
MAIN_JOB = "nex_main"


# The events the progress view follows, and the word each finished step is shown with.
WORDS = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}
STEP_EVENTS = {"STEP_START", *WORDS}


def _elapsed(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


class Progress:
    """Follows the run through the instance's event log and prints one line per finished step."""

    def __init__(self, instance, launch: str, out, planned: int):
        self.instance, self.launch, self.out, self.planned = instance, launch, out, planned
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.run_id: str | None = None
        self.total: int | None = None
        self.cursor: str | None = None
        self.running: dict[str, float] = {}
        self.done = 0

    def __enter__(self) -> Progress:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self._poll()  # the steps that finished since the last look

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _follow(self) -> None:
        while not self.stop.wait(1.0):
            self._poll()

    def _poll(self) -> None:
        import dagster as dg

        if self.run_id is None:
            records = self.instance.get_run_records(dg.RunsFilter(tags={LAUNCH_TAG: self.launch}), limit=1)
            if not records:
                return
            self.run_id = records[0].dagster_run.run_id
        if self.total is None:
            run = self.instance.get_run_by_id(self.run_id)
            snapshot = run and run.execution_plan_snapshot_id
            if snapshot:
                plan = self.instance.get_execution_plan_snapshot(snapshot)
                self.total = len(plan.step_keys_to_execute or [])
        kinds = {dg.DagsterEventType(k) for k in STEP_EVENTS}
        records = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, of_type=kinds, limit=500)
        self.cursor = records.cursor
        for record in records.records:
            entry = record.event_log_entry
            step = entry.dagster_event.step_key or ""
            kind = entry.dagster_event.event_type_value
            if kind == "STEP_START":
                self.running[step] = entry.timestamp
                continue
            self.done += 1
            took = entry.timestamp - self.running.pop(step, entry.timestamp)
            now = ", ".join(sorted(self.running)[:3]) + (" ..." if len(self.running) > 3 else "")
            self._say(
                f"[{self.done:>3}/{self.total or '?'} {_elapsed(time.monotonic() - self.started):>6}] "
                f"{WORDS[kind]} {step} ({took:.1f}s)" + (f"; running: {now}" if now else "")
            )


def summary(instance, run_id: str, plan=None) -> tuple[str, bool]:
    """What the run recomputed, what it found unchanged, what failed, and where to look."""
    import dagster as dg

    from nex_assets.core import env

    run = instance.get_run_by_id(run_id)
    materialized = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
    ).records
    recomputed, reloaded_nothing, writers = [], [], set()
    for record in materialized:
        mat = record.event_log_entry.asset_materialization
        meta = mat.metadata
        if "writers" in meta:  # the dictionary's: who wrote its text (a model's is a suggestion)
            writers |= {w.strip() for w in str(meta["writers"].value).split(",") if w.strip()}
        same = meta.get("reloaded") is not None and meta["reloaded"].value is False
        (reloaded_nothing if same else recomputed).append(mat.asset_key.to_user_string())
    failures = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records
    skips = _skips(instance, run_id)
    checks = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    failed_checks = [
        f"{c.asset_key.to_user_string()}:{c.check_name}"
        for r in checks
        if not (c := r.event_log_entry.dagster_event.event_specific_data).passed
    ]
    lines = [f"Run {run_id} of {run.job_name}: {run.status.value}"]
    lines.append(f"  recomputed: {len(recomputed)} asset(s)")
    unchanged = len(reloaded_nothing) + (len(plan.unchanged) if plan else 0)
    if unchanged:
        lines.append(
            f"  unchanged:  {unchanged} asset(s)"
            + (f" ({len(reloaded_nothing)} load(s) found no new data)" if reloaded_nothing else "")
        )
    if writers:
        lines.append(f"  dictionary written by: {', '.join(sorted(writers))}{_writer_hint(writers)}")
    if plan and plan.held:
        lines.append(f"  left to their own schedule: {', '.join(sorted(plan.held))}")
    for key, reason in skips:
        lines.append(f"  skipped {key}: {reason[:200]}")
    for record in failures:
        event = record.event_log_entry.dagster_event
        error = event.event_specific_data.error
        message = (error.message if error else "").strip().splitlines()
        lines.append(f"  FAILED {event.step_key}: {message[0][:200] if message else ''}")
    lines.append(f"  checks: {len(checks) - len(failed_checks)}/{len(checks)} passed")
    if failed_checks:
        lines.append(
            f"  failed checks: {', '.join(failed_checks[:12])}" + (" ..." if len(failed_checks) > 12 else "")
        )
    lines.append(f"  in the Dagster UI: {env.dagster_ui_url()}/runs/{run_id}")
    return "\n".join(lines), run.status == dg.DagsterRunStatus.SUCCESS


def _skips(instance, run_id: str) -> list[tuple[str, str]]:
    """Assets that had nothing to compute yet and said why (``core.dagster.SKIPPED``)."""
    import dagster as dg

    from nex_assets.core.dagster import SKIPPED

    out = []
    observed = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION, limit=10_000
    )
    for record in observed.records:
        observation = record.event_log_entry.asset_observation
        if observation is not None and SKIPPED in observation.metadata:
            out.append((observation.asset_key.to_user_string(), str(observation.metadata[SKIPPED].value)))
    return out


def _writer_hint(writers: set[str]) -> str:
    from nex_assets.llm.client import RULE_BASED

    # People's overrides are writers too ("person:..."); what matters here is whether a model wrote any.
    if not {w for w in writers if w != RULE_BASED and not w.startswith("person:")}:
        return " (`nex llm start` before a run has the local model write it, as suggestions to review)"
    return " (a model's text waits as suggested for `nex dictionary review`)"


def _quiet(launch: str):
    """Sends this process's and its steps' output to a log file; returns the terminal to print on."""
    folder = log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{launch[:8]}.log"
    out = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout.flush()
    sys.stderr.flush()
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    return out, path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nex_assets.cli._runner")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--job")
    what.add_argument("--select")
    parser.add_argument("--launch", required=True)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)

    import dagster as dg

    from nex_assets import definitions
    from nex_assets.automation import incremental
    from nex_assets.core import orphans
    from nex_assets.core.dagster import FORCE_TAG

    instance = dg.DagsterInstance.get()
    for run_id in orphans.fail_orphaned_runs(instance):
        print(f"nex: run {run_id} was left running by a process that died; marked failed", file=sys.stderr)
    tags = {LAUNCH_TAG: args.launch, orphans.HOST_TAG: socket.gethostname()} | (
        {FORCE_TAG: "true"} if args.force else {}
    )
    graph = definitions.defs.resolve_asset_graph()
    job = args.job or MAIN_JOB
    plan = None
    if args.select:
        try:
            selected = dg.AssetSelection.from_coercible(args.select.split(",")).resolve(graph)
        except Exception as exc:  # an unknown key or malformed selection: say it in one line
            print(f"nex: cannot select {args.select!r}: {exc}", file=sys.stderr)
            return 2
        if not selected:
            print(f"nex: the selection {args.select!r} matches no asset", file=sys.stderr)
            return 2
    elif args.job == MAIN_JOB and not args.force:
        from nex_assets.core.build import Catalog

        t0 = time.perf_counter()
        covered = definitions.defs.resolve_job_def(MAIN_JOB).asset_layer.executable_asset_keys
        plan, by_name = incremental.plan_run(instance, graph, covered, incremental.probes(Catalog.from_env()))
        print(f"nex: {plan.summary()} (checked in {time.perf_counter() - t0:.1f}s)")
        if not plan.run:
            print("nex: nothing changed since the last run; every asset is up to date (--force recomputes)")
            return 0
        if args.verbose:
            for name, why in plan.run.items():
                print(f"  {name}: {why}")
        selected = {by_name[name] for name in plan.run}
    else:
        selected = None
    selection = None
    planned = 0
    if selected is not None:
        keys, notes = incremental.with_siblings(graph, selected)
        for note in notes:
            print(f"nex: {note}", file=sys.stderr)
        selection = sorted(keys)
        planned = len(selection)
    recon = dg.build_reconstructable_job("nex_assets.definitions", "job_def", (job,))
    run_config = {}
    out, log_path = sys.stdout, None
    if not args.verbose:
        run_config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
        out, log_path = _quiet(args.launch)
        out.write(f"nex: running {planned or 'every'} asset(s); the full log is in {log_path}\n")
    with Progress(instance, args.launch, out, planned) if not args.verbose else contextlib.nullcontext():
        result = dg.execute_job(recon, instance, tags=tags, asset_selection=selection, run_config=run_config)
    text, ok = summary(instance, result.run_id, plan)
    out.write("\n" + text + "\n")
    out.flush()
    return 0 if ok and result.success else 1


def log_folder() -> Path:
    from nex_assets.core import env

    return env.nex_home() / "logs"


if __name__ == "__main__":
    sys.exit(main())
