"""Reading profiles and entries, and writing a new set of entries with their versions in one
transaction (a failure leaves the previous dictionary whole)."""

from __future__ import annotations

from datetime import datetime

import psycopg

from nex_assets.dictionary.logic.models import Entry

_FIELDS = (
    "dataset",
    "column_name",
    "kind",
    "description",
    "business_meaning",
    "unit",
    "personal_data",
    "personal_kind",
    "tags",
    "writer",
    "source",
    "status",
    "model",
    "prompt_hash",
    "profile_hash",
    "author",
    "version",
)


def latest_profiles(conn: psycopg.Connection, dataset: str) -> list[dict]:
    """The newest profile of every column, in table order; empty when the dataset was never profiled."""
    cur = conn.execute(
        """select column_name, ordinal, pg_type, inferred_type, sensitive, row_count, null_count, null_share,
                  distinct_count, stats, profile_hash, data_version
             from nex.column_profiles
            where dataset = %(d)s and data_version = (
                  select data_version from nex.column_profiles where dataset = %(d)s
                   order by profiled_at desc limit 1)
            order by ordinal""",
        {"d": dataset},
    )
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def load_entries(conn: psycopg.Connection, dataset: str) -> dict[str, Entry]:
    cur = conn.execute(
        f"select {', '.join(_FIELDS)} from nex.dictionary_entries where dataset = %s", (dataset,)
    )
    return {row[1]: Entry(**dict(zip(_FIELDS, row, strict=True))) for row in cur.fetchall()}


def last_versions(conn: psycopg.Connection, dataset: str) -> dict[str, int]:
    """The highest version each entry ever had, removed entries included: an entry that comes back
    goes on from there, so its history stays one sequence."""
    rows = conn.execute(
        "select column_name, max(version) from nex.dictionary_versions where dataset = %s group by 1",
        (dataset,),
    ).fetchall()
    return dict(rows)


def save(
    conn: psycopg.Connection,
    written: list[tuple[Entry, str]],
    removed: list[tuple[Entry, str]],
    *,
    run_id: str | None,
) -> None:
    """Upserts ``written`` entries (their ``version`` already bumped) and appends one version row per
    change, deletions included; all or nothing."""
    placeholders = ", ".join(["%s"] * len(_FIELDS))
    with conn.transaction():
        for entry, reason in written:
            values = [getattr(entry, f) for f in _FIELDS]
            conn.execute(
                f"""insert into nex.dictionary_entries ({", ".join(_FIELDS)}) values ({placeholders})
                    on conflict (dataset, column_name) do update set
                    {", ".join(f"{f} = excluded.{f}" for f in _FIELDS[2:])}, updated_at = now()""",
                values,
            )
            _version(conn, entry, reason, run_id)
        for entry, reason in removed:
            conn.execute(
                "delete from nex.dictionary_entries where dataset = %s and column_name = %s",
                (entry.dataset, entry.column_name),
            )
            _version(conn, entry.model_copy(update={"version": entry.version + 1}), reason, run_id)


def _version(conn: psycopg.Connection, entry: Entry, reason: str, run_id: str | None) -> None:
    conn.execute(
        f"""insert into nex.dictionary_versions ({", ".join(_FIELDS)}, reason, dagster_run_id)
            values ({", ".join(["%s"] * len(_FIELDS))}, %s, %s)""",
        [*(getattr(entry, f) for f in _FIELDS), reason, run_id],
    )


def history(conn: psycopg.Connection, dataset: str, column: str | None = None) -> list[dict]:
    cur = conn.execute(
        """select column_name, version, source, status, writer, model, prompt_hash, profile_hash, author,
                  reason, dagster_run_id, changed_at, description
             from nex.dictionary_versions
            where dataset = %s and (%s::text is null or column_name = %s)
            order by column_name, version""",
        (dataset, column, column),
    )
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def for_review(
    conn: psycopg.Connection, dataset: str | None, status: str | None, limit: int
) -> list[tuple[Entry, datetime]]:
    """Entries newest first with when they last changed, of one dataset and one status (None: all)."""
    cur = conn.execute(
        f"""select {", ".join(_FIELDS)}, updated_at from nex.dictionary_entries
             where (%(d)s::text is null or dataset = %(d)s) and (%(s)s::text is null or status = %(s)s)
             order by updated_at desc, dataset, column_name
             limit %(n)s""",
        {"d": dataset, "s": status, "n": limit},
    )
    return [(Entry(**dict(zip(_FIELDS, row[:-1], strict=True))), row[-1]) for row in cur.fetchall()]
