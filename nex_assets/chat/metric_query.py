"""Questions answered through the semantic layer: a metric query (metric, group-by, filters on
indexed values, time window, order, limit) instead of free SQL. The question is read without a model
first (``semantic/logic/understand.py``); with a model, it chooses among the same names under a JSON
schema whose enums are the layer's own, so it cannot name a column that does not exist. The compiled
SQL runs through the read-only path as the reader role, like every other query."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, create_model

from nex_assets.chat import tools
from nex_assets.chat.context import ToolContext
from nex_assets.chat.layer import layer_of
from nex_assets.chat.readonly import QueryFailed
from nex_assets.semantic.logic import understand
from nex_assets.semantic.logic.layer import Layer
from nex_assets.semantic.logic.query import MetricQuery, OrderBy, compile_query
from nex_assets.semantic.logic.spec import SemanticError


def catalogue_text(layer: Layer) -> str:
    """The layer as the model reads it, in a stable order so the prompt's prefix is cached."""
    lines = ["Metrics (name: meaning):"]
    for name in sorted(layer.metrics):
        m = layer.metrics[name]
        lines.append(f"- {name}: {m.description or m.label or ''}")
    lines.append("Dimensions to group by (name: meaning):")
    for model in sorted(layer.models):
        for d in layer.models[model].dimensions:
            lines.append(f"- {model}__{d.name}: {d.description or d.name.replace('_', ' ')}")
    return "\n".join(lines)


def choice_schema(layer: Layer, metrics: list[str], dimensions: list[str]) -> type[BaseModel]:
    """What the model fills: enums of the names it may use, nothing else."""
    metric_enum = Literal[tuple(metrics)]  # type: ignore[valid-type]
    group = Literal[tuple(["none", *dimensions])]  # type: ignore[valid-type]
    return create_model(
        "MetricChoice",
        metric=(metric_enum, ...),
        group_by=(group, "none"),
        order=(Literal["none", "highest first", "lowest first"], "none"),
        limit=(int, Field(0, ge=0, le=100)),
    )


def model_choice(client, layer: Layer, reading, closest: list[str]) -> MetricQuery | None:
    """The model picks metric, group-by and order from the layer's names under a schema whose enums
    are those names; the filters and the time window are the ones read from the words (literal
    values matched to the index, dates), rebuilt around the metric it chose."""
    dims = sorted(f"{m}__{d.name}" for m in layer.models for d in layer.models[m].dimensions)
    schema = choice_schema(layer, sorted(layer.metrics), dims)
    hint = f"\nMetrics whose words the question uses: {', '.join(closest[:5])}" if closest else ""
    prompt = [
        {
            "role": "system",
            "content": "You answer questions about data by choosing one metric from a list, and "
            "optionally one dimension to group by, an order and a row limit (0 for no limit). "
            "Choose names only from the lists.\n\n" + catalogue_text(layer),
        },
        {"role": "user", "content": f"Question: {reading.question}{hint}"},
    ]
    parsed, _info = client.complete_json(prompt, schema, purpose="metric_query")
    if parsed is None:
        return None
    query, _closest = understand.choose(layer, reading, metric=parsed.metric)
    if query is None:
        return None
    if parsed.group_by != "none":
        query.group_by = [parsed.group_by]
    if parsed.order != "none" and query.group_by:
        query.order_by = [OrderBy(field=parsed.metric, descending=parsed.order == "highest first")]
        query.show = "group_by" if reading.names_only else "all"
    if parsed.limit:
        query.limit = parsed.limit
    return query


def answer(ctx: ToolContext, result, client=None, limit: int = 50) -> bool:
    """Fills ``result`` (a ``text_to_sql.SqlResult``) from a metric query; False, with the closest
    metrics in ``result.closest``, when no metric fits the question."""
    try:
        layer, values = layer_of(ctx)
    except Exception as exc:  # the layer's tables are not built yet: the other paths still answer
        result.errors.append(f"semantic layer: {exc}")
        return False
    if not layer.metrics:
        return False
    reading = understand.read(result.question, layer, values)
    query, closest = understand.choose(layer, reading)
    result.closest = closest
    mode = ctx.settings.text_to_sql.metric_model
    if client is not None and getattr(client, "configured", False) and not reading.unsupported:
        # The model chooses where the words leave a doubt: no metric fits them, or two fit alike.
        unsure = query is None or reading.margin < ctx.settings.text_to_sql.metric_margin
        if mode == "always" or (mode == "unsure" and unsure):
            chosen = model_choice(client, layer, reading, closest)
            if chosen is not None:
                result.metric_chosen_by = "model"
                query = chosen
    if query is None:
        return False
    return execute(ctx, result, layer, query, limit)


def execute(
    ctx: ToolContext, result, layer: Layer, query: MetricQuery, limit: int, source: str = "metric"
) -> bool:
    """Compiles and runs the query through the read-only path; False, with the reason, when it fails."""
    try:
        compiled = compile_query(layer, query)
        out = tools.run_query(ctx, compiled.sql, limit)
    except (SemanticError, tools.ToolError, QueryFailed) as exc:
        result.errors.append(f"metric query: {exc}")
        return False
    result.sql, result.columns, result.rows = out["sql"], out["columns"], out["rows"]
    result.tables = out.get("tables", [])
    result.source = source
    result.metric_query = query.model_dump(mode="json", exclude_defaults=True)
    result.says = "from the metric " + ", ".join(layer.metrics[m].label or m for m in query.metrics)
    return True


def from_example(ctx: ToolContext, result, limit: int) -> bool:
    """A verified example worded like the question answers it: its metric query (compiled against the
    layer as it is now) or its SQL, run anew through the read-only path."""
    from pydantic import ValidationError

    from nex_assets.chat import examples

    conn = ctx.platform()
    try:
        found = examples.nearest(conn, result.question, ctx.settings.text_to_sql.example_similarity)
    except Exception:  # the examples table is not there yet (an older database): nothing to reuse
        conn.rollback()
        return False
    finally:
        if not conn.closed:
            conn.rollback()
    if found is None:
        return False
    result.example = found["id"]
    if found["metric_query"]:
        try:
            query = MetricQuery.model_validate(found["metric_query"])
        except ValidationError as exc:
            result.errors.append(f"example {found['id']}: {exc.errors()[0]['msg']}")
            return False
        layer, _values = layer_of(ctx)
        return execute(ctx, result, layer, query, limit, source="example")
    try:
        out = tools.run_query(ctx, found["sql"], limit)
    except (tools.ToolError, QueryFailed) as exc:
        result.errors.append(f"example {found['id']}: {exc}")
        return False
    result.sql, result.columns, result.rows = out["sql"], out["columns"], out["rows"]
    result.tables, result.source, result.says = (
        out.get("tables", []),
        "example",
        "as a verified example answered",
    )
    return True
