"""Excel, JSON, JSON Lines and Parquet files as a load source.

The files are read and checked before the load's transaction opens (``formats``); their rows then go
through COPY into the staging table of ``template.run``, with the same content-hash data version,
primary-key checks and version record as a CSV load.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.load.errors import MAX_REPORTED, LoadError, describe_copy_error
from nex_assets.datasets.load.formats import Table, read_table
from nex_assets.datasets.load.publish import file_digest
from nex_assets.datasets.load.template import Copied, Prepared
from nex_assets.datasets.logic.catalog import Dataset


def _unify(ds: Dataset, files: list[Path], tables: list[Table]) -> list[str]:
    first = tables[0]
    for path, table in zip(files[1:], tables[1:], strict=True):
        if table.columns != first.columns:
            raise LoadError(f"{path}: columns {table.columns} differ from {files[0]}'s {first.columns}")
    # One table for all files: a column whose files disagree on its type is text.
    types = [t if all(tb.types[i] == t for tb in tables) else "text" for i, t in enumerate(first.types)]
    missing = [k for k in ds.primary_key if k not in first.columns]
    if missing:
        raise LoadError(f"{files[0]}: primary key column(s) {missing} are not among the columns")
    return types


def _key_problems(ds: Dataset, files: list[Path], tables: list[Table], exc: psycopg.Error) -> str:
    key = ", ".join(ds.primary_key)
    problems: list[str] = []
    for path, table in zip(files, tables, strict=True):
        positions = [table.columns.index(k) for k in ds.primary_key]
        seen: dict[tuple, list[int]] = {}
        nulls: list[int] = []
        for n, row in enumerate(table.rows(), start=1):
            values = tuple(row[i] for i in positions)
            if any(v is None for v in values):
                nulls.append(n)
            else:
                seen.setdefault(values, []).append(n)
        if nulls:
            shown = ", ".join(table.where(n) for n in nulls[:MAX_REPORTED])
            problems.append(f"{path}: {shown}: primary key ({key}) is missing")
        for value, rows in [(k, v) for k, v in seen.items() if len(v) > 1][:MAX_REPORTED]:
            shown = ", ".join(table.where(n) for n in rows[:MAX_REPORTED])
            problems.append(f"{path}: {shown}: duplicate primary key ({key}) = {value}")
    if not problems:
        problems.append(f"{files[0]}: primary key ({key}) violated: {exc.diag.message_detail or exc}")
    return "; ".join(problems)


def _copy_table(cur: psycopg.Cursor, ident: sql.Composable, path: Path, table: Table) -> int:
    stmt = sql.SQL("copy {} ({}) from stdin").format(
        ident, sql.SQL(", ").join(map(sql.Identifier, table.columns))
    )
    try:
        with cur.copy(stmt) as copy:
            for row in table.rows():
                copy.write_row(row)
    except psycopg.errors.DataError as exc:
        line, column, value = describe_copy_error(exc)
        where = f"{table.where(line)}: " if line else ""
        col = f"column {column}: " if column else ""
        shown = f" (value {value!r})" if value is not None else ""
        raise LoadError(f"{path}: {where}{col}{exc.diag.message_primary}{shown}") from exc
    return cur.rowcount


class TypedFiles:
    """Excel, JSON, JSON Lines and Parquet files as a load source: each file is read and checked
    into a ``Table`` (columns, types, a stream of rows) before the load's transaction opens."""

    def __init__(self, ds: Dataset, files: list[Path], progress=None):
        self.ds = ds
        self.paths = files
        self.files = [str(p) for p in files]
        self.name = ", ".join(self.files)
        self.progress = progress
        self._digests: list[str] = []
        self._tables: list[Table] = []

    def digests(self) -> list[str]:
        self._digests = [file_digest(p) for p in self.paths]
        return self._digests

    def prepare(self) -> Prepared:
        self._tables = [read_table(p, self.ds) for p in self.paths]
        types = _unify(self.ds, self.paths, self._tables)
        for t in self._tables:
            t.types = types
        return Prepared(
            list(zip(self._tables[0].columns, types, strict=True)), [n for t in self._tables for n in t.notes]
        )

    def copy(self, staging: pub.Staging, prepared: Prepared) -> Copied:
        rows = 0
        for path, table, digest in zip(self.paths, self._tables, self._digests, strict=True):
            n = _copy_table(staging.cur, staging.ident, path, table)
            if file_digest(path) != digest:
                raise LoadError(f"{path}: the file changed while it was read; nothing was loaded")
            if n == 0 and not self.ds.allow_empty:
                raise LoadError(
                    f"{path}: the file has column names but no data rows "
                    "(set `allow_empty: true` on the dataset to accept an empty load)"
                )
            if self.progress:
                self.progress(path, path.stat().st_size)
            rows += n
        return Copied(rows, sum(p.stat().st_size for p in self.paths))

    def key_problems(self, exc: psycopg.Error) -> str:
        return _key_problems(self.ds, self.paths, self._tables, exc)
