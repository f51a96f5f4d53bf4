"""What every load shares, whatever its source: a staging table in the load's transaction, the
primary key, the swap under the dataset's name, and the version record."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.core import settings as settings_store
from nex_assets.datasets import personal_scan, reader_access
from nex_assets.datasets.load import relations
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.datasets.logic.settings import PersonalDataSettings

# Part of every data version: a change in how sources are read must reload them.
LOADER_VERSION = "1"
# Files are read in pieces of this size, to hash them and to stream them into COPY.
CHUNK = 1 << 20


@dataclass
class LoadResult:
    dataset: str
    data_version: str
    skipped: bool
    rows: int
    columns: list[tuple[str, str]]
    bytes: int
    duration_s: float
    files: list[str]
    notes: list[str] = field(default_factory=list)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: the file does not exist (or disappeared before it was read)") from exc
    return h.hexdigest()


def data_version(ds: Dataset, digests: list[str]) -> str:
    """Content hash of the input plus every setting that changes what lands in the table."""
    settings = {
        "loader": LOADER_VERSION,
        "encoding": ds.source.encoding,
        "delimiter": ds.source.delimiter,
        "types": ds.type_hints,
        "primary_key": ds.primary_key,
    }
    # Only typed formats add these, so the versions of CSV datasets stay as they were.
    if ds.source.format not in (None, "csv"):
        settings |= {"format": ds.source.format, "sheet": ds.source.sheet}
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for d in digests:
        h.update(d.encode())
    return h.hexdigest()[:16]


def current_version(conn: psycopg.Connection, dataset: str) -> dict | None:
    row = conn.execute(
        """select data_version, rows, table_schema, bytes from nex.dataset_versions
           where dataset = %s order by loaded_at desc limit 1""",
        (dataset,),
    ).fetchone()
    if row is None or not relations.table_exists(conn, "raw", dataset):
        return None
    return {"data_version": row[0], "rows": row[1], "table_schema": row[2], "bytes": row[3]}


def lock_dataset(cur: psycopg.Cursor, dataset: str) -> None:
    """One load per dataset at a time: a second one waits here, then sees the first's result."""
    cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"nex.load.{dataset}",))


def unchanged(
    cur: psycopg.Cursor, ds: Dataset, version: str, sources: list[str], started: float, previous: dict
) -> LoadResult:
    """Nothing to reload; the reader's access is decided again all the same, so that a column
    declared sensitive since the last load is closed now, not at the next change of content."""
    reader_access.restrict_reader(
        cur, "raw", ds.name, reader_access.known_personal_columns(cur, ds.name, ds.sensitive_columns)
    )
    return LoadResult(
        ds.name,
        version,
        True,
        previous["rows"],
        [(c["name"], c["type"]) for c in previous["table_schema"]],
        previous["bytes"],
        time.perf_counter() - started,
        sources,
        ["content unchanged since the last load: nothing reloaded"],
    )


@dataclass
class Staging:
    """A table being filled inside the load's transaction."""

    cur: psycopg.Cursor
    name: str
    columns: list[tuple[str, str]]
    findings: dict = field(default_factory=dict)

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier("raw", self.name)

    def drop(self) -> None:
        self.cur.execute(sql.SQL("drop table {}").format(self.ident))


@contextmanager
def staging_table(
    database: env.Database, ds: Dataset, version: str, columns: list[tuple[str, str]]
) -> Iterator[Staging]:
    """Opens the load's transaction with a fresh staging table; leaving the block without an
    exception does nothing by itself: call ``publish`` to swap the table in."""
    name = f"{ds.name[:40]}__load_{version[:8]}"
    with nexdb.connect(database) as conn, conn.transaction(), conn.cursor() as cur:
        lock_dataset(cur, ds.name)
        # The primary key index is built once after COPY; give the sort room to stay in memory.
        cur.execute("set local maintenance_work_mem = '256MB'")
        staging = Staging(cur, name, columns)
        cur.execute(sql.SQL("drop table if exists {}").format(staging.ident))
        cur.execute(
            sql.SQL("create table {} ({})").format(
                staging.ident,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns
                ),
            )
        )
        yield staging


