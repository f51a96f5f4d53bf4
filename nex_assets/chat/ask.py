"""`nex ask`: a question answered from the dictionary through read-only SQL.

Retrieval (pgvector search over the dictionary) picks the tables and columns a question is about;
an OpenAI-compatible model then works through the explorer tools until it can answer. The answer
streams as it is written and comes back with the SQL that ran and the dictionary entries it relied
on. Every message, tool input and tool output is stored, so a conversation can be resumed. With no
model configured it still helps: the most relevant entries and a starting query.
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from nex_assets.chat import conversations, text_to_sql, tools
from nex_assets.chat.context import ToolContext
from nex_assets.chat.personas import DEFAULT, Persona
from nex_assets.chat.retrieval import Entry, retrieve, starting_query
from nex_assets.common import markdown
from nex_assets.core import db as nexdb

# Rows of a one-query answer shown in its text (all of them are in the query result).
ANSWER_ROWS = 10
# Rows of each query's result kept with the answer for a page to show as a table or chart.
RESULT_ROWS = 500


@dataclass
class Answer:
    text: str
    conversation_id: str | None = None
    queries: list[dict] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    cited: list[Entry] = field(default_factory=list)
    tool_calls: list[dict] = field(default_factory=list)
    model: str | None = None
    fallback: bool = False
    starting_query: str | None = None
    retrieval_ms: float = 0.0

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "conversation_id": self.conversation_id,
            "queries": self.queries,
            "cited": [e.__dict__ for e in self.cited],
            "entries": [e.__dict__ for e in self.entries],
            "tool_calls": self.tool_calls,
            "model": self.model,
            "fallback": self.fallback,
            "starting_query": self.starting_query,
            "retrieval_ms": round(self.retrieval_ms, 1),
        }


def _fit(out: dict, max_chars: int) -> str:
    """A tool result small enough for the model's context, still valid JSON: rows are dropped first."""
    text = json.dumps(out, default=str)
    if len(text) <= max_chars:
        return text
    if isinstance(out.get("rows"), list):
        rows = out["rows"]
        keep = len(rows)
        while keep > 1:
            keep //= 2
            text = json.dumps({**out, "rows": rows[:keep], "rows_left_out": len(rows) - keep}, default=str)
            if len(text) <= max_chars:
                return text
    return json.dumps({"partial_output": text[:max_chars], "note": "cut to fit; ask for less"})


def _context_message(entries: list[Entry]) -> str:
    if not entries:
        return (
            "No dictionary entries matched this question (the dictionary may not be built yet); "
            "use list_tables and get_table_info to find the data."
        )
    lines = "\n".join(e.line() for e in entries)
    return f"Dictionary entries and documents closest to the question (cite them as [ref]):\n{lines}"


def _read_stream(stream, on_text: Callable[[str], None]) -> tuple[str, list[dict]]:
    parts: list[str] = []
    calls: dict[int, dict] = {}
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        if delta.content:
            parts.append(delta.content)
            on_text(delta.content)
        for tc in delta.tool_calls or []:
            slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
            slot["id"] = tc.id or slot["id"]
            if tc.function is not None:
                slot["name"] = tc.function.name or slot["name"]
                slot["arguments"] += tc.function.arguments or ""
    ordered = [calls[i] for i in sorted(calls)]
    for i, c in enumerate(ordered):
        c["id"] = c["id"] or f"call_{i}"
    return "".join(parts), ordered


