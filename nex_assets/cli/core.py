"""Core commands: the database, the sample world, dbt, the main job and the Dagster UI."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from nex_assets.cli._runner import MAIN_JOB
from nex_assets.core import env


def _fail(message: str, code: int = 1) -> int:
    print(f"nex: {message}", file=sys.stderr)
    return code


def cmd_db(args: argparse.Namespace) -> int:
    from nex_assets.core import db as nexdb

    if args.action == "stop":
        if os.environ.get("NEX_DATABASE_URL"):
            return _fail("NEX_DATABASE_URL points at an external server; nex does not stop it")
        print("stopped" if env.stop_embedded() else "not running")
        return 0
    if args.action == "status":
        database = env.database_or_none()
        if database is None:
            print(f"embedded server not running (data in {env.pgdata_dir()})")
            return 1
        print(f"{'embedded' if database.embedded else 'external'}: {database.redacted_url()}")
        return 0
    database = nexdb.bootstrap()
    if args.action == "url":
        print(database.conninfo() if args.libpq else database.sqlalchemy_url(args.database))
    else:
        print(f"ready: {database.redacted_url()}")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    """Shell exports so that plain `dagster` commands use the same instance: eval "$(nex env)"."""
    from nex_assets.core import instance

    home = instance.prepare()
    database = env.database()
    print(f"export DAGSTER_HOME='{home}'")
    if not database.embedded:
        print("# NEX_DATABASE_URL is already set in this shell; it is not repeated here.")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from nex_assets.sample_world import WorldSize, generate

    size = WorldSize.for_sales_rows(args.sales_rows) if args.sales_rows else WorldSize()
    out = Path(args.out)
    truth = generate(out, seed=args.seed, size=size)
    files = ", ".join(f"{name} ({rows:,} rows)" for name, rows in truth["files"].items())
    print(f"NEX Retail written to {out}: {files}")
    return 0


def cmd_dbt(args: argparse.Namespace) -> int:
    from nex_assets.warehouse.assets import prepare_manifest

    print(f"manifest: {prepare_manifest()}")
    return 0


def supervise(cmd: list[str], launch: str) -> int:
    """Runs ``cmd`` (a Dagster run) in a session of its own and stops it when this process is
    interrupted: the first Ctrl-C or SIGTERM asks the run to stop (Dagster stops its steps and ends
    the run), a second one kills the whole process group, and the run is then marked canceled."""
    proc = subprocess.Popen(cmd, cwd=env.project_dir(), start_new_session=True)
    received = []

    def on_signal(signo, frame) -> None:
        received.append(signo)
        if len(received) == 1:
            print("\nnex: stopping the run (send the signal again to kill it)", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGINT)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = proc.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if len(received) > 1:
        _mark_canceled(launch)
    return 130 if received else code


def _mark_canceled(launch: str) -> None:
    """A run whose process was killed cannot say it ended; say it for it."""
    import dagster as dg

    from nex_assets.cli._runner import LAUNCH_TAG

    instance = dg.DagsterInstance.get()
    for record in instance.get_run_records(dg.RunsFilter(tags={LAUNCH_TAG: launch})):
        run = record.dagster_run
        if not run.is_finished:
            instance.report_run_canceled(run, message="killed by a second interrupt of nex")


def _runner(*args: str) -> tuple[list[str], str]:
    launch = uuid.uuid4().hex
    return [sys.executable, "-m", "nex_assets.cli._runner", *args, "--launch", launch], launch


def _flags(args: argparse.Namespace) -> list[str]:
    return [f for f, on in (("--force", getattr(args, "force", False)), ("--verbose", args.verbose)) if on]


def cmd_run(args: argparse.Namespace) -> int:
    from nex_assets.core import instance

    instance.prepare()
    code = supervise(*_runner("--job", args.job, *_flags(args)))
    if code == 0 and args.job == MAIN_JOB:
        print(
            "\nOpen the Dagster UI and NEX Studio on the same database:  .venv/bin/nex dev"
            "   (http://127.0.0.1:3000 and http://127.0.0.1:3001)"
        )
    return code


def cmd_materialize(args: argparse.Namespace) -> int:
    from nex_assets.core import instance

    instance.prepare()
    return supervise(*_runner("--select", args.select, *_flags(args)))


def cmd_dev(args: argparse.Namespace) -> int:
    from nex_assets.core import instance

    instance.prepare()
    workspace = env.project_dir() / "workspace.yaml"
    from nex_assets.core import services

    # Another home's UI may hold the usual port: this one takes a free port and records it, so
    # this home's commands find it (and never reload the other).
    port = args.port or services.free_port(args.host, 3000)
    cmd = [env.executable("dagster"), "dev", "-w", str(workspace), "-h", args.host, "-p", str(port)]
    url = f"http://{args.host}:{port}"
    print(f"Dagster UI on {url} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    # Studio beside it, on its own port; it stops with `nex dev`.
    studio = (
        None if args.no_studio else subprocess.Popen([env.executable("nex"), "studio"], cwd=env.project_dir())
    )
    try:
        with services.recorded("dagster_ui", url):
            return subprocess.run(cmd, cwd=env.project_dir()).returncode
    finally:
        if studio is not None:
            studio.terminate()
            studio.wait(timeout=10)


def register(sub) -> None:
    db = sub.add_parser("db", help="the platform's PostgreSQL")
    db.add_argument("action", choices=["url", "start", "stop", "status"])
    db.add_argument("--libpq", action="store_true", help="print a libpq connection string (for psql)")
    db.add_argument("--database", default=None, help="name another database on the server (dagster, mlflow)")
    db.set_defaults(func=cmd_db)

    sub.add_parser("env", help='shell exports for plain dagster commands: eval "$(nex env)"').set_defaults(
        func=cmd_env
    )

    sample = sub.add_parser("sample", help="write the NEX Retail sample world as CSV files")
    sample.add_argument("--out", default=str(env.project_dir() / "data" / "sample" / "retail"))
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--sales-rows", type=int, default=None, help="scale, e.g. 10000000")
    sample.set_defaults(func=cmd_sample)

    dbt = sub.add_parser("dbt", help="dbt project tasks")
    dbt.add_argument("action", choices=["prepare"])
    dbt.set_defaults(func=cmd_dbt)

    run = sub.add_parser(
        "run",
        help="run a job on the platform's Dagster instance; the main job (the default) computes only "
        "what changed since its last run",
    )
    run.add_argument("--job", default=MAIN_JOB)
    run.add_argument("--force", action="store_true", help="compute every asset (and reload every file)")
    run.add_argument(
        "--verbose", action="store_true", help="Dagster's full event log instead of progress lines"
    )
    run.set_defaults(func=cmd_run)

    mat = sub.add_parser("materialize", help="materialize assets by selection, e.g. 'retail_sales/raw+'")
    mat.add_argument("select")
    mat.add_argument("--force", action="store_true", help="also reload files whose content has not changed")
    mat.add_argument(
        "--verbose", action="store_true", help="Dagster's full event log instead of progress lines"
    )
    mat.set_defaults(func=cmd_materialize)

    dev = sub.add_parser("dev", help="the Dagster UI and daemon on the platform's database")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=None, help="3000 unless another home's UI holds it")
    dev.add_argument("--no-studio", action="store_true", help="the Dagster UI alone, without NEX Studio")
    dev.set_defaults(func=cmd_dev)
