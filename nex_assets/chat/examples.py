"""People close the loop: an answer marked right becomes a suggested example (the question and the
metric query or SQL that answered it), reviewed like a dictionary entry; a verified example answers
a question worded like it again, by running its query anew. An answer marked wrong is kept as such and
never reused."""

from __future__ import annotations

import json
import re

import psycopg

STATUSES = ("suggested", "verified", "wrong", "rejected")


class ExampleError(LookupError):
    pass


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def similarity(a: str, b: str) -> float:
    """Shared words over all words: 1.0 for the same question, however it is spaced or cased."""
    x, y = words(a), words(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def mark(store: psycopg.Connection, conversation_id: str, right: bool, who: str) -> int:
    """Records the conversation's last answer as right (a suggested example) or wrong."""
    question = store.execute(
        "select content from nex.chat_messages where conversation_id = %s and role = 'user' "
        "order by id desc limit 1",
        (conversation_id,),
    ).fetchone()
    # The query that answered last: one the one-query path ran (its message holds the SQL and any
    # metric query), or the last query tool a model called that did not fail.
    answer = store.execute(
        """select role, tool_input, tool_output from nex.chat_messages
            where conversation_id = %s
              and ((role = 'assistant' and jsonb_typeof(tool_input) = 'object' and tool_input ? 'sql')
                   or (role = 'tool' and tool_name in ('run_query', 'query_metrics')
                       and not coalesce(tool_output ? 'error', false)))
            order by id desc limit 1""",
        (conversation_id,),
    ).fetchone()
    if question is None or answer is None:
        raise ExampleError(f"conversation {conversation_id} has no answered query to mark")
    role, given, output = answer
    if role == "tool":
        output = output or {}
        given = {
            "sql": output.get("sql") or (given or {}).get("query"),
            "metric_query": output.get("metric_query"),
        }
    if not given.get("sql"):
        raise ExampleError(f"conversation {conversation_id} has no answered query to mark")
    return store.execute(
        "insert into nex.verified_examples (question, metric_query, sql, status, conversation_id, marked_by) "
        "values (%s, %s, %s, %s, %s, %s) returning id",
        (
            question[0],
            json.dumps(given.get("metric_query")) if given.get("metric_query") else None,
            given["sql"],
            "suggested" if right else "wrong",
            conversation_id,
            who,
        ),
    ).fetchone()[0]


def review(store: psycopg.Connection, example_id: int, accept: bool, who: str) -> None:
    done = store.execute(
        "update nex.verified_examples set status = %s, reviewed_by = %s, reviewed_at = now() "
        "where id = %s and status = 'suggested' returning id",
        ("verified" if accept else "rejected", who, example_id),
    ).fetchone()
    if done is None:
        raise ExampleError(f"no suggested example {example_id} to review")


def listed(store: psycopg.Connection, status: str | None = None) -> list[dict]:
    cur = store.execute(
        "select id, question, status, metric_query, sql, marked_by, reviewed_by from nex.verified_examples "
        "where %(s)s::text is null or status = %(s)s order by id",
        {"s": status},
    )
    names = [c.name for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def nearest(store: psycopg.Connection, question: str, min_similarity: float) -> dict | None:
    """The verified example worded most like the question, if it is close enough."""
    best, score = None, 0.0
    for example in listed(store, "verified"):
        s = similarity(question, example["question"])
        if s > score:
            best, score = example, s
    return best if best is not None and score >= min_similarity else None
