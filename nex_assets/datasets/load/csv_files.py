"""Loads a dataset's files into ``raw.<dataset>`` with COPY, all or nothing.

The new version is built in a table of its own inside one transaction, checked (rows,
primary key), then swapped in under the dataset's name; views that read the old table
are recreated on the new one in the same transaction. A reader sees the old version or
the new one, never a half, and any failure leaves the old version as it was.
Tables from another database go through ``table_source`` and the same publishing steps.
"""

from __future__ import annotations

import codecs
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.load.errors import LoadError, describe_copy_error, find_key_problems
from nex_assets.datasets.load.publish import LOADER_VERSION, LoadResult, data_version
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.datasets.logic.delimited import SAMPLE_BYTES, FileShape, FileShapeError, read_shape

__all__ = ["LOADER_VERSION", "LoadResult", "data_version", "load", "load_dataset"]

CHUNK = 1 << 20
MAX_SAMPLE_BYTES = 64 << 20
TYPE_ERRORS = {"22P02", "22007", "22008", "22003", "22P03"}

Progress = Callable[[Path, int], None]


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                h.update(chunk)
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: the file does not exist (or disappeared before it was read)") from exc
    return h.hexdigest()


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
    if ds.source.format not in (None, "csv"):
        from nex_assets.datasets.load.typed_files import load_tabular

        return load_tabular(ds, files, database=database, run_id=run_id, force=force, progress=progress)
    database = nexdb.bootstrap(database)
    started = time.perf_counter()
    digests = [file_digest(p) for p in files]
    version = data_version(ds, digests)
    with nexdb.connect(database) as conn:
        previous = pub.current_version(conn, ds.name)
    if previous and previous["data_version"] == version and not force:
        return pub.unchanged(ds, version, [str(p) for p in files], started, previous)
    widened: dict[str, str] = {}
    notes: list[str] = []
    with pub.failures_recorded(database, ds, ", ".join(map(str, files)), run_id):
        # Each pass either loads or learns that a column guessed from the sample must be text.
        while True:
            shapes = _shapes(ds, files, widened)
            try:
                rows = _load_once(ds, files, shapes, digests, version, database, run_id, progress, started)
                break
            except _WidenColumn as w:
                widened[w.column] = "text"
                notes.append(w.note)
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
    columns = list(zip(shape.columns, shape.types, strict=True))
    with pub.staging_table(database, ds, version, columns) as staging:
        rows = 0
        for path, file_shape, digest in zip(files, shapes, digests, strict=True):
            signature = _signature(path)
            try:
                n, seen = _copy_file(staging.cur, staging.ident, path, file_shape, progress)
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
        pub.publish(
            staging,
            ds,
            version=version,
            source=", ".join(map(str, files)),
            rows=rows,
            size=sum(p.stat().st_size for p in files),
            started=started,
            run_id=run_id,
            key_problems=lambda exc: find_key_problems(ds, files, shape, exc),
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


def load_dataset(ds: Dataset, catalog_dirs: tuple[Path, Path], **kwargs) -> LoadResult:
    """Loads a dataset from whatever its source is: files (with landing files) or a table."""
    if ds.source.table:
        from nex_assets.datasets.load.table import load_table

        return load_table(ds, **kwargs)
    project_dir, landing_dir = catalog_dirs
    return load(ds, ds.files_to_load(project_dir, landing_dir), **kwargs)
