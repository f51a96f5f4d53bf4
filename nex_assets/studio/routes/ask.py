"""Ask: a conversation with the data. The answer streams (newline-delimited JSON: text as it is written,
each tool call with its SQL, result table and chart as it ends); conversations are listed, resumed,
renamed and deleted; an answer's SQL opens in the query editor, which runs through the same read-only
path as every tool."""

from __future__ import annotations

import json
import queue
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from nex_assets.chat import conversations, tools
from nex_assets.chat.personas import PersonaError, load_persona, personas_path
from nex_assets.core import db as nexdb
from nex_assets.studio.logic import security
from nex_assets.studio.routes import results
from nex_assets.studio.web import Refused, back, checked_form, context, page, studio_settings


def _personas() -> list[str]:
    from nex_assets.chat.logic.personas import persona_table
    from nex_assets.common.yaml_files import read_yaml

    path = personas_path()
    try:
        table = persona_table(read_yaml(path, PersonaError) or {}) if path.exists() else {}
    except PersonaError:  # a broken personas file is `nex doctor`'s to report; the page still asks
        table = {}
    return ["default", *sorted(k for k, v in table.items() if isinstance(v, dict) and k != "default")]


def _store(request: Request):
    return nexdb.connect(request.app.state.database, autocommit=True)


def _shown(rows: list[dict], csrf: str) -> list[dict]:
    """Stored messages as the page shows them: tool results as tables and charts."""
    out = []
    for m in rows:
        item = {"role": m["role"], "content": m["content"] or "", "tool": m["tool_name"]}
        output = m["tool_output"] if isinstance(m["tool_output"], dict) else None
        if m["role"] == "tool" and output and "columns" in output:
            item["result_html"] = results.html(
                {**output, "sql": output.get("sql") or (m["tool_input"] or {}).get("query")}, csrf
            )
        elif m["role"] == "assistant" and isinstance(m["tool_input"], dict) and m["tool_input"].get("sql"):
            item["sql"] = m["tool_input"]["sql"]
        if item["content"] or item.get("result_html") or item.get("sql"):
            out.append(item)
    return out


def ask_page(request: Request):
    cid = request.path_params.get("cid")
    with _store(request) as store:
        listed = conversations.listed(store, studio_settings().conversations_listed)
        current, messages = None, []
        if cid is not None:
            current = next((c for c in listed if c["id"] == cid), None)
            if current is None and not conversations.exists(store, cid):
                raise Refused(f"no conversation {cid}", 404)
            if current is None:
                current = {"id": cid, "title": cid, "persona": "default"}
            messages = _shown(conversations.transcript(store, cid), request.state.csrf)
    return page(
        request,
        "ask.html",
        title="Ask · NEX Studio",
        conversations=listed,
        current=current,
        messages=messages,
        personas=_personas(),
        # A suggested question (Explore > Metrics) arrives filled in, to be asked or edited.
        asked=request.query_params.get("q", "")[:500],
    )


