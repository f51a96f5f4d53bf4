"""Text-to-SQL a small model can do well: the pure parts.

A 1.5B model on two CPU cores cannot browse a catalogue through tool calls; it can write one query
when the prompt holds only the tables that matter. ``rank_tables`` links the question to tables
(the dictionary entries retrieval found, plus the words of table and column names and their
descriptions); ``prompt`` writes those tables as compact DDL with their meanings, the facts the
platform computed (model outputs) marked as such; ``clean_sql`` takes the model's query as it comes.
``match_fact`` answers without any model when a question asks for a fact the platform computed.
"""

from __future__ import annotations

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
        # Marts and computed tables are the cleaned, typed shape of the data: preferred over raw
        # among tables the question is about (an unrelated table stays out).
        if score > 0 and t.name.startswith(("marts.", "predictions.")):
            score += 0.2
        elif score > 0 and t.name.startswith("raw."):
            score -= 0.1
        scored.append((score, t.name, t))
    scored.sort(key=lambda s: (-s[0], s[1]))
    picked: list[Table] = []
    for score, _, t in scored:
        if len(picked) == k or (score <= 0 and picked):
            break
        # A raw table whose columns a cleaned model above it already holds adds tokens, not answers.
        names = {c.name for c in t.columns}
        if t.name.startswith("raw.") and any(
            len(names & {c.name for c in p.columns}) >= 0.8 * len(names) for p in picked
        ):
            continue
        picked.append(t)
    return picked


def ddl(table: Table, max_description: int = 50) -> str:
    """The table as a model reads schemas best: DDL, each column's meaning as a short comment (every
    token costs prompt time on a CPU)."""
    lines = [f"-- {_short(table.description, 100)}" if table.description else ""]
    if table.computed:
        lines.append("-- computed by the platform's models (a fact to read, not raw data)")
    cols = []
    for i, c in enumerate(table.columns):
        comma = "," if i < len(table.columns) - 1 else ""
        note = f"  -- {_short(c.description, max_description)}" if c.description else ""
        cols.append(f"  {_quoted(c.name)} {c.type}{comma}{note}")
    body = "\n".join(cols)
    return "\n".join(line for line in lines if line) + f"\ncreate table {table.name} (\n{body}\n);"


def _short(text: str, limit: int) -> str:
    # Rule-based entries open with their kind ("Category: region. ..."): the name says that already.
    text = re.sub(
        r"^(Identifier or code|Category|Numeric measure|Count|Date or period|Flag|Text): ", "", text
    )
    text = text.split(" [")[0].strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


def prompt(
    question: str,
    tables: list[Table],
    error: str | None = None,
    previous: str | None = None,
    fact: Fact | None = None,
):
    """The messages for one attempt; a repair attempt says why the last query failed. A computed
    fact the question is about comes with the query that reads it, as an example."""
    schema = "\n\n".join(ddl(t) for t in tables)
    known = f"\n\nThe platform computed this ({fact.says}):\n{fact.sql}" if fact else ""
    # A repair restates the task with what went wrong, rather than showing the failed query back:
    # a small model shown its own query copies it, mistake included.
    failed = ""
    if error and previous:
        failed = f"\n\nA previous query failed: {error}.{repair_hint(error, tables)}"
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Tables:\n{schema}{known}{failed}\n\nQuestion: {question}"},
    ]


def repair_hint(error: str, tables: list[Table]) -> str:
    """What a small model needs after a wrong name: where the column it wanted is (it tends to keep
    the table and repeat the mistake), or which tables there are."""
    column = re.search(r'column "?(?:\w+\.)?(\w+)"? does not exist', error)
    if column:
        name = column.group(1)
        holders = [t.name for t in tables if any(c.name == name for c in t.columns)]
        if holders:
            return f"\n{name} is a column of: {', '.join(holders)} (join or use that table)."
        return f"\nNo table given has a column {name}; use only the columns listed."
    if re.search(r'relation "?[\w.]+"? does not exist', error):
        return f"\nThe tables are: {', '.join(t.name for t in tables)}."
    return ""


def refocus(error: str, previous: str, tables: list[Table]) -> list[Table]:
    """The tables for the next attempt: after a column it wanted was not where it looked, the tables
    that hold that column first, and the table it misused out (small models repeat a mistake the
    prompt still invites)."""
    column = re.search(r'column "?(?:\w+\.)?(\w+)"? does not exist', error)
    if not column:
        return tables
    name = column.group(1)
    holders = [t for t in tables if any(c.name == name for c in t.columns)]
    if not holders:
        return tables
    misused = [t for t in tables if t not in holders and re.search(rf"\b{re.escape(t.name)}\b", previous)]
    return holders + [t for t in tables if t not in holders and t not in misused]


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


_FIRST = frozenset({"most", "best", "highest", "largest", "biggest", "top", "strongest"})
_LAST = frozenset({"least", "lowest", "smallest", "worst", "weakest", "fewest"})


def ranked(question: str, sql: str) -> str:
    """A fact's query (its rows ordered from most to least) cut to what a "which ... most" or
    "which ... least" question asks for: the first rows, or the last ones in reverse."""
    text = question.lower()
    asked = set(_WORD.findall(text))
    count = re.search(r"\btop (\d+)\b|\b(\d+) (?:most|least|best|worst)\b", text)
    n = int(next(g for g in count.groups() if g)) if count else 1
    if asked & _FIRST and not asked & _LAST:
        return f"select * from (\n{sql}\n) as fact limit {n}"
    if asked & _LAST:
        return (
            "select * from (select *, row_number() over () as position from (\n"
            f"{sql}\n) as fact) as numbered order by position desc limit {n}"
        )
    return sql


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
