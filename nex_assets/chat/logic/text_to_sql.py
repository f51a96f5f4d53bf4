"""Text-to-SQL a small model can do well: the pure parts.

A 1.5B model on two CPU cores cannot browse a catalogue through tool calls; it can write one query
when the prompt holds only the tables that matter. ``rank_tables`` links the question to tables
(the dictionary entries retrieval found, plus the words of table and column names and their
descriptions); ``prompt`` writes those tables as compact DDL with their meanings, the facts the
platform computed (model outputs) marked as such; ``clean_sql`` takes the model's query as it comes.
``match_fact`` answers without any model when a question asks for a fact the platform computed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z][a-z0-9]+")
# Words that say nothing about which table a question is about.
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "did",
        "do",
        "does",
        "each",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "in",
        "is",
        "it",
        "its",
        "many",
        "much",
        "of",
        "on",
        "or",
        "per",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "most",
        "least",
        "more",
        "less",
        "all",
        "any",
        "our",
        "we",
        "us",
        "show",
        "give",
        "list",
        "me",
        "tell",
    ]
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str  # schema.table
    description: str = ""
    columns: tuple[Column, ...] = ()
    # A model's output (predictions.*): what the platform computed, offered as a fact.
    computed: bool = False


@dataclass
class Fact:
    """A question the platform answers from its own results, with the query that reads them."""

    name: str
    words: frozenset[str]
    sql: str
    says: str  # how the answer reads, e.g. "Most responsive to price, by average elasticity"
    needs: frozenset[str] = field(default_factory=frozenset)  # at least one of these words must appear


def words(text: str) -> set[str]:
    """Lower-case words with a crude plural and -ing/-ed folding: enough to match names to questions."""
    out = set()
    for w in _WORD.findall(text.lower().replace("_", " ")):
        if w in _STOP:
            continue
        for suffix in ("ies", "es", "s", "ing", "ed"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)] + ("y" if suffix == "ies" else "")
                break
        out.add(w)
    return out


def rank_tables(
    question: str, tables: Iterable[Table], retrieved: Mapping[str, float], k: int
) -> list[Table]:
    """The ``k`` tables most about the question: a retrieval score counts most, then the question's
    words in the table's name, its columns' names, and their descriptions."""
    asked = words(question)
    scored = []
    for t in tables:
        name_words = words(t.name.split(".", 1)[-1])
        column_words = set().union(*(words(c.name) for c in t.columns)) if t.columns else set()
        text_words = words(t.description) | set().union(*(words(c.description) for c in t.columns))
        score = (
            3.0 * retrieved.get(t.name, 0.0)
            + 1.0 * len(asked & name_words)
            + 0.8 * len(asked & column_words)
            + 0.3 * len(asked & text_words)
        )
        # Marts and staging models are the cleaned, typed shape of the same data: preferred over raw.
        if t.name.startswith(("marts.", "predictions.")):
            score += 0.2
        elif t.name.startswith("raw."):
            score -= 0.2
        scored.append((score, t.name, t))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [t for score, _, t in scored[:k] if score > 0] or [t for _, _, t in scored[: min(k, 2)]]


def ddl(table: Table, max_description: int = 70) -> str:
    lines = [f"-- {table.description[:160]}" if table.description else ""]
    if table.computed:
        lines.append("-- computed by the platform's models (a fact to read, not raw data)")
    cols = []
    for c in table.columns:
        note = f"  -- {c.description[:max_description]}" if c.description else ""
        cols.append(f"  {_quoted(c.name)} {c.type}{note}")
    body = ",\n".join(cols)
    return "\n".join(line for line in lines if line) + f"\ncreate table {table.name} (\n{body}\n);"


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _RESERVED else f'"{name}"'


# Column names a query must quote in PostgreSQL (a predictions table has a column called "group").
_RESERVED = frozenset(
    {"group", "order", "user", "table", "select", "where", "limit", "offset", "desc", "asc"}
)

SYSTEM = (
    "You write one PostgreSQL SELECT query that answers the user's question from the tables given. "
    "Use only those tables and columns, qualified with their schema. Quote column names that are SQL "
    'keywords ("group"). For "which ... most" questions order by the measure and limit to the rows '
    "asked for (1 when not said). Round nothing unless asked. Never select personal data. "
    'Answer with JSON only: {"sql": "<the query>"}.'
)


def prompt(question: str, tables: list[Table], error: str | None = None, previous: str | None = None):
    """The messages for one attempt; a repair attempt carries the last query and why it failed."""
    schema = "\n\n".join(ddl(t) for t in tables)
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Tables:\n{schema}\n\nQuestion: {question}"},
    ]
    if error and previous:
        messages += [
            {"role": "assistant", "content": '{"sql": ' + json.dumps(previous) + "}"},
            {"role": "user", "content": f"That query failed: {error}\nWrite a corrected query."},
        ]
    return messages


def clean_sql(text: str) -> str:
    """The query as a model writes it, without code fences, leading prose or trailing semicolons."""
    sql = text.strip()
    fenced = re.search(r"```(?:sql)?\s*(.*?)```", sql, re.S | re.I)
    if fenced:
        sql = fenced.group(1).strip()
    start = re.search(r"\b(with|select)\b", sql, re.I)
    if start:
        sql = sql[start.start() :]
    return sql.strip().rstrip(";").strip()


def match_fact(question: str, facts: Iterable[Fact]) -> Fact | None:
    """The computed fact a question asks for: the one sharing most words with it, among those whose
    required words it uses; None when none fits (then no query is made up)."""
    asked = words(question)
    best, best_score = None, 0
    for fact in facts:
        if fact.needs and not asked & fact.needs:
            continue
        score = len(asked & fact.words)
        if score > best_score:
            best, best_score = fact, score
    return best if best_score >= 2 else None