def detect_personal(cur: psycopg.Cursor, staging: Staging, rows: int) -> dict[str, str]:
    """Personal-data columns of the staging table judged from the values of whole columns
    (``personal_scan``): ``{column: kind}``."""
    config = settings_store.load(PersonalDataSettings)
    found = personal_scan.scan(
        cur,
        staging.ident,
        staging.columns,
        rows=rows,
        scan_rows=config.scan_rows,
        thresholds=config.thresholds,
    )
    staging.findings = found
    return {c: f.kind for c, f in found.items()}


def publish(
    staging: Staging,
    ds: Dataset,
    *,
    version: str,
    source: str,
    rows: int,
    size: int,
    started: float,
    run_id: str | None,
    key_problems: Callable[[psycopg.Error], str],
) -> list[tuple[str, str]]:
    """Primary key, swap, statistics and the version record, all in the staging transaction;
    returns the columns found to hold personal data in the new rows, with their kind."""
    cur = staging.cur
    if ds.primary_key:
        cur.execute("savepoint pk")
        try:
            cur.execute(
                sql.SQL("alter table {} add primary key ({})").format(
                    staging.ident, sql.SQL(", ").join(map(sql.Identifier, ds.primary_key))
                )
            )
            cur.execute("release savepoint pk")
        except (psycopg.errors.UniqueViolation, psycopg.errors.NotNullViolation) as exc:
            cur.execute("rollback to savepoint pk")
            raise LoadError(key_problems(exc)) from exc
    detected = detect_personal(cur, staging, rows)
    relations.swap_in(cur, "raw", ds.name, staging.name)
    personal_scan.record(cur, ds.name, version, staging.findings)
    # Personal data found in this load's own rows is closed before anyone can read the new version,
    # not only once the profile step runs (which blocking checks may hold back).
    reader_access.restrict_reader(
        cur,
        "raw",
        ds.name,
        reader_access.known_personal_columns(cur, ds.name, ds.sensitive_columns),
    )
    cur.execute(sql.SQL("analyze {}").format(sql.Identifier("raw", ds.name)))
    cur.execute(
        """insert into nex.dataset_versions
               (dataset, data_version, source, rows, columns, bytes, duration_s, table_schema, dagster_run_id)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            ds.name,
            version,
            source,
            rows,
            len(staging.columns),
            size,
            time.perf_counter() - started,
            json.dumps([{"name": c, "type": t} for c, t in staging.columns]),
            run_id,
        ),
    )
    return sorted(detected.items())


@contextmanager
def failures_recorded(database: env.Database, ds: Dataset, source: str, run_id: str | None) -> Iterator[None]:
    """Every failure of a load leaves as a ``LoadError`` naming the source and the reason, recorded
    in ``nex.load_failures``: the loaders word what they foresaw; anything else (a limit of the
    database, a file that exhausts a parser) is worded here."""
    try:
        yield
    except LoadError as exc:
        record_failure(database, ds, source, str(exc), run_id)
        raise
    except Exception as exc:  # whatever a file or the database throws, the load fails in plain words
        reason = f"{source}: {unexpected_reason(exc)}; nothing was loaded"
        record_failure(database, ds, source, reason, run_id)
        raise LoadError(reason) from exc


def unexpected_reason(exc: BaseException) -> str:
    """Plain words for a failure no loader foresaw."""
    if isinstance(exc, RecursionError):
        return "the data nests too deeply to read"
    if isinstance(exc, MemoryError):
        return "the data does not fit in memory"
    if isinstance(exc, psycopg.Error):
        diag = getattr(exc, "diag", None)
        message = (diag.message_primary if diag else None) or str(exc).splitlines()[0]
        return f"PostgreSQL refused the load: {message}"
    return f"{type(exc).__name__}: {exc}"


def record_failure(database: env.Database, ds: Dataset, source: str, reason: str, run_id: str | None) -> None:
    with nexdb.connect(database, autocommit=True) as conn:
        conn.execute(
            "insert into nex.load_failures (dataset, source, reason, dagster_run_id) values (%s, %s, %s, %s)",
            (ds.name, source, reason[:4000], run_id),
        )
