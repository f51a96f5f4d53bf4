"""Loads a dataset's files into ``raw.<dataset>`` with COPY, all or nothing.

The new version is built in a table of its own inside one transaction, checked (rows,
primary key), then swapped in under the dataset's name; views that read the old table
are recreated on the new one in the same transaction. A reader sees the old version or
the new one, never a half, and any failure leaves the old version as it was.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets import db as nexdb
from nex_assets import env
from nex_assets.ingest import relations
from nex_assets.ingest.errors import LoadError, describe_copy_error, find_key_problems
from nex_assets.lib.catalog import Dataset
from nex_assets.lib.delimited import SAMPLE_BYTES, FileShape, FileShapeError, read_shape

# Part of every data version: a change in how files are read must reload them.
LOADER_VERSION = "1"
CHUNK = 1 << 20
MAX_SAMPLE_BYTES = 64 << 20
TYPE_ERRORS = {"22P02", "22007", "22008", "22003", "22P03"}

Progress = Callable[[Path, int], None]


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


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def _read_sample(path: Path) -> tuple[bytes, bool]:
    try:
        with path.open("rb") as f:
            sample = f.read(SAMPLE_BYTES)
            # A huge first row would leave no whole row to guess types from: read on, within reason.
            while (
                sample.count(b"\n") < 3 and len(sample) < MAX_SAMPLE_BYTES and (more := f.read(len(sample)))
            ):
                sample += more
            complete = not f.read(1)
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: the file does not exist (or disappeared before it was read)") from exc
    except IsADirectoryError as exc:
        raise LoadError(f"{path}: is a folder, not a file") from exc
    return sample, complete


def _stream(path: Path, shape: FileShape, progress: Progress | None) -> Iterator[tuple[bytes, bytes]]:
    """Yields (raw bytes for the hash, bytes for COPY); transcodes what PostgreSQL cannot read."""
    decoder = None if shape.encoding.postgres else codecs.getincrementaldecoder(shape.encoding.python)()
    skip = shape.encoding.bom
    sent = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            out = chunk
            if skip:
                out, skip = chunk[skip:], 0
            if decoder is not None:
                out = decoder.decode(out).encode("utf-8")
            sent += len(chunk)
            if progress:
                progress(path, sent)
            yield chunk, out
        if decoder is not None:
            tail = decoder.decode(b"", final=True).encode("utf-8")
            if tail:
                yield b"", tail


def _copy_file(
    cur: psycopg.Cursor, table: sql.Composable, path: Path, shape: FileShape, progress: Progress | None
) -> tuple[int, str]:
    options = [sql.SQL("format csv, header true, delimiter {}").format(sql.Literal(shape.delimiter))]
    if shape.encoding.postgres:
        options.append(sql.SQL("encoding {}").format(sql.Literal(shape.encoding.postgres)))
    stmt = sql.SQL("copy {} ({}) from stdin ({})").format(
        table, sql.SQL(", ").join(map(sql.Identifier, shape.columns)), sql.SQL(", ").join(options)
    )
    h = hashlib.sha256()
    try:
        with cur.copy(stmt) as copy:
            for raw, out in _stream(path, shape, progress):
                h.update(raw)
                copy.write(out)
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: the file disappeared while it was read") from exc
    return cur.rowcount, h.hexdigest()


def _shapes(ds: Dataset, files: list[Path], widened: dict[str, str]) -> list[FileShape]:
    shapes = []
    for path in files:
        sample, complete = _read_sample(path)
        try:
            shape = read_shape(
                sample,
                path=str(path),
                complete=complete,
                declared_encoding=ds.source.encoding,
                declared_delimiter=ds.source.delimiter,
                type_hints={**ds.type_hints, **widened},
            )
        except FileShapeError as exc:
            raise LoadError(str(exc)) from exc
        if shapes and shape.columns != shapes[0].columns:
            raise LoadError(
                f"{path}: line 1: columns {shape.columns} differ from {files[0]}'s {shapes[0].columns}"
            )
        shapes.append(shape)
    first = shapes[0]
    # One table for all files: a column is as wide as its widest guess.
    for shape in shapes[1:]:
        for i, t in enumerate(shape.types):
            if t != first.types[i]:
                first.types[i] = "text"
    for shape in shapes:
        shape.types = first.types
    missing = [k for k in ds.primary_key if k not in first.columns]
    if missing:
        raise LoadError(f"{files[0]}: line 1: primary key column(s) {missing} are not in the header")
    return shapes


def load(
    ds: Dataset,
    files: list[Path],
    *,
    database: env.Database | None = None,
    run_id: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> LoadResult:
    """Loads ``files`` as the new version of ``raw.<dataset>``; skips when the content is unchanged."""
    if not files:
        raise LoadError(
            f"dataset {ds.name!r} ({ds.file}): no file matches source {ds.source.path!r} "
            f"and nothing waits in data/landing/{ds.name}/"
        )
    database = nexdb.bootstrap(database)
    started = time.perf_counter()
    digests = [file_digest(p) for p in files]
    version = data_version(ds, digests)
    with nexdb.connect(database) as conn:
        previous = current_version(conn, ds.name)
    if previous and previous["data_version"] == version and not force:
        return LoadResult(
            ds.name,
            version,
            True,
            previous["rows"],
            [(c["name"], c["type"]) for c in previous["table_schema"]],
            previous["bytes"],
            time.perf_counter() - started,
            [str(p) for p in files],
            ["content unchanged since the last load: nothing reloaded"],
        )
    widened: dict[str, str] = {}
    notes: list[str] = []
    try:
        # Each pass either loads or learns that a column guessed from the sample must be text.
        while True:
            shapes = _shapes(ds, files, widened)
            try:
                rows = _load_once(ds, files, shapes, digests, version, database, run_id, progress, started)
                break
            except _WidenColumn as w:
                widened[w.column] = "text"
                notes.append(w.note)
    except LoadError as exc:
        _record_failure(database, ds, files, str(exc), run_id)
        raise
    duration = time.perf_counter() - started
    shape = shapes[0]
    return LoadResult(
        ds.name,
        version,
        False,
        rows,
        list(zip(shape.columns, shape.types, strict=True)),
        sum(p.stat().st_size for p in files),
        duration,
        [str(p) for p in files],
        notes + shape.notes,
    )


class _WidenColumn(Exception):
    def __init__(self, column: str, note: str):
        super().__init__(note)
        self.column = column
        self.note = note


def _load_once(
    ds: Dataset,
    files: list[Path],
    shapes: list[FileShape],
    digests: list[str],
    version: str,
    database: env.Database,
    run_id: str | None,
    progress: Progress | None,
    started: float,
) -> int:
    shape = shapes[0]
    staging = f"{ds.name[:40]}__load_{version[:8]}"
    staging_ident = sql.Identifier("raw", staging)
    with nexdb.connect(database) as conn, conn.transaction(), conn.cursor() as cur:
        # One load per dataset at a time: a second one waits here, then sees the first's result.
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"nex.load.{ds.name}",))
        # The primary key index is built once after COPY; give the sort room to stay in memory.
        cur.execute("set local maintenance_work_mem = '256MB'")
        cur.execute(sql.SQL("drop table if exists {}").format(staging_ident))
        cur.execute(
            sql.SQL("create table {} ({})").format(
                staging_ident,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t))
                    for c, t in zip(shape.columns, shape.types, strict=True)
                ),
            )
        )
        rows = 0
        for path, file_shape, digest in zip(files, shapes, digests, strict=True):
            signature = _signature(path)
            try:
                n, seen = _copy_file(cur, staging_ident, path, file_shape, progress)
            except psycopg.errors.DataError as exc:
                if _signature(path) != signature:
                    raise LoadError(
                        f"{path}: the file changed while it was read; nothing was loaded"
                    ) from exc
                _raise_copy_error(ds, path, exc)
            if seen != digest or _signature(path) != signature:
                raise LoadError(f"{path}: the file changed while it was read; nothing was loaded")
            if n == 0 and not ds.allow_empty:
                raise LoadError(
                    f"{path}: line 2: the file has a header but no data rows "
                    "(set `allow_empty: true` on the dataset to accept an empty load)"
                )
            rows += n
        if ds.primary_key:
            _add_primary_key(cur, ds, staging, files, shape)
        relations.swap_in(cur, "raw", ds.name, staging)
        cur.execute(sql.SQL("analyze {}").format(sql.Identifier("raw", ds.name)))
        cur.execute(
            """insert into nex.dataset_versions
                   (dataset, data_version, source, rows, columns, bytes, duration_s, table_schema,
                    dagster_run_id)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                ds.name,
                version,
                ", ".join(map(str, files)),
                rows,
                len(shape.columns),
                sum(p.stat().st_size for p in files),
                time.perf_counter() - started,
                json.dumps([{"name": c, "type": t} for c, t in zip(shape.columns, shape.types, strict=True)]),
                run_id,
            ),
        )
        return rows


