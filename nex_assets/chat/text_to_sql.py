"""Questions answered with one query: the platform's own facts first, then a small model's SQL.

A question that asks for something the platform computed (elasticities, forecasts, next best offers,
scores: the recipes' predictions tables) is answered from those results with a fixed query from
``config/chat.yaml`` (``facts``), model or no model. Otherwise the model writes one query from a
prompt holding only the tables the question is about (``logic/text_to_sql.py``), constrained to a
JSON answer; each query passes the read-only checks and ``EXPLAIN`` before it runs, and a failure
is fed back for a bounded number of repairs. Every query runs through the same read-only path as
``nex query``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg
from pydantic import BaseModel, Field

from nex_assets.chat import tools
from nex_assets.chat.context import ToolContext
from nex_assets.chat.logic import text_to_sql as logic
from nex_assets.chat.readonly import QueryFailed

PREDICTIONS = "predictions"
# Columns every predictions table carries for lineage, which no question is about.
BOOKKEEPING = frozenset({"model_name", "model_version", "dagster_run_id", "scored_at"})


class SqlAnswer(BaseModel):
    """What the model must answer: the query alone."""

    # A cap in the schema gives a local model's string an end (under a grammar it otherwise writes to its
    # token limit); the longest query of the benchmark's gold set is 349 characters.
    sql: str = Field(json_schema_extra={"maxLength": 1500})


@dataclass
class SqlResult:
    question: str
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    source: str = "none"  # example | fact | metric | model | none
    fact: str | None = None
    says: str = ""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    # The metric query that answered, or the metrics closest to a question none fitted.
    metric_query: dict | None = None
    closest: list[str] = field(default_factory=list)
    example: int | None = None  # the verified example that answered
    metric_chosen_by: str = "words"  # words | model: who chose the metric of a metric query

    @property
    def answered(self) -> bool:
        return self.source in ("example", "fact", "metric", "model")


def catalogue(ctx: ToolContext) -> list[logic.Table]:
    """Every readable table with its columns and their meanings; personal columns are left out."""
    out = []
    for t in tools.list_tables(ctx)["tables"]:
        if t["table"].startswith("synthetic."):  # made-up rows never answer a question about the data
            continue
        try:
            info = tools.get_table_info(ctx, t["table"])
        except tools.ToolError:
            continue
        computed = t["table"].startswith(PREDICTIONS + ".")
        columns = tuple(
            logic.Column(c["name"], c["type"], c.get("description") or "")
            for c in info["columns"]
            if not c["personal_data"] and not (computed and c["name"] in BOOKKEEPING)
        )
        out.append(logic.Table(t["table"], info.get("description") or "", columns, computed))
    return out


def recipes() -> list:
    """The usable recipes (a broken recipe file is `nex doctor`'s to report, not a question's)."""
    from nex_assets.common.problems import Problems
    from nex_assets.ml.recipes import load_recipes

    return load_recipes(problems=Problems())


def facts(ctx: ToolContext, tables: list[logic.Table], recipes: list) -> list[logic.Fact]:
    """The configured fact queries, one per readable predictions table of a recipe of that family."""
    readable = {t.name for t in tables}
    out = []
    for recipe in recipes:
        table = f"{PREDICTIONS}.{recipe.predictions_table}"
        if table not in readable:
            continue
        for spec in ctx.settings.facts:
            if spec.family == recipe.family:
                out.append(
                    logic.Fact(
                        name=f"{recipe.name}.{spec.name}",
                        words=frozenset(logic.words(" ".join(spec.words))),
                        sql=spec.sql.format(table=table),
                        says=spec.says,
                        needs=frozenset(logic.words(" ".join(spec.needs))),
                    )
                )
    return out


def _run(ctx: ToolContext, result: SqlResult, sql: str, limit: int) -> None:
    out = tools.run_query(ctx, sql, limit)
    result.sql, result.columns, result.rows = out["sql"], out["columns"], out["rows"]
    result.tables = out.get("tables", [])


def explain(ctx: ToolContext, sql: str) -> None:
    """Plans the checked query as the reader role without running it: a wrong column or join fails
    here, cheaply, with the database's own words."""
    checked = tools.check_query(ctx, sql)
    conn = ctx.reader()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select set_config('statement_timeout', %s, true)",
                (f"{int(ctx.settings.statement_timeout_s * 1000)}ms",),
            )
            cur.execute("explain " + checked.sql)  # no parameters: the text is not a template
    except psycopg.Error as exc:  # said as the database says it
        diag = getattr(exc, "diag", None)
        raise tools.ToolError((diag.message_primary if diag else None) or str(exc).splitlines()[0]) from exc
    finally:
        if not conn.closed:
            conn.rollback()


