"""An external PostgreSQL, as an operator runs one: a second server on loopback TCP with password
authentication and no unix socket, prepared once by hand with exactly the SQL that docs/storage.md
gives, and the main job run against it through NEX_DATABASE_URL alone, by a NEX role that is no
superuser. The server comes from the PostgreSQL binaries the `pgserver` package ships."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from nex_assets.core import env
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import ROOT, project_copy

STORAGE_DOC = ROOT / "docs" / "storage.md"
BIN = Path(importlib.util.find_spec("pgserver").submodule_search_locations[0]) / "pginstall" / "bin"
ADMIN = "admin"
WAREHOUSE_SCHEMAS = ("raw", "staging", "marts", "nex", "synthetic", "predictions")


def operator_sql(nex_password: str, reader_password: str) -> str:
    """The SQL block of docs/storage.md's "An external server", passwords filled in."""
    section = STORAGE_DOC.read_text().split("\n## An external server\n", 1)[1]
    block = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
    assert "<nex password>" in block and "<reader password>" in block
    return block.replace("<nex password>", nex_password).replace("<reader password>", reader_password)


def test_the_operator_sql_creates_every_database_nex_uses():
    sql = operator_sql("a", "b")
    for name in (env.WAREHOUSE_DB, env.DAGSTER_DB, env.MLFLOW_DB):
        assert f"CREATE DATABASE {name} OWNER nex;" in sql
    assert "CREATE ROLE nex_reader LOGIN PASSWORD 'b';" in sql


