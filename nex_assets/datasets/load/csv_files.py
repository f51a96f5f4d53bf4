"""Delimited text files (CSV and its cousins) as a load source: streamed into COPY, hashed on the way.

Only the first rows are parsed in Python, to guess the file's encoding, delimiter and column types;
PostgreSQL's COPY does the real parsing and checks the guesses row by row. The load itself (staging
table, primary key, swap, version record) is ``template.run``.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.load.errors import LoadError, describe_copy_error, find_key_problems
from nex_assets.datasets.load.publish import CHUNK, file_digest
from nex_assets.datasets.load.template import Copied, Prepared, Retry
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.datasets.logic.delimited import SAMPLE_BYTES, FileShape, FileShapeError, read_shape

MAX_SAMPLE_BYTES = 64 << 20
TYPE_ERRORS = {"22P02", "22007", "22008", "22003", "22P03"}

Progress = Callable[[Path, int], None]


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


class CsvFiles:
    """Delimited text files (one, a glob, or the source with its landing files) as a load source.

    Types are guessed from a sample; when a later value does not fit its guessed type, ``copy``
    asks for another pass (``Retry``) with that column widened to text, unless its type is declared."""

    def __init__(self, ds: Dataset, files: list[Path], progress: Progress | None = None):
        self.ds = ds
        self.paths = files
        self.files = [str(p) for p in files]
        self.name = ", ".join(self.files)
        self.progress = progress
        self.widened: dict[str, str] = {}
        self._digests: list[str] = []
        self._shapes: list[FileShape] = []

    def digests(self) -> list[str]:
        self._digests = [file_digest(p) for p in self.paths]
        return self._digests

    def prepare(self) -> Prepared:
        self._shapes = read_shapes(self.ds, self.paths, self.widened)
        first = self._shapes[0]
        return Prepared(list(zip(first.columns, first.types, strict=True)), list(first.notes))

    def copy(self, staging: pub.Staging, prepared: Prepared) -> Copied:
        rows = 0
        for path, shape, digest in zip(self.paths, self._shapes, self._digests, strict=True):
            signature = _signature(path)
            try:
                n, seen = _copy_file(staging.cur, staging.ident, path, shape, self.progress)
            except psycopg.errors.DataError as exc:
                if _signature(path) != signature:
                    raise LoadError(
                        f"{path}: the file changed while it was read; nothing was loaded"
                    ) from exc
                self._copy_error(path, exc)
            if seen != digest or _signature(path) != signature:
                raise LoadError(f"{path}: the file changed while it was read; nothing was loaded")
            if n == 0 and not self.ds.allow_empty:
                raise LoadError(
                    f"{path}: line 2: the file has a header but no data rows "
                    "(set `allow_empty: true` on the dataset to accept an empty load)"
                )
            rows += n
        self._convert(staging, prepared)
        return Copied(rows, sum(p.stat().st_size for p in self.paths))

    def _convert(self, staging: pub.Staging, prepared: Prepared) -> None:
        """Columns copied as text that hold dates in another order or decorated numbers become their
        type here, before the version is checked and published. A value that does not convert keeps
        the column as text, with a note naming it."""
        conversions = self._shapes[0].conversions if self._shapes else {}
        types = dict(prepared.columns)
        for column, conv in conversions.items():
            ident = sql.Identifier(column)
            using = sql.SQL(conv.sql(ident.as_string(staging.cur)))
            stmt = sql.SQL("alter table {} alter column {} type {} using {}").format(
                staging.ident, ident, sql.SQL(conv.target), using
            )
            try:
                with staging.cur.connection.transaction():
                    staging.cur.execute(stmt)
            except psycopg.errors.DataError as exc:
                prepared.notes.append(
                    f"column {column}: kept as text: {exc.diag.message_primary} "
                    f"(read as {conv.target} {conv.pattern or conv.note})".rstrip()
                )
                continue
            types[column] = conv.target
            prepared.notes.append(
                f"column {column}: read as {conv.target}"
                + (f" ({conv.pattern})" if conv.pattern else "")
                + (f": {conv.note}" if conv.note else "")
            )
        prepared.columns[:] = [(c, types[c]) for c, _ in prepared.columns]

    def key_problems(self, exc: psycopg.Error) -> str:
        return find_key_problems(self.ds, self.paths, self._shapes[0], exc)

    def _copy_error(self, path: Path, exc: psycopg.errors.DataError) -> None:
        line, column, value = describe_copy_error(exc)
        if exc.sqlstate in TYPE_ERRORS and column and column not in self.ds.type_hints:
            self.widened[column] = "text"
            raise Retry(
                f"column {column}: {value!r} at {path.name} line {line} does not fit the type guessed from "
                "the first rows; loaded as text (declare its type in the dataset YAML to enforce one)"
            ) from exc
        where = f"line {line}: " if line else ""
        col = f"column {column}: " if column else ""
        raise LoadError(f"{path}: {where}{col}{exc.diag.message_primary}") from exc


def read_shapes(ds: Dataset, files: list[Path], widened: dict[str, str]) -> list[FileShape]:
    """How to COPY each file, from its first bytes; one set of columns and types for all of them."""
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
    # One table for all files: a column is as wide as its widest guess, and converted only when
    # every file's values read the same way.
    for shape in shapes[1:]:
        for i, t in enumerate(shape.types):
            if t != first.types[i]:
                first.types[i] = "text"
        for column in list(first.conversions):
            if shape.conversions.get(column) != first.conversions[column]:
                del first.conversions[column]
    for column in list(first.conversions):
        if column in widened:
            del first.conversions[column]
    for shape in shapes:
        shape.types = first.types
        shape.conversions = first.conversions
    missing = [k for k in ds.primary_key if k not in first.columns]
    if missing:
        raise LoadError(f"{files[0]}: line 1: primary key column(s) {missing} are not in the header")
    return shapes
