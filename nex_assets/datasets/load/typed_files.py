"""Loads Excel, JSON, JSON Lines and Parquet files through the same publishing steps as CSV.

The files are read and checked before the load's transaction opens; the rows then go through
COPY into a staging table that is swapped in under the dataset's name, with the same content-hash
data version, primary-key checks and version record as a CSV load. A failure leaves the previous
version as it was and is recorded in ``nex.load_failures``.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.load.errors import MAX_REPORTED, LoadError, describe_copy_error
from nex_assets.datasets.load.formats import Table, read_table
from nex_assets.datasets.load.publish import LoadResult, data_version
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


def load_tabular(
    ds: Dataset,
    files: list[Path],
    *,
    database: env.Database | None = None,
    run_id: str | None = None,
    force: bool = False,
    progress=None,
) -> LoadResult:
    """Loads typed-format ``files`` as the new version of ``raw.<dataset>``; skips unchanged content."""
    from nex_assets.datasets.load.csv_files import file_digest

    database = nexdb.bootstrap(database)
    started = time.perf_counter()
    digests = [file_digest(p) for p in files]
    version = data_version(ds, digests)
    with nexdb.connect(database) as conn:
        previous = pub.current_version(conn, ds.name)
    if previous and previous["data_version"] == version and not force:
        return pub.unchanged(ds, version, [str(p) for p in files], started, previous)
    with pub.failures_recorded(database, ds, ", ".join(map(str, files)), run_id):
        tables = [read_table(p, ds) for p in files]
        types = _unify(ds, files, tables)
        for t in tables:
            t.types = types
        columns = list(zip(tables[0].columns, types, strict=True))
        with pub.staging_table(database, ds, version, columns) as staging:
            rows = 0
            for path, table, digest in zip(files, tables, digests, strict=True):
                n = _copy_table(staging.cur, staging.ident, path, table)
                if file_digest(path) != digest:
                    raise LoadError(f"{path}: the file changed while it was read; nothing was loaded")
                if n == 0 and not ds.allow_empty:
                    raise LoadError(
                        f"{path}: the file has column names but no data rows "
                        "(set `allow_empty: true` on the dataset to accept an empty load)"
                    )
                if progress:
                    progress(path, path.stat().st_size)
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
                key_problems=lambda exc: _key_problems(ds, files, tables, exc),
            )
    notes = [note for t in tables for note in t.notes]
    return LoadResult(
        ds.name,
        version,
        False,
        rows,
        columns,
        sum(p.stat().st_size for p in files),
        time.perf_counter() - started,
        [str(p) for p in files],
        notes,
    )
