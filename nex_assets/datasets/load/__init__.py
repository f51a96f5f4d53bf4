"""Loading a dataset into ``raw.<dataset>``: all or nothing, unchanged input skipped.

``template`` is the one skeleton every source goes through; ``csv_files``, ``typed_files`` (Excel,
JSON, JSON Lines, Parquet) and ``table`` (a PostgreSQL table here or elsewhere) are the sources;
``publish`` holds what every load shares (staging, primary key, swap, version and failure records).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.datasets.load import template
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.load.publish import (
    LOADER_VERSION,
    LoadResult,
    data_version,
    file_digest,
    record_failure,
)
from nex_assets.datasets.logic.catalog import CatalogError, Dataset

__all__ = ["LOADER_VERSION", "LoadError", "LoadResult", "load", "load_dataset", "pending_version"]

Progress = Callable[[Path, int], None]


def load(
    ds: Dataset,
    files: list[Path],
    *,
    database: env.Database | None = None,
    run_id: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> LoadResult:
    """Loads ``files`` (of the dataset's format) as the new version of ``raw.<dataset>``."""
    from nex_assets.datasets.load.csv_files import CsvFiles
    from nex_assets.datasets.load.typed_files import TypedFiles

    if not files:
        message = (
            f"dataset {ds.name!r} ({ds.file}): no file matches source {ds.source.path!r} "
            f"and nothing waits in data/landing/{ds.name}/"
        )
        record_failure(nexdb.bootstrap(database), ds, str(ds.source.path), message, run_id)
        raise LoadError(message)
    source = (
        CsvFiles(ds, files, progress)
        if ds.source.format in (None, "csv")
        else TypedFiles(ds, files, progress)
    )
    return template.run(ds, source, database=database, run_id=run_id, force=force)


def load_dataset(ds: Dataset, catalog_dirs: tuple[Path, Path], **kwargs) -> LoadResult:
    """Loads a dataset from whatever its source is: files (with landing files) or a table."""
    if ds.source.table:
        from nex_assets.datasets.load.table import SourceTable

        database = nexdb.bootstrap(kwargs.pop("database", None))
        kwargs.pop("progress", None)
        return template.run(ds, SourceTable(ds, database), database=database, **kwargs)
    project_dir, landing_dir = catalog_dirs
    try:
        files = ds.files_to_load(project_dir, landing_dir)
    except CatalogError as exc:  # a source that leads outside the folders NEX reads from
        record_failure(
            nexdb.bootstrap(kwargs.get("database")), ds, str(ds.source.path), str(exc), kwargs.get("run_id")
        )
        raise LoadError(str(exc)) from exc
    return load(ds, files, **kwargs)


def pending_version(ds: Dataset, catalog_dirs: tuple[Path, Path]) -> str | None:
    """The data version a load would publish now, from the files' content, without loading them:
    equal to the last load's version exactly when a load would change nothing. None when only a
    load can tell (a table source) or the files cannot be read (the load will say why)."""
    if ds.source.table:
        return None
    project_dir, landing_dir = catalog_dirs
    try:
        files = ds.files_to_load(project_dir, landing_dir)
        return data_version(ds, [file_digest(p) for p in files]) if files else None
    except (CatalogError, LoadError, OSError):
        return None