def ask(
    ctx: ToolContext,
    question: str,
    *,
    client=None,
    persona: Persona = DEFAULT,
    conversation_id: str | None = None,
    on_text: Callable[[str], None] = lambda _text: None,
    on_event: Callable[[dict], None] = lambda _event: None,
) -> Answer:
    """Answers ``question``; ``client`` is an LLM client (``nex_assets.llm``), None or unconfigured for
    the help-without-a-model answer. ``on_event`` hears of each tool call as it ends (tool, arguments,
    and for a query its SQL, columns and rows as the read-only path returned them)."""
    if not question.strip():
        raise ValueError("ask needs a question")
    settings = ctx.settings.ask
    started = time.perf_counter()
    try:
        entries = retrieve(ctx, question, settings.retrieve_k)
    except Exception as exc:  # no dictionary search (embedder or index missing): the tools still answer
        warnings.warn(f"dictionary search failed, answering without it: {exc}", stacklevel=2)
        entries = []
    retrieval_ms = (time.perf_counter() - started) * 1000
    model = client.model if client is not None and client.configured else None
    # The conversation is written as it happens, on a connection of its own: the tools' are read-only.
    with nexdb.connect(ctx.database, autocommit=True) as store:
        if conversation_id is None:
            conversation_id = conversations.create(store, question, persona.name, model)
            history: list[dict] = []
        else:
            history = conversations.messages(store, conversation_id)
        conversations.add(store, conversation_id, "user", question)
        one_query = _one_query(ctx, client, model)
        found = None
        if one_query:
            retrieved = {e.table: max(e.score, 0.0) for e in entries if e.table}
            found = text_to_sql.answer(ctx, question, client if model else None, retrieved=retrieved)
        if found is not None and (found.answered or model is not None):
            answer = _from_query(found, model)
            for call, query in zip(answer.tool_calls, answer.queries, strict=False):
                on_event({**call, **query})
            conversations.add(
                store,
                conversation_id,
                "assistant",
                answer.text,
                tool_input={
                    "sql": found.sql,
                    "source": found.source,
                    "errors": found.errors,
                    "metric_query": found.metric_query,
                },
                model=model if found.source == "model" else None,
            )
            if not answer.fallback:  # a fallback answer is printed whole by the caller
                on_text(answer.text)
        elif model is None:
            answer = _without_model(ctx, entries, found.closest if found is not None else [])
            conversations.add(store, conversation_id, "assistant", answer.text)
        else:
            answer = _tool_loop(
                ctx, client, persona, question, entries, history, store, conversation_id, on_text, on_event
            )
    answer.conversation_id = conversation_id
    answer.entries = entries
    answer.retrieval_ms = retrieval_ms
    answer.cited = _cited(entries, answer)
    return answer


def _one_query(ctx: ToolContext, client, model: str | None) -> bool:
    """Whether the question is answered with one query (a computed fact or the model's SQL) rather
    than the tool loop: always without a model or with NEX's own small one, unless configured."""
    strategy = ctx.settings.text_to_sql.strategy
    if strategy != "auto":
        return strategy == "sql"
    return model is None or bool(getattr(client, "local", False))


def _from_query(found: text_to_sql.SqlResult, model: str | None) -> Answer:
    if found.answered:
        head = (
            found.says[:1].upper() + found.says[1:]
            if found.says
            else f"From {', '.join(found.tables) or 'the data'}"
        )
        shown = found.rows[:ANSWER_ROWS]
        more = (
            f"\n({len(found.rows)} rows; the first {ANSWER_ROWS} shown)"
            if len(found.rows) > ANSWER_ROWS
            else ""
        )
        text = f"{head}:\n\n{markdown.table(found.columns, shown)}{more}"
    else:
        text = (
            CANNOT
            + _closest(found.closest)
            + "\nNo query could be written and run: "
            + "; ".join(found.errors[-2:])
        )
    query = {"sql": found.sql, "error": None if found.answered else (found.errors[-1:] or [None])[0]}
    if found.answered:
        query |= {
            "row_count": len(found.rows),
            "tables": found.tables,
            "columns": found.columns,
            "rows": found.rows[:RESULT_ROWS],
        }
    return Answer(
        text=text,
        queries=[query] if found.sql else [],
        model=model if found.source == "model" else None,
        fallback=model is None,
        tool_calls=[{"tool": "run_query", "arguments": {"query": found.sql}, "source": found.source}]
        if found.sql
        else [],
    )


CANNOT = "I cannot answer that from these tables."


def _closest(metrics: list[str]) -> str:
    return f" The closest metrics: {', '.join(metrics[:5])} (`nex metrics list`)." if metrics else ""


def _without_model(ctx: ToolContext, entries: list[Entry], closest: list[str] = ()) -> Answer:
    query = starting_query(ctx, entries)
    lines = [CANNOT + _closest(list(closest)), f"{_no_model_reason()}, so here is where to start."]
    if entries:
        lines.append("\nMost relevant tables and columns:")
        lines += [
            f"  {e.table or e.ref}{'.' + e.column if e.column else ''}  {e.text[:140]}" for e in entries
        ]
    else:
        lines.append("\nThe dictionary has no entries yet; `nex query` and the tables below are a start.")
        lines += [f"  {t['table']}" for t in tools.list_tables(ctx)["tables"][:20]]
    if query:
        lines.append(f"\nA starting query (run it with `nex query`):\n  {query}")
    return Answer(text="\n".join(lines), fallback=True, starting_query=query)


