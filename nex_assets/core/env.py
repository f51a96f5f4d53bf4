"""The one place that decides where NEX runs: project paths, the database, the Dagster home.

With no ``NEX_DATABASE_URL`` the platform runs a private PostgreSQL 16 with pgvector from
the ``pgserver`` package under ``<NEX_HOME>/pgdata``. It is started with no cleanup so a
short command (``nex db url``) does not take it down under a long one (``nex dev``);
``nex db stop`` stops it. Processes that find it running join it by reading its
``postmaster.pid`` instead of going through pgserver's lock, which keeps every Dagster
step subprocess cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

PROJECT_DIR = Path(os.environ.get("NEX_PROJECT_DIR") or Path(__file__).resolve().parents[2])

WAREHOUSE_DB = "nex"
DAGSTER_DB = "dagster"
MLFLOW_DB = "mlflow"


def project_dir() -> Path:
    return Path(os.environ.get("NEX_PROJECT_DIR") or PROJECT_DIR)


def nex_home() -> Path:
    """Local state (embedded database, Dagster home, reports); never committed."""
    return Path(os.environ.get("NEX_HOME") or project_dir() / ".nex").resolve()


def datasets_dir() -> Path:
    return Path(os.environ.get("NEX_DATASETS_DIR") or project_dir() / "datasets").resolve()


def landing_dir() -> Path:
    return Path(os.environ.get("NEX_LANDING_DIR") or project_dir() / "data" / "landing").resolve()


def config_dir() -> Path:
    """The settings files (``config/*.yaml``); ``NEX_CONFIG_DIR`` moves them."""
    return Path(os.environ.get("NEX_CONFIG_DIR") or project_dir() / "config").resolve()


def source_roots() -> list[Path]:
    """Folders a dataset's source files may live in besides the project: the landing folder and
    those listed in ``NEX_SOURCE_DIRS`` (separated by ``os.pathsep``)."""
    listed = [Path(p) for p in os.environ.get("NEX_SOURCE_DIRS", "").split(os.pathsep) if p.strip()]
    return [landing_dir(), *listed]


def dbt_project_dir() -> Path:
    return project_dir() / "dbt_project"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or nex_home() / "dagster_home").resolve()


def reports_dir() -> Path:
    """Generated HTML reports (Evidently drift reports, ...) linked from asset metadata."""
    return Path(os.environ.get("NEX_REPORTS_DIR") or nex_home() / "reports").resolve()


@dataclass(frozen=True)
class Database:
    """Connection facts for one PostgreSQL server; ``dbname`` is the warehouse database."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    embedded: bool

    def with_db(self, dbname: str) -> Database:
        return replace(self, dbname=dbname)

    def sqlalchemy_url(self, dbname: str | None = None) -> str:
        # psycopg2 on purpose: with a bare postgresql:// SQLAlchemy 2.1 picks psycopg 3, and
        # dagster-postgres then fails on `NOTIFY run_events, $1`.
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        db = dbname or self.dbname
        if self.host.startswith("/"):
            return f"postgresql+psycopg2://{auth}@/{db}?host={self.host}&port={self.port}"
        return f"postgresql+psycopg2://{auth}@{self.host}:{self.port}/{db}"

    def conninfo(self, dbname: str | None = None) -> str:
        """A libpq connection string for psycopg 3 and psql."""
        parts = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": dbname or self.dbname,
        }
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{k}='{_libpq_quote(v)}'" for k, v in parts.items())

    def redacted_url(self, dbname: str | None = None) -> str:
        url = self.sqlalchemy_url(dbname)
        if self.password:
            url = url.replace(":" + quote(self.password, safe="") + "@", ":***@")
        return url

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt's profiles.yml, which reads the connection from env_var()."""
        return {
            "NEX_PG_HOST": self.host,
            "NEX_PG_PORT": str(self.port),
            "NEX_PG_USER": self.user,
            "NEX_PG_PASSWORD": self.password,
            "NEX_PG_DATABASE": self.dbname,
        }


def _libpq_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


class DatabaseUrlError(ValueError):
    pass


def parse_database_url(url: str) -> Database:
    """Parses ``NEX_DATABASE_URL`` (any postgres URL flavour, socket host in ``?host=``)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in {"postgresql", "postgres"}:
        raise DatabaseUrlError(f"NEX_DATABASE_URL must be a postgresql:// URL, got scheme {parts.scheme!r}")
    query = parse_qs(parts.query)
    host = (query.get("host") or [parts.hostname or "localhost"])[0]
    port = int((query.get("port") or [parts.port or 5432])[0])
    dbname = unquote(parts.path.lstrip("/")) or WAREHOUSE_DB
    return Database(
        host=host,
        port=port,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        dbname=dbname,
        embedded=False,
    )


def pgdata_dir() -> Path:
    return nex_home() / "pgdata"


def _quiet_pgserver():
    """pgserver's import warns when XDG_RUNTIME_DIR is unset (it falls back to /tmp); that is fine here."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


def _running_embedded() -> Database | None:
    pgdata = pgdata_dir()
    if not (pgdata / "postmaster.pid").exists():
        return None
    _quiet_pgserver()
    from pgserver.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, OSError):
        # A postmaster.pid caught half-written by a server that is starting.
        return None
    if info is None or not info.is_running() or info.status != "ready" or info.socket_dir is None:
        return None
    return Database(str(info.socket_dir), info.port or 5432, "postgres", "", WAREHOUSE_DB, embedded=True)


def start_embedded() -> Database:
    """Starts (or joins) the embedded server and returns how to reach it."""
    found = _running_embedded()
    if found is not None:
        return found
    pgserver = _quiet_pgserver()
    pgdata = pgdata_dir()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    return Database(str(info.socket_dir), info.port or 5432, "postgres", "", WAREHOUSE_DB, embedded=True)


def stop_embedded(timeout_s: float = 30.0) -> bool:
    """Stops the embedded server (a fast shutdown); returns False when none was running."""
    import signal

    import psutil

    _quiet_pgserver()
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata_dir())
    if info is None or not info.is_running():
        return False
    # SIGINT is PostgreSQL's fast shutdown; signalling the postmaster avoids pg_ctl needing to
    # reach the data folder as the server's own system user.
    info.process.send_signal(signal.SIGINT)
    try:
        info.process.wait(timeout_s)
    except psutil.TimeoutExpired:
        info.process.kill()
    _database_cached.cache_clear()
    return True


@cache
def _database_cached(url: str | None, home: str) -> Database:
    if url:
        return parse_database_url(url)
    return start_embedded()


def database() -> Database:
    """The database in use: ``NEX_DATABASE_URL`` if set, else the embedded server (started if needed)."""
    return _database_cached(os.environ.get("NEX_DATABASE_URL") or None, str(nex_home()))


def database_or_none() -> Database | None:
    """The database if it is reachable without starting anything (for cheap status checks)."""
    url = os.environ.get("NEX_DATABASE_URL")
    if url:
        return parse_database_url(url)
    return _running_embedded()


def executable(name: str) -> str:
    """A console script of this environment (dbt, dagster, mlflow) even when the venv is not activated."""
    import shutil
    import sys

    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else (shutil.which(name) or name)


def mlflow_artifact_root() -> Path:
    """Where MLflow stores run artifacts and models (a shared volume in a deployment)."""
    return Path(os.environ.get("NEX_MLFLOW_ARTIFACTS") or nex_home() / "mlartifacts").resolve()


def mlflow_ui_url() -> str:
    """The MLflow UI that links in asset metadata point at."""
    return (os.environ.get("NEX_MLFLOW_UI_URL") or "http://localhost:5000").rstrip("/")


@dataclass(frozen=True)
class LLMEndpoint:
    """An OpenAI-compatible endpoint; ``configured`` is False when neither a URL nor a key is set."""

    base_url: str | None
    model: str
    api_key: str | None
    embedding_model: str | None

    @property
    def configured(self) -> bool:
        return bool(self.base_url or self.api_key)


def dagster_ui_url() -> str:
    """Where people open the Dagster UI (links in run summaries and alerts): ``NEX_UI_URL``, else
    where this home's ``nex dev`` serves it, else where it would."""
    found = os.environ.get("NEX_UI_URL") or service_url("dagster_ui") or "http://127.0.0.1:3000"
    return found.rstrip("/")


def service_record(name: str) -> Path:
    """Where this home records a service it started (``core/services.py`` writes it)."""
    return nex_home() / "run" / f"{name}.json"


def service_url(name: str) -> str | None:
    """The URL of ``name`` (``dagster_ui``, ``studio``) while this home runs it, else None."""
    import json

    try:
        record = json.loads(service_record(name).read_text())
        url, pid = str(record["url"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's
        pass
    return url


def llm_endpoint(default_model: str = "gpt-4o-mini") -> LLMEndpoint:
    """The LLM from NEX_LLM_BASE_URL / NEX_LLM_MODEL / OPENAI_API_KEY; embeddings go to the same endpoint
    only when NEX_EMBEDDING_MODEL names a model (else the local all-MiniLM-L6-v2 embeds)."""
    return LLMEndpoint(
        base_url=os.environ.get("NEX_LLM_BASE_URL") or None,
        model=os.environ.get("NEX_LLM_MODEL") or default_model,
        api_key=os.environ.get("OPENAI_API_KEY") or None,
        embedding_model=os.environ.get("NEX_EMBEDDING_MODEL") or None,
    )


def reader_database(db: Database | None = None, role: str = "nex_reader") -> Database:
    """The same server (``database()`` by default) reached as the read-only role chat questions run
    as. The embedded server trusts its unix socket; an external one takes the role's password from
    NEX_READER_PASSWORD."""
    db = db or database()
    return replace(db, user=role, password="" if db.embedded else os.environ.get("NEX_READER_PASSWORD", ""))


def documents_dir() -> Path:
    """The document collections: one YAML per collection, beside the files it names."""
    return Path(os.environ.get("NEX_DOCUMENTS_DIR") or project_dir() / "documents").resolve()


def expectations_dir() -> Path:
    """The Great Expectations suites, one ``<dataset>.json`` each, versioned with the project."""
    return Path(os.environ.get("NEX_EXPECTATIONS_DIR") or project_dir() / "expectations").resolve()


def data_docs_dir() -> Path:
    """The GX Data Docs sites (one folder per dataset), rebuilt on every quality run and linked from
    the ``<dataset>/quality`` metadata."""
    return Path(os.environ.get("NEX_DATA_DOCS_DIR") or nex_home() / "data_docs").resolve()


def recipes_dir() -> Path:
    return Path(os.environ.get("NEX_RECIPES_DIR") or project_dir() / "recipes").resolve()


def evaluation_packs_dir() -> Path:
    return Path(os.environ.get("NEX_EVALUATION_PACKS_DIR") or project_dir() / "evaluation_packs").resolve()


def torch_device() -> str:
    """``cuda`` when a GPU is usable, else ``cpu``; ``NEX_DEVICE`` forces one (e.g. ``cpu`` on a GPU
    node shared with something more important). Imports torch, so call it inside asset bodies."""
    forced = os.environ.get("NEX_DEVICE")
    if forced:
        return forced
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def executor_name() -> str:
    """The engine that runs each job's steps (``NEX_EXECUTOR``); ``core/compute.py`` knows the names."""
    return (os.environ.get("NEX_EXECUTOR") or "multiprocess").strip().lower()


def project_folders() -> dict[str, Path]:
    """The people-edited folders the platform reads from the project: an image or a deployment that
    runs the code location must carry every one of them."""
    return {
        "datasets": datasets_dir(),
        "config": config_dir(),
        "expectations": expectations_dir(),
        "recipes": recipes_dir(),
        "evaluation_packs": evaluation_packs_dir(),
        "documents": documents_dir(),
        "dictionary": project_dir() / "dictionary",
        "dbt_project": dbt_project_dir(),
    }
