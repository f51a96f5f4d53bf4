"""Keeping ``nex.embeddings`` in step with the dictionary: only entries whose text changed (or that the
current embedder never saw) are embedded again; entries that disappeared are deleted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from nex_assets.dictionary.logic.models import TABLE, Entry
from nex_assets.dictionary.logic.rules import words

DICTIONARY_KINDS = ("table", "column")


def entry_text(entry: Entry) -> str:
    """What is embedded: names spelled out, the description, the meaning, unit and tags."""
    if entry.column_name == TABLE:
        head = f"Table {entry.dataset} ({words(entry.dataset)})."
    else:
        head = f"Column {entry.column_name} ({words(entry.column_name)}) of {entry.dataset}."
    parts = [head, entry.description, entry.business_meaning]
    if entry.unit:
        parts.append(f"Unit: {entry.unit}.")
    if entry.tags:
        parts.append("Tags: " + ", ".join(entry.tags) + ".")
    return " ".join(p.strip() for p in parts if p)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


@dataclass
class SyncResult:
    embedded: int
    unchanged: int
    deleted: int


def sync_entries(conn: psycopg.Connection, dataset: str, entries: list[Entry], embedder) -> SyncResult:
    """Upserts the dataset's dictionary rows for ``embedder``; all in one transaction."""
    wanted = {}
    for e in entries:
        text = entry_text(e)
        # Who wrote it is part of the hash: a reviewed entry ranks differently even with the same words
        # (accepting one makes it a person's, so its writer changes with its status).
        wanted[e.ref] = (e, text, text_hash(f"{e.source}:{e.writer}\n{text}"))
    have = dict(
        conn.execute(
            "select ref, text_hash from nex.embeddings where dataset = %s and embedder = %s "
            "and kind = any(%s)",
            (dataset, embedder.name, list(DICTIONARY_KINDS)),
        ).fetchall()
    )
    todo = [v for ref, v in wanted.items() if have.get(ref) != v[2]]
    vectors = embedder.embed([t for _, t, _ in todo]) if todo else []
    gone = [ref for ref in have if ref not in wanted]
    with conn.transaction():
        for (entry, text, digest), vector in zip(todo, vectors, strict=True):
            conn.execute(
                """insert into nex.embeddings (kind, dataset, ref, table_name, column_name, text, text_hash,
                       embedder, embedding, source, curated, metadata)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s::vector, %s, %s, %s)
                   on conflict (kind, dataset, ref, embedder) do update set
                       text = excluded.text, text_hash = excluded.text_hash, embedding = excluded.embedding,
                       source = excluded.source, curated = excluded.curated, metadata = excluded.metadata,
                       table_name = excluded.table_name, column_name = excluded.column_name,
                       updated_at = now()""",
                (
                    entry.kind,
                    dataset,
                    entry.ref,
                    f"raw.{dataset}",
                    entry.column_name or None,
                    text,
                    digest,
                    embedder.name,
                    vector_literal(vector),
                    f"{entry.source}: {entry.writer}",
                    # Accepted and curated entries rank first: a person stands behind their text.
                    entry.reviewed,
                    Jsonb(
                        {"version": entry.version, "description": entry.description, "status": entry.status}
                    ),
                ),
            )
        if gone:
            conn.execute(
                "delete from nex.embeddings where dataset = %s and embedder = %s and kind = any(%s) "
                "and ref = any(%s)",
                (dataset, embedder.name, list(DICTIONARY_KINDS), gone),
            )
    return SyncResult(embedded=len(todo), unchanged=len(wanted) - len(todo), deleted=len(gone))