def _no_model_reason() -> str:
    from nex_assets.llm.logic.local import llm_mode

    try:
        off = llm_mode(os.environ.get("NEX_LLM")) == "off"
    except ValueError:
        off = False
    if off:
        return "No LLM is configured: NEX_LLM=off keeps the rule-based writers"
    return (
        "No LLM is configured: `nex llm install` installs the local model (then `nex llm start`, or ask "
        "again), or set NEX_LLM_BASE_URL or OPENAI_API_KEY"
    )


def _tool_loop(
    ctx: ToolContext,
    client,
    persona: Persona,
    question: str,
    entries: list[Entry],
    history: list[dict],
    store: psycopg.Connection,
    conversation_id: str,
    on_text: Callable[[str], None],
    on_event: Callable[[dict], None],
) -> Answer:
    settings = ctx.settings.ask
    allowed = [
        t for t in tools.TOOLS.values() if persona.allowed_tools is None or t.name in persona.allowed_tools
    ]
    specs = [t.openai_spec() for t in allowed]
    messages = [
        {"role": "system", "content": persona.prompt()},
        *history,
        {"role": "system", "content": _context_message(entries)},
        {"role": "user", "content": question},
    ]
    answer = Answer(text="", model=client.model)
    for _round in range(settings.max_tool_rounds):
        try:
            text, calls = _read_stream(client.chat(messages, tools=specs, stream=True), on_text)
        except (
            Exception
        ) as exc:  # the endpoint failing (LLMUnavailable, a broken stream) ends the answer only
            answer.text = f"The model could not answer: {exc}"
            conversations.add(store, conversation_id, "assistant", answer.text, model=client.model)
            return answer
        if not calls:
            answer.text = text
            conversations.add(store, conversation_id, "assistant", text, model=client.model)
            return answer
        wire = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in calls
        ]
        messages.append({"role": "assistant", "content": text or None, "tool_calls": wire})
        conversations.add(
            store, conversation_id, "assistant", text or None, tool_input=wire, model=client.model
        )
        for call in calls:
            out, args = _run_tool(ctx, call, allowed)
            answer.tool_calls.append({"tool": call["name"], "arguments": args, "error": out.get("error")})
            event = {"tool": call["name"], "arguments": args, "error": out.get("error")}
            if call["name"] == "run_query":
                query = {"sql": out.get("sql") or args.get("query"), "error": out.get("error")} | {
                    k: out[k] for k in ("row_count", "truncated", "tables", "columns") if k in out
                }
                if "rows" in out:
                    query["rows"] = out["rows"][:RESULT_ROWS]
                answer.queries.append(query)
                event |= query
            on_event(event)
            content = _fit(out, settings.max_tool_output_chars)
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})
            conversations.add(
                store,
                conversation_id,
                "tool",
                None,
                tool_name=call["name"],
                tool_call_id=call["id"],
                tool_input=args,
                tool_output=json.loads(content),
            )
    answer.text = f"Stopped after {settings.max_tool_rounds} rounds of tool calls without a final answer."
    conversations.add(store, conversation_id, "assistant", answer.text, model=client.model)
    return answer


def _run_tool(ctx: ToolContext, call: dict, allowed: list[tools.Tool]) -> tuple[dict, dict]:
    try:
        args = json.loads(call["arguments"] or "{}")
    except json.JSONDecodeError as exc:
        return {"error": f"arguments of {call['name']} are not valid JSON: {exc}"}, {}
    if not isinstance(args, dict):
        return {"error": f"arguments of {call['name']} must be a JSON object"}, {}
    if call["name"] not in {t.name for t in allowed}:
        return {
            "error": f"tool {call['name']!r} is not available here; tools: {[t.name for t in allowed]}"
        }, args
    return tools.call(ctx, call["name"], args), args


def _cited(entries: list[Entry], answer: Answer) -> list[Entry]:
    """Entries the answer names as [ref], or whose table and column the SQL that ran used."""
    sql = " ".join(q["sql"] or "" for q in answer.queries if not q.get("error")).lower()
    used = {t for q in answer.queries if not q.get("error") for t in q.get("tables", [])}
    cited = []
    for e in entries:
        named = f"[{e.ref}]" in answer.text
        in_sql = e.table in used and (e.column is None or re.search(rf"\b{re.escape(e.column)}\b", sql))
        if named or in_sql:
            cited.append(e)
    return cited