def _raise_copy_error(ds: Dataset, path: Path, exc: psycopg.errors.DataError) -> None:
    line, column, value = describe_copy_error(exc)
    if exc.sqlstate in TYPE_ERRORS and column and column not in ds.type_hints:
        raise _WidenColumn(
            column,
            f"column {column}: {value!r} at {path.name} line {line} does not fit the type guessed from the "
            "first rows; loaded as text (declare its type in the dataset YAML to enforce one)",
        ) from exc
    where = f"line {line}: " if line else ""
    col = f"column {column}: " if column else ""
    raise LoadError(f"{path}: {where}{col}{exc.diag.message_primary}") from exc


def _add_primary_key(
    cur: psycopg.Cursor, ds: Dataset, staging: str, files: list[Path], shape: FileShape
) -> None:
    cur.execute("savepoint pk")
    try:
        cur.execute(
            sql.SQL("alter table {} add primary key ({})").format(
                sql.Identifier("raw", staging), sql.SQL(", ").join(map(sql.Identifier, ds.primary_key))
            )
        )
        cur.execute("release savepoint pk")
    except (psycopg.errors.UniqueViolation, psycopg.errors.NotNullViolation) as exc:
        cur.execute("rollback to savepoint pk")
        raise LoadError(find_key_problems(ds, files, shape, exc)) from exc


def _record_failure(
    database: env.Database, ds: Dataset, files: list[Path], reason: str, run_id: str | None
) -> None:
    with nexdb.connect(database, autocommit=True) as conn:
        conn.execute(
            "insert into nex.load_failures (dataset, source, reason, dagster_run_id) values (%s, %s, %s, %s)",
            (ds.name, ", ".join(map(str, files)), reason[:4000], run_id),
        )
