"""The one load skeleton every source goes through: digest -> version -> unchanged? -> staging ->
copy -> publish, with every failure worded and recorded.

A source (``csv_files``, ``typed_files``, ``table``) only says how to fingerprint its input, what
columns it will produce and how to copy its rows into the staging table; everything else (the data
version, skipping unchanged input, the transaction, the primary key, the swap, the version record,
the failure record) happens here, once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import psycopg

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.datasets.load import publish as pub
from nex_assets.datasets.logic.catalog import Dataset


@dataclass
class Prepared:
    """What a source will copy: its columns (name, PostgreSQL type) and notes for the metadata."""

    columns: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Copied:
    rows: int
    bytes: int
    # The content's digest when only streaming it tells it (a table source); None for files.
    digest: str | None = None


class Retry(Exception):
    """Raised by ``copy`` when the prepared columns did not fit the data and a second ``prepare``
    (which the source has now learnt from) should be tried; ``note`` explains the change."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


class Source(Protocol):
    name: str  # how messages and records name the input
    files: list[str]

    def digests(self) -> list[str] | None:
        """Content hashes of the input, or None when only copying it can tell."""

    def prepare(self) -> Prepared: ...

    def copy(self, staging: pub.Staging, prepared: Prepared) -> Copied:
        """Fills the staging table; an empty input is refused here, in the source's own words,
        unless the dataset allows it."""

    def key_problems(self, exc: psycopg.Error) -> str:
        """Where the primary key is missing or duplicated, in the source's own terms."""


def run(
    ds: Dataset,
    source: Source,
    *,
    database: env.Database | None = None,
    run_id: str | None = None,
    force: bool = False,
) -> pub.LoadResult:
    """Loads ``source`` as the new version of ``raw.<dataset>``, or reports it unchanged."""
    database = nexdb.bootstrap(database)
    started = time.perf_counter()
    with pub.failures_recorded(database, ds, source.name, run_id):
        digests = source.digests()
        version = pub.data_version(ds, digests) if digests is not None else None
        if version is not None:
            with nexdb.connect(database) as conn, conn.transaction(), conn.cursor() as cur:
                previous = pub.current_version(conn, ds.name)
                if previous and previous["data_version"] == version and not force:
                    pub.lock_dataset(cur, ds.name)
                    return pub.unchanged(cur, ds, version, source.files, started, previous)
        notes: list[str] = []
        while True:
            prepared = source.prepare()
            try:
                return _load_once(ds, source, prepared, version, database, run_id, force, started, notes)
            except Retry as retry:
                notes.append(retry.note)


def _load_once(
    ds: Dataset,
    source: Source,
    prepared: Prepared,
    version: str | None,
    database: env.Database,
    run_id: str | None,
    force: bool,
    started: float,
    notes: list[str],
) -> pub.LoadResult:
    with pub.staging_table(database, ds, version or "pending0", prepared.columns) as staging:
        copied = source.copy(staging, prepared)
        if version is None:
            version = pub.data_version(ds, [copied.digest or ""])
            previous = pub.current_version(staging.cur.connection, ds.name)
            if previous and previous["data_version"] == version and not force:
                staging.drop()
                return pub.unchanged(staging.cur, ds, version, source.files, started, previous)
        detected = pub.publish(
            staging,
            ds,
            version=version,
            source=source.name,
            rows=copied.rows,
            size=copied.bytes,
            started=started,
            run_id=run_id,
            key_problems=source.key_problems,
        )
    closed = [
        f"{c} holds personal data ({kind}): closed to queries from this load on" for c, kind in detected
    ]
    return pub.LoadResult(
        ds.name,
        version,
        False,
        copied.rows,
        prepared.columns,
        copied.bytes,
        time.perf_counter() - started,
        source.files,
        notes + prepared.notes + closed,
    )
