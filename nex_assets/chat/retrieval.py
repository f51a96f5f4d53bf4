"""Retrieval for `nex ask`: the dictionary entries (and document pages) a question is about, found
by pgvector search, and a starting query built from them for when no model answers."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from nex_assets.chat import tools
from nex_assets.chat.context import ToolContext

DICTIONARY_KINDS = ("table", "column")


@dataclass
class Entry:
    """A dictionary entry (or document page) handed to the model, cited as ``[ref]``."""

    ref: str
    kind: str
    table: str | None
    column: str | None
    text: str
    source: str
    score: float

    def line(self) -> str:
        return f"[{self.ref}] {self.text} (writer: {self.source})"


@contextmanager
def _torch_threads(embedder, threads: int):
    """One question is one short text: on the local model it embeds fastest on few threads, as torch's
    workers otherwise wait on each other (on a busy 2-core machine: 56 ms on one thread, 690 ms on
    two). The process's own setting is put back after, for whatever else runs in it."""
    from nex_assets.llm.embedder import LocalEmbedder

    if not isinstance(embedder, LocalEmbedder):
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _search_settings():
    """Read through the settings cache: a question should not pay for parsing YAML."""
    from nex_assets.core import settings
    from nex_assets.dictionary.logic.settings import DictionarySettings

    return settings.load(DictionarySettings).search


def retrieve(ctx: ToolContext, question: str, k: int) -> list[Entry]:
    """The dictionary entries (and document pages) closest to the question; none when nothing is
    embedded yet."""
    from nex_assets.llm.embedder import get_embedder
    from nex_assets.search import search

    embedder = get_embedder()
    with _torch_threads(embedder, ctx.settings.ask.embedding_threads):
        hits = search(
            ctx.platform(),
            question,
            k=k,
            embedder=embedder,
            settings=_search_settings(),
        )
    out = []
    for h in hits:
        if h.kind in DICTIONARY_KINDS:
            ref = f"{h.dataset}.{h.column}" if h.column else h.dataset
            out.append(Entry(ref, h.kind, h.table or f"raw.{h.dataset}", h.column, h.text, h.source, h.score))
        else:  # a document page (or any other kind written to the index): cited by file and page
            ref = h.metadata.get("citation") or h.ref or h.dataset
            out.append(Entry(ref, h.kind, None, None, h.text, h.source, h.score))
    return out


def starting_query(ctx: ToolContext, entries: list[Entry]) -> str | None:
    """A first SELECT over the most relevant table: its retrieved columns that are not personal data."""
    ranked: dict[str, float] = {}
    for e in entries:  # a table ranks by its closest entry, not by how many columns it has
        if e.table:
            ranked[e.table] = max(ranked.get(e.table, e.score), e.score)
    for table in sorted(ranked, key=ranked.get, reverse=True):
        try:
            schema, name = tools.resolve_table(ctx, table)
        except tools.ToolError:
            continue
        personal = ctx.sensitive_columns(schema, name)
        columns = [e.column for e in entries if e.table == table and e.column and e.column not in personal]
        if not columns:
            info = tools.get_table_info(ctx, f"{schema}.{name}")
            columns = [c["name"] for c in info["columns"] if not c["personal_data"]][:6]
        if not columns:
            continue
        cols = ", ".join(
            dict.fromkeys(f'"{c}"' if not re.fullmatch(r"[a-z_][a-z0-9_]*", c) else c for c in columns)
        )
        try:
            return tools.check_query(ctx, f"select {cols} from {schema}.{name} limit 20").sql
        except tools.ToolError:
            continue
    return None