@dataclass(frozen=True)
class Server:
    port: int
    admin_password: str

    def connect(self, dbname: str, user: str = ADMIN, password: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            dbname=dbname,
            user=user,
            password=password or self.admin_password,
            autocommit=True,
        )

    def psql(self, sql: str) -> subprocess.CompletedProcess:
        """`psql` as the administrator, connected to the `postgres` database, stopping at the first error."""
        command = [str(BIN / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(
            [*command, "-U", ADMIN, "-d", "postgres", "-f", "-"],
            input=sql,
            env={**os.environ, "PGPASSWORD": self.admin_password},
            capture_output=True,
            text=True,
            timeout=60,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> dict:
    """initdb and postgres refuse to run as root: there they run as the system user the embedded
    server runs as, which pgserver creates and lets reach its binaries the same way."""
    if os.geteuid() != 0:
        return {}
    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists("pgserver")
    ensure_prefix_permissions(BIN)
    ensure_folder_permissions(BIN, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(BIN.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


@pytest.fixture(scope="module")
def server():
    """A second PostgreSQL 16 with pgvector: TCP on 127.0.0.1 only, scram-sha-256 for every
    connection, no unix socket, a superuser `admin` with a password. Stopped at the end."""
    as_user = _server_user()
    folder = Path(tempfile.mkdtemp(prefix="nex-external-pg-"))
    data, log, password = folder / "data", folder / "server.log", secrets.token_hex(16)

    def pg(*args: str) -> None:
        """Runs a server binary, its output to a file: a pipe would be held open by the postmaster
        that pg_ctl starts."""
        output = folder / "pg.out"
        with open(output, "w") as out:
            done = subprocess.run(
                [str(BIN / args[0]), *args[1:]], stdout=out, stderr=subprocess.STDOUT, **as_user
            )
        if done.returncode:
            server_log = log.read_text()[-3000:] if log.exists() else ""
            pytest.fail(f"{args[0]} failed:\n{output.read_text()[-3000:]}\n{server_log}")

    try:
        pwfile = folder / "admin.pw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if as_user:
            for path in (folder, pwfile):
                os.chown(path, as_user["user"], as_user["group"])
        pg("initdb", "-D", str(data), "-U", ADMIN, f"--pwfile={pwfile}", "--auth=scram-sha-256")
        pwfile.unlink()
        port = _free_port()
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n")
        pg("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "start")
        yield Server(port, password)
    finally:
        if (data / "postmaster.pid").exists():
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_the_main_job_runs_on_an_external_server_through_its_url_alone(server, small_world, tmp_path):
    nex_password, reader_password = secrets.token_hex(16), secrets.token_hex(16)
    prepared = server.psql(operator_sql(nex_password, reader_password))
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr

    # A project of its own (every folder the platform reads, and the small world as its sample data),
    # as in the distributed end-to-end test; a home and an instance of its own; no setting but the URL.
    project = project_copy(tmp_path / "project")
    shutil.copytree(small_world, project / "data" / "sample" / "retail")
    home, dagster_home = tmp_path / "home", tmp_path / "dagster_home"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NEX_", "DAGSTER_", "MLFLOW_", "PG"))}
    environ |= {
        "NEX_PROJECT_DIR": str(project),
        "NEX_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "NEX_DATABASE_URL": f"postgresql://nex:{nex_password}@127.0.0.1:{server.port}/nex",
        "NEX_READER_PASSWORD": reader_password,
        "NEX_LLM": "off",
    }
    nex = env.executable("nex")

    def call(*args: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            [nex, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout
        )

    status = call("db", "status", timeout=60)
    assert status.stdout.strip() == f"external: postgresql+psycopg2://nex:***@127.0.0.1:{server.port}/nex"
    run = call("run", timeout=900)
    assert run.returncode == 0, (run.stdout + run.stderr)[-5000:]

    # Nothing started or reached the embedded server, and the instance names the password's variable.
    assert not (home / "pgdata").exists()
    instance_yaml = (dagster_home / "dagster.yaml").read_text()
    assert nex_password not in instance_yaml and "NEX_DAGSTER_STORAGE_URL" in instance_yaml

    datasets = {d.name for d in load_catalog(project / "datasets")}
    with server.connect(env.WAREHOUSE_DB) as conn:
        assert conn.execute(
            "select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = 'nex'"
        ).fetchone() == (False, False, False)
        raw = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'raw'")}
        loaded = {r[0] for r in conn.execute("select dataset from nex.dataset_versions")}
        owners = {
            r[0]
            for r in conn.execute(
                "select distinct tableowner from pg_tables where schemaname = any(%s)",
                (list(WAREHOUSE_SCHEMAS),),
            )
        }
        mart = conn.execute(
            "select tablename from pg_tables where schemaname = 'marts' order by 1"
        ).fetchone()[0]
        mart_rows = conn.execute(f'select count(*) from marts."{mart}"').fetchone()[0]
    assert datasets and datasets <= raw and datasets <= loaded
    assert owners == {"nex"}
    with server.connect(env.DAGSTER_DB) as conn:
        runs = conn.execute("select status from runs where pipeline_name = 'nex_main'").fetchall()
    assert runs == [("SUCCESS",)]
    with server.connect(env.MLFLOW_DB) as conn:
        assert conn.execute("select count(*) from model_versions").fetchone()[0] > 0

    # The read-only path, as the role the operator created, with its password from the environment.
    query = call("query", f'select count(*) as n from marts."{mart}"', "--json", timeout=120)
    assert query.returncode == 0, query.stderr[-3000:]
    assert json.loads(query.stdout)["rows"] == [[mart_rows]]
    with server.connect(env.WAREHOUSE_DB, user="nex_reader", password=reader_password) as reader:
        assert reader.execute(
            "select current_setting('transaction_read_only'), "
            "has_function_privilege('query_to_xml(text, boolean, boolean, text)', 'execute')"
        ).fetchone() == ("on", False)


def test_a_role_that_may_set_passwords_gives_the_reader_its_password_from_the_environment(
    server, monkeypatch
):
    """The compose stack's case: NEX's role is the server's superuser, and NEX_READER_PASSWORD is the
    only place the reader's password is written. (Runs after the main-job test: it changes that role.)"""
    from nex_assets.core import db

    with server.connect("postgres") as conn:
        conn.execute("create database nex_superuser")
    password = secrets.token_hex(12)
    monkeypatch.setenv("NEX_READER_PASSWORD", password)
    admin = env.Database("127.0.0.1", server.port, ADMIN, server.admin_password, "nex_superuser", False)
    db.bootstrap(admin)
    with server.connect("nex_superuser", user="nex_reader", password=password) as reader:
        assert reader.execute("show default_transaction_read_only").fetchone() == ("on",)
    logged = (Path(tempfile.gettempdir())).glob("nex-external-pg-*/server.log")
    assert not [p for p in logged if password in p.read_text()]  # hashed before it left the client
