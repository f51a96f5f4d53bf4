"""Dictionary review: entries written by a model or by rules, newest first, filtered by dataset and
status; accept, edit or reject each (the same override file and version rows as `nex dictionary
accept`), with every version of an entry and what changed between them."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from nex_assets.core import db as nexdb
from nex_assets.core import env
from nex_assets.dictionary import review as dictionary_review
from nex_assets.dictionary import store
from nex_assets.dictionary.logic.models import STATUSES, SUGGESTED, TABLE
from nex_assets.dictionary.logic.review import ReviewError
from nex_assets.studio import data
from nex_assets.studio.logic import diff
from nex_assets.studio.web import Refused, back, checked_form, context, page, studio_settings, who

ALL = "all"


def review_page(request: Request):
    dataset = request.query_params.get("dataset") or None
    status = request.query_params.get("status", SUGGESTED)
    if status != ALL and status not in STATUSES:
        raise Refused(f"no status {status!r}; one of {', '.join(STATUSES)} or all")
    ctx = context(request)
    rows = store.for_review(
        ctx.platform(), dataset, None if status == ALL else status, studio_settings().review_page_size
    )
    return page(
        request,
        "review.html",
        title="Dictionary review · NEX Studio",
        entries=[{"entry": e, "updated_at": at} for e, at in rows],
        datasets=sorted(ctx.datasets),
        dataset=dataset,
        status=status,
        statuses=[*STATUSES, ALL],
        notice=request.query_params.get("done"),
    )


def history_page(request: Request):
    dataset, column = request.path_params["dataset"], request.path_params["column"]
    column = TABLE if column == "(table)" else column
    versions = data.entry_history(context(request).platform(), dataset, column)
    if not versions:
        raise Refused(f"{dataset} has no entry {column or '(table)'}", 404)
    changes = [{"from": a, "to": b, "fields": diff.versions(a, b)} for a, b in itertools.pairwise(versions)]
    return page(
        request,
        "history.html",
        title=f"{dataset}.{column or '(table)'} · NEX Studio",
        dataset=dataset,
        column=column or "(table)",
        versions=versions,
        changes=list(reversed(changes)),
    )


async def act(request: Request):
    """One review action from the list's form: accept, edit (accept with text) or reject."""
    form = await checked_form(request)
    dataset, name, action = (str(form.get(k) or "") for k in ("dataset", "entry", "action"))
    by = who(form)
    text = str(form.get("text") or "").strip() or None
    if action == "edit" and not text:
        raise Refused("an edit needs the new text")

    def work() -> str:
        with nexdb.connect(request.app.state.database, autocommit=True) as conn:
            if action == "reject":
                entry = dictionary_review.reject(conn, dataset=dataset, name=name, by=by)
                return f"rejected {dataset}.{entry.ref} (v{entry.version})"
            if action not in {"accept", "edit"}:
                raise ReviewError(f"no action {action!r}")
            done = dictionary_review.accept(
                conn,
                project_dir=env.project_dir(),
                dataset=dataset,
                name=name,
                by=by,
                text=text if action == "edit" else None,
            )
            dictionary_review.refresh_search(conn, dataset)
            return f"{done.reason} {dataset}.{done.entry.ref} (v{done.entry.version}); wrote {done.path}"

    try:
        notice = await run_in_threadpool(work)
    except ReviewError as exc:
        raise Refused(str(exc)) from exc
    query = {
        k: v
        for k, v in {"dataset": form.get("filter_dataset"), "status": form.get("filter_status")}.items()
        if v
    }
    return back(f"/review?{urlencode({**query, 'done': notice})}")


routes = [
    Route("/review", review_page),
    Route("/review/act", act, methods=["POST"]),
    Route("/review/{dataset}/{column}", history_page),
]