def answer(
    ctx: ToolContext,
    question: str,
    client=None,
    *,
    retrieved: dict[str, float] | None = None,
    limit: int = 50,
    known_recipes: list | None = None,
) -> SqlResult:
    """The question answered by a computed fact, else through a metric of the semantic layer, else
    by the model's query (with repairs), else not."""
    from nex_assets.chat import metric_query

    started = time.perf_counter()
    settings = ctx.settings.text_to_sql
    result = SqlResult(question)
    tables = catalogue(ctx)
    fact = logic.match_fact(
        question, facts(ctx, tables, recipes() if known_recipes is None else known_recipes)
    )
    model = client is not None and client.configured
    if metric_query.from_example(ctx, result, limit):
        result.elapsed_s = time.perf_counter() - started
        return result
    if fact is not None and not model:
        # No model: a computed fact the question asks for is the answer, before any metric.
        _fact(ctx, result, fact, limit)
        if result.answered:
            result.elapsed_s = time.perf_counter() - started
            return result
    tried = (fact is None or not model) and settings.metric_queries
    if tried and metric_query.answer(ctx, result, client if model else None, limit):
        result.elapsed_s = time.perf_counter() - started
        return result
    if not model:
        result.elapsed_s = time.perf_counter() - started
        return result
    linked = logic.rank_tables(question, tables, retrieved or {}, settings.tables)
    if fact is not None:
        # A model gets the fact as context: its table first, its query as an example to adapt.
        table = next((t for t in tables if f" {t.name} " in f" {fact.sql} "), None)
        if table is not None:
            linked = [table, *[t for t in linked if t is not table]][: settings.tables]
        result.fact = fact.name
    previous, error = None, None
    for _attempt in range(1 + settings.max_repairs):
        result.attempts += 1
        parsed, info = client.complete_json(
            logic.prompt(question, linked, error, previous, fact), SqlAnswer, purpose="text_to_sql"
        )
        if parsed is None:
            result.errors.append(f"the model gave no query: {info.error or 'no answer'}")
            break
        previous = logic.clean_sql(parsed.sql)
        try:
            explain(ctx, previous)
            _run(ctx, result, previous, limit)
            result.source, result.says = "model", ""
            break
        except (tools.ToolError, QueryFailed) as exc:
            error = str(exc)
            result.errors.append(error)
            result.sql = previous
            linked = logic.refocus(error, previous, linked)
    if not result.answered and fact is not None:
        _fact(ctx, result, fact, limit)  # the model failed: the computed fact is the answer
    result.elapsed_s = time.perf_counter() - started
    return result


def _fact(ctx: ToolContext, result: SqlResult, fact: logic.Fact, limit: int) -> None:
    """The fact as the answer, cut to what a "which ... most" question asks for."""
    try:
        _run(ctx, result, logic.ranked(result.question, fact.sql), limit)
        result.source, result.fact, result.says = "fact", fact.name, fact.says
    except (tools.ToolError, QueryFailed) as exc:  # its table is not built yet
        result.errors.append(f"fact {fact.name}: {exc}")