async def ask_stream(request: Request):
    if not security.origin_ok(request.headers.get("origin"), request.headers.get("host")):
        raise Refused("this request came from another site's page", 403)
    cookie = request.cookies.get(security.CSRF_COOKIE)
    if not security.csrf_ok(request.headers.get("x-csrf-token"), cookie, request.app.state.secret):
        raise Refused("the CSRF token is missing or stale: reload the page", 403)
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Refused(f"the request body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise Refused("the request body must be a JSON object with a question")
    question = str(body.get("question") or "").strip()
    if not question:
        raise Refused("ask needs a question")
    try:
        persona = load_persona(body.get("persona") or None)
    except PersonaError as exc:
        raise Refused(str(exc)) from exc
    cid = body.get("conversation_id") or None
    csrf = request.state.csrf
    database = request.app.state.database
    events: queue.Queue = queue.Queue()

    def work() -> None:
        from nex_assets.chat.ask import ask
        from nex_assets.chat.context import ToolContext
        from nex_assets.llm import LLM

        # A context of its own: the answer runs in this thread while the page's threads serve others.
        try:
            with ToolContext.open(database) as ctx:
                client = LLM.client(
                    ctx.database,
                    asking=True,
                    on_start=lambda note: events.put({"type": "status", "text": note}),
                )
                try:
                    answer = ask(
                        ctx,
                        question,
                        client=client,
                        persona=persona,
                        conversation_id=cid,
                        on_text=lambda t: events.put({"type": "text", "text": t}),
                        on_event=lambda e: events.put(_tool_event(e, csrf)),
                    )
                finally:
                    client.close()
            events.put(
                {
                    "type": "done",
                    "conversation_id": answer.conversation_id,
                    "text": answer.text if answer.fallback else None,
                    "model": answer.model,
                    "cited": [e.ref for e in answer.cited],
                }
            )
        except Exception as exc:  # shown in the page; the conversation keeps what was stored
            events.put({"type": "error", "error": str(exc)})
        finally:
            events.put(None)

    threading.Thread(target=work, name="studio-ask", daemon=True).start()

    def stream():
        while (event := events.get()) is not None:
            yield json.dumps(event, default=str) + "\n"

    return StreamingResponse(
        stream(), media_type="application/x-ndjson", headers={"cache-control": "no-store"}
    )


def _tool_event(event: dict, csrf: str) -> dict:
    out = {"type": "tool", "tool": event.get("tool"), "error": event.get("error")}
    out["arguments"] = json.dumps(event.get("arguments") or {}, default=str)[:2000]
    if event.get("sql") is not None:
        out["html"] = results.html(event, csrf)
    return out


async def rename(request: Request):
    form = await checked_form(request)
    cid = request.path_params["cid"]

    def work() -> None:
        with _store(request) as store:
            conversations.rename(store, cid, str(form.get("title") or ""))

    try:
        await run_in_threadpool(work)
    except (ValueError, conversations.ConversationNotFound) as exc:
        raise Refused(str(exc)) from exc
    return back(f"/ask/{cid}")


async def delete(request: Request):
    await checked_form(request)

    def work() -> None:
        with _store(request) as store:
            conversations.delete(store, request.path_params["cid"])

    try:
        await run_in_threadpool(work)
    except conversations.ConversationNotFound as exc:
        raise Refused(str(exc), 404) from exc
    return back("/ask")


async def feedback(request: Request):
    """The conversation's last answer marked right (a suggested example, for review) or wrong."""
    from nex_assets.chat import examples
    from nex_assets.studio.web import who

    form = await checked_form(request)
    cid = request.path_params["cid"]
    verdict = str(form.get("verdict") or "")
    if verdict not in ("right", "wrong"):
        raise Refused("verdict must be right or wrong")

    def work() -> None:
        with _store(request) as store:
            examples.mark(store, cid, verdict == "right", who(form))

    try:
        await run_in_threadpool(work)
    except examples.ExampleError as exc:
        raise Refused(str(exc)) from exc
    return back(f"/ask/{cid}")


async def query_page(request: Request):
    sql = request.query_params.get("sql", "")
    result, error = None, None
    if request.method == "POST":
        form = await checked_form(request)
        sql = str(form.get("sql") or "")
        try:
            out = await run_in_threadpool(lambda: tools.run_query(context(request), sql))
            result = results.view(out)
        except tools.ToolError as exc:
            error = str(exc)
    return page(request, "query.html", title="Query · NEX Studio", sql=sql, result=result, error=error)


routes = [
    Route("/ask", ask_page),
    Route("/ask/stream", ask_stream, methods=["POST"]),
    Route("/ask/{cid}", ask_page),
    Route("/ask/{cid}/rename", rename, methods=["POST"]),
    Route("/ask/{cid}/delete", delete, methods=["POST"]),
    Route("/ask/{cid}/feedback", feedback, methods=["POST"]),
    Route("/query", query_page, methods=["GET", "POST"]),
]
