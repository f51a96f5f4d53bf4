"""``nex dictionary accept``: a person accepts a model's suggestion (or edits a person's entry). The
override file is written first, then the entry and its version row: if the second step fails, the next
dictionary build applies the file all the same, so an acceptance is never lost."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg

from nex_assets.dictionary import store
from nex_assets.dictionary.build import overrides_path
from nex_assets.dictionary.logic import review as R
from nex_assets.dictionary.logic.models import (
    REJECTED,
    TABLE,
    Entry,
    OverrideError,
    Overrides,
    load_overrides,
)
from nex_assets.dictionary.logic.review import ReviewError


@dataclass
class Accepted:
    entry: Entry
    path: Path
    reason: str


def accept(
    conn: psycopg.Connection,
    *,
    project_dir: Path,
    dataset: str,
    name: str,
    by: str,
    text: str | None = None,
) -> Accepted:
    """Writes the override file and the entry's new version; raises ``ReviewError`` (naming the file
    when it is the problem) and then changes nothing."""
    entries = store.load_entries(conn, dataset)
    if not entries:
        raise ReviewError(f"no dictionary for {dataset!r}; materialize {dataset}/dictionary first")
    column = R.resolve(name, set(entries))
    if column is None:
        known = ", ".join(sorted(c for c in entries if c != TABLE))
        raise ReviewError(f"{dataset} has no entry {name!r}: its columns are {known}, its table is (table)")
    entry = entries[column]
    path = overrides_path(project_dir, dataset)
    columns = {c for c in entries if c != TABLE}
    try:
        current = load_overrides(path, columns)
    except OverrideError as exc:
        raise ReviewError(f"{exc} (fix it first; nothing was written)") from exc
    fields = R.override_fields(entry, current.for_column(column), by, text)
    old_text = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        new_text = R.set_override(old_text, dataset, column, fields)
    except ReviewError as exc:
        raise ReviewError(f"{path}: {exc}") from exc
    written = _write_checked(path, new_text, columns)
    accepted = R.accepted_entry(entry, written.for_column(column), by)
    reason = "edited" if entry.source == R.OVERRIDE_SOURCE else "accepted"
    store.save(conn, [(accepted, reason)], [], run_id=None)
    return Accepted(accepted, path, reason)


def reject(conn: psycopg.Connection, *, dataset: str, name: str, by: str) -> Entry:
    """Marks a written-by-machine entry rejected (a version row says by whom). It stays rejected through
    rebuilds until its column's profile changes, when a new suggestion is written for review; a person's
    own text is changed by editing it, not rejected."""
    entries = store.load_entries(conn, dataset)
    column = R.resolve(name, set(entries))
    if column is None:
        raise ReviewError(f"{dataset} has no entry {name!r}")
    entry = entries[column]
    if entry.source == R.OVERRIDE_SOURCE:
        raise ReviewError(f"{entry.ref} is a person's text ({entry.status}); edit it instead")
    if entry.status == REJECTED:
        return entry
    rejected = entry.model_copy(update={"status": REJECTED, "author": by, "version": entry.version + 1})
    store.save(conn, [(rejected, "rejected")], [], run_id=None)
    return rejected


def _write_checked(path: Path, text: str, columns: set[str]) -> Overrides:
    """Replaces the file only once the new text reads back as valid overrides (a temporary file renamed
    over it: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.accept")
    tmp.write_text(text, encoding="utf-8")
    try:
        written = load_overrides(tmp, columns)
    except OverrideError as exc:
        tmp.unlink()
        raise ReviewError(f"{path}: the new text would not read back ({exc}); nothing was written") from exc
    os.replace(tmp, path)
    return written


def refresh_search(conn: psycopg.Connection, dataset: str) -> int:
    """Embeds the dataset's changed entries again, so that search ranks an accepted entry first now
    rather than after the next ``<dataset>/embeddings``; returns how many it embedded."""
    from nex_assets.llm.embedder import get_embedder
    from nex_assets.search.index import sync_entries

    entries = list(store.load_entries(conn, dataset).values())
    return sync_entries(conn, dataset, entries, get_embedder()).embedded
