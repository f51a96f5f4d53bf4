"""Semantic search over ``nex.embeddings``: the dictionary's table and column entries and any other
kind written there (documents). Candidates come from the HNSW index; they are then re-ranked so that
entries people wrote or accepted (``nex dictionary accept``), and datasets whose newest quality score
passed its checks, come first among equally close ones (an unknown quality ranks between a pass and a
fail)."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from nex_assets.core import settings as nex_settings
from nex_assets.dictionary.logic.settings import DictionarySettings, SearchSettings
from nex_assets.search.index import vector_literal


@dataclass
class Hit:
    kind: str
    dataset: str
    table: str | None
    column: str | None
    text: str
    score: float
    source: str
    similarity: float = 0.0
    curated: bool = False
    quality: str = "unknown"
    ref: str = ""
    metadata: dict = field(default_factory=dict)


def quality_status(conn: psycopg.Connection) -> dict[str, bool]:
    """checks_passed of each dataset's newest quality score; empty while no quality table exists."""
    if conn.execute("select to_regclass('nex.quality_scores')").fetchone()[0] is None:
        return {}
    rows = conn.execute(
        "select distinct on (dataset) dataset, checks_passed from nex.quality_scores "
        "order by dataset, scored_at desc"
    ).fetchall()
    return {d: bool(p) for d, p in rows if p is not None}


def rank(similarity: float, curated: bool, quality: bool | None, settings: SearchSettings) -> float:
    score = similarity + (settings.curated_boost if curated else 0.0)
    if quality is True:
        score += settings.quality_pass_boost
    elif quality is False:
        score -= settings.quality_fail_penalty
    return score


def search(
    conn: psycopg.Connection,
    query: str,
    *,
    dataset: str | None = None,
    k: int = 10,
    kinds: tuple[str, ...] | None = None,
    embedder=None,
    settings: SearchSettings | None = None,
) -> list[Hit]:
    from nex_assets.llm.embedder import get_embedder

    if not query.strip():
        raise ValueError("search needs a non-empty query")
    embedder = embedder or get_embedder()
    settings = settings or nex_settings.load(DictionarySettings).search
    vector = vector_literal(embedder.embed([query])[0])
    limit = max(k, settings.candidates)
    with conn.transaction():
        conn.execute(f"set local hnsw.ef_search = {max(settings.ef_search, limit):d}")
        rows = conn.execute(
            """select kind, dataset, table_name, column_name, text, source, curated, ref, metadata,
                      1 - (embedding <=> %(v)s::vector) as similarity
                 from nex.embeddings
                where embedder = %(e)s
                  and (%(d)s::text is null or dataset = %(d)s)
                  and (%(k)s::text[] is null or kind = any(%(k)s))
                order by embedding <=> %(v)s::vector
                limit %(n)s""",
            {"v": vector, "e": embedder.name, "d": dataset, "k": list(kinds) if kinds else None, "n": limit},
        ).fetchall()
    quality = quality_status(conn)
    hits = []
    for kind, ds, table, column, text, source, curated, ref, metadata, similarity in rows:
        q = quality.get(ds)
        hits.append(
            Hit(
                kind=kind,
                dataset=ds,
                table=table,
                column=column,
                text=text,
                score=round(rank(similarity, curated, q, settings), 4),
                source=source,
                similarity=round(similarity, 4),
                curated=curated,
                quality="unknown" if q is None else ("passed" if q else "failed"),
                ref=ref,
                metadata=metadata or {},
            )
        )
    hits.sort(key=lambda h: h.score, reverse=True)
    return hits[:k]
