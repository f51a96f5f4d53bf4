"""Keeps a collection's chunks in ``nex.embeddings`` in step with its files.

Only files whose content (or the chunking and embedder settings) changed are parsed and embedded
again; removed files lose their chunks. Every write of one sync happens in one transaction, so a
search sees the collection before or after it, never a half. A file that cannot be read is
recorded with its reason (``nex.documents``, ``nex.load_failures``) and its previous chunks, if
any, stay searchable; the other files are embedded as usual.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from nex_assets.documents.logic.collections import Chunk, Collection, chunk_units, citation, document_kind
from nex_assets.documents.parsers import DocumentError, parse

EMBED_BATCH = 256


@dataclass
class FileResult:
    file: str
    kind: str
    status: str  # embedded | unchanged | failed | removed
    units: int = 0
    chunks: int = 0
    chars: int = 0
    error: str | None = None


@dataclass
class SyncResult:
    collection: str
    data_version: str
    files: list[FileResult]
    parse_s: float = 0.0
    embed_s: float = 0.0
    write_s: float = 0.0
    pages: int = 0
    chunks_written: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _vector(values: list[float]) -> str:
    return "[" + ",".join(f"{v:.7g}" for v in values) + "]"


def _stored(conn: psycopg.Connection, collection: str) -> dict[str, tuple]:
    rows = conn.execute(
        "select file, file_hash, settings_hash, error_hash, error, units, chunks, chars, kind "
        "from nex.documents where collection = %s",
        (collection,),
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _contents(collection: Collection, project_dir: Path, settings: str):
    root = collection.root(project_dir)
    paths = {_relative(p, root): p for p in collection.files(project_dir) if document_kind(p)}
    digests = {rel: _digest(p) for rel, p in paths.items()}
    version = hashlib.sha256(json.dumps([settings, sorted(digests.items())]).encode()).hexdigest()[:16]
    return paths, digests, version


def pending_version(collection: Collection, project_dir: Path) -> str:
    """The data version a sync would record now, from the files' content, without parsing them."""
    from nex_assets.llm.embedder import get_embedder

    return _contents(collection, project_dir, collection.settings_hash(get_embedder().name))[2]


def sync_collection(
    conn: psycopg.Connection,
    collection: Collection,
    project_dir: Path,
    embedder,
    *,
    run_id: str | None = None,
    force: bool = False,
) -> SyncResult:
    """Parses, chunks and embeds what changed in ``collection``; ``conn`` must not be in a transaction."""
    settings = collection.settings_hash(embedder.name)
    paths, digests, version = _contents(collection, project_dir, settings)
    stored = _stored(conn, collection.name)
    result = SyncResult(collection.name, version, [])

    parsed: dict[str, list[Chunk]] = {}
    failed: dict[str, str] = {}
    started = time.perf_counter()
    for rel, path in paths.items():
        kind = document_kind(path) or ""
        old = stored.get(rel)
        if not force and old and old[0] == digests[rel] and old[1] == settings:
            result.files.append(FileResult(rel, kind, "unchanged", old[4], old[5], old[6]))
            continue
        if not force and old and old[2] == digests[rel]:
            result.files.append(FileResult(rel, kind, "failed", error=old[3]))
            continue
        try:
            units = parse(path)
        except DocumentError as exc:
            failed[rel] = str(exc)
            result.files.append(FileResult(rel, kind, "failed", error=str(exc)))
            continue
        chunks = chunk_units(units, collection.chunking)
        parsed[rel] = chunks
        chars = sum(len(u.text) for u in units)
        result.files.append(FileResult(rel, kind, "embedded", len(units), len(chunks), chars))
    result.parse_s = time.perf_counter() - started

    started = time.perf_counter()
    texts = [c.text for chunks in parsed.values() for c in chunks]
    vectors: list[list[float]] = []
    for i in range(0, len(texts), EMBED_BATCH):
        vectors += embedder.embed(texts[i : i + EMBED_BATCH])
    result.embed_s = time.perf_counter() - started

    removed = sorted(set(stored) - set(paths))
    result.files += [FileResult(rel, stored[rel][7], "removed") for rel in removed]
    started = time.perf_counter()
    with conn.transaction():
        # One writer per collection at a time; a second sync waits, then finds nothing to do.
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"nex.documents.{collection.name}",))
        for rel in [*parsed, *removed]:
            conn.execute(
                "delete from nex.embeddings where kind = 'document' and dataset = %s "
                "and metadata->>'file' = %s",
                (collection.name, rel),
            )
        if removed:
            conn.execute(
                "delete from nex.documents where collection = %s and file = any(%s)",
                (collection.name, removed),
            )
        _write_chunks(conn, collection, parsed, digests, vectors, embedder.name, paths)
        for f in result.files:
            if f.status == "embedded":
                conn.execute(
                    """insert into nex.documents (collection, file, kind, file_hash, settings_hash, units,
                           chunks, chars, embedded_at, error, error_hash, failed_at)
                       values (%s, %s, %s, %s, %s, %s, %s, %s, now(), null, null, null)
                       on conflict (collection, file) do update set kind = excluded.kind,
                           file_hash = excluded.file_hash, settings_hash = excluded.settings_hash,
                           units = excluded.units, chunks = excluded.chunks, chars = excluded.chars,
                           embedded_at = now(), error = null, error_hash = null, failed_at = null""",
                    (collection.name, f.file, f.kind, digests[f.file], settings, f.units, f.chunks, f.chars),
                )
            elif f.file in failed:
                conn.execute(
                    """insert into nex.documents (collection, file, kind, error, error_hash, failed_at)
                       values (%s, %s, %s, %s, %s, now())
                       on conflict (collection, file) do update set error = excluded.error,
                           error_hash = excluded.error_hash, failed_at = now()""",
                    (collection.name, f.file, f.kind, f.error, digests[f.file]),
                )
                conn.execute(
                    "insert into nex.load_failures (dataset, source, reason, dagster_run_id) "
                    "values (%s, %s, %s, %s)",
                    (collection.name, str(paths[f.file]), (f.error or "")[:4000], run_id),
                )
    result.write_s = time.perf_counter() - started
    result.pages = sum(f.units for f in result.files if f.status == "embedded")
    result.chunks_written = len(texts)
    return result


def _write_chunks(
    conn: psycopg.Connection,
    collection: Collection,
    parsed: dict[str, list[Chunk]],
    digests: dict[str, str],
    vectors: list[list[float]],
    embedder: str,
    paths: dict[str, Path],
) -> None:
    columns = (
        "kind, dataset, ref, table_name, column_name, text, text_hash, embedder, embedding, source, metadata"
    )
    vectors_iter = iter(vectors)
    with conn.cursor() as cur, cur.copy(f"copy nex.embeddings ({columns}) from stdin") as copy:
        for rel, chunks in parsed.items():
            kind = document_kind(paths[rel])
            for chunk in chunks:
                metadata = {
                    "collection": collection.name,
                    "file": rel,
                    "page": chunk.page,
                    "location": chunk.label,
                    "chunk": chunk.index,
                    "citation": citation(rel, chunk.label),
                    "file_hash": digests[rel],
                }
                copy.write_row(
                    [
                        "document",
                        collection.name,
                        f"{citation(rel, chunk.label)} #{chunk.index}",
                        rel,
                        None,
                        chunk.text,
                        hashlib.sha256(chunk.text.encode()).hexdigest(),
                        embedder,
                        _vector(next(vectors_iter)),
                        f"document:{kind}",
                        json.dumps(metadata),
                    ]
                )
