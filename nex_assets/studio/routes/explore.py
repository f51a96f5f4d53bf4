"""Explore: the database, its schemas, their tables, and each table's columns with dictionary text,
provenance, units and personal-data flags, a few rows (personal values masked) and the column profile
with small charts. Everything comes from the chat tools, so Studio sees exactly what a question may."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from nex_assets.chat import tools
from nex_assets.studio.logic import charts
from nex_assets.studio.web import Refused, context, page


def explore_home(request: Request):
    ctx = context(request)
    return page(
        request,
        "explore.html",
        title="Explore · NEX Studio",
        connection=tools.list_connections(ctx)["connections"][0],
        schemas=tools.list_schemas(ctx)["schemas"],
    )


def explore_schema(request: Request):
    ctx = context(request)
    schema = request.path_params["schema"]
    try:
        tables = tools.list_tables(ctx, schema)["tables"]
    except tools.ToolError as exc:
        raise Refused(str(exc), 404) from exc
    return page(request, "schema.html", title=f"{schema} · NEX Studio", schema=schema, tables=tables)


def _profile_charts(profile: dict) -> dict[str, str]:
    """A small chart per column whose profile holds its most frequent values."""
    out = {}
    for column in profile.get("columns", []):
        top = column.get("top_values")
        if isinstance(top, dict):
            top = list(top.items())
        pairs = []
        for item in (top or [])[:12]:
            if isinstance(item, dict):
                pairs.append((str(item.get("value")), float(item.get("share") or item.get("count") or 0)))
            elif isinstance(item, list | tuple) and len(item) == 2:
                pairs.append((str(item[0]), float(item[1] or 0)))
        if len(pairs) >= 2:
            out[column["column"]] = charts.bars(pairs, f"most frequent values of {column['column']}")
    return out


def explore_table(request: Request):
    ctx = context(request)
    table = f"{request.path_params['schema']}.{request.path_params['table']}"
    try:
        info = tools.get_table_info(ctx, table)
        sample = tools.sample_rows(ctx, table)
        profile = tools.profile_table(ctx, table) if info.get("dataset") else {"columns": []}
    except tools.ToolError as exc:
        raise Refused(str(exc), 404) from exc
    ds = ctx.datasets.get(info["dataset"]) if info.get("dataset") else None
    return page(
        request,
        "table.html",
        title=f"{table} · NEX Studio",
        info=info,
        sample=sample,
        profile={c["column"]: c for c in profile.get("columns", [])},
        profile_charts=_profile_charts(profile),
        source=ds.source.model_dump(exclude_none=True) if ds else None,
    )


def explore_metrics(request: Request):
    """The semantic layer: every metric (drafted or accepted), what it is on, and questions to ask."""
    from nex_assets.chat.layer import layer_of
    from nex_assets.semantic.logic.suggest import questions

    layer, _values = layer_of(context(request))
    metrics = []
    for name in sorted(layer.metrics):
        metric, model = layer.metrics[name], layer.model_of(name)
        origin = layer.origin.get(model.name, "")
        metrics.append(
            {
                "name": name,
                "dataset": model.name,
                "label": metric.label or "",
                "description": metric.description,
                "origin": "draft" if origin == "draft" else "accepted",
            }
        )
    suggested = {name: questions(layer, name) for name in sorted(layer.models)}
    return page(
        request,
        "metrics.html",
        title="Metrics · NEX Studio",
        metrics=metrics,
        suggested=suggested,
        dimensions={n: [d.name for d in m.dimensions] for n, m in sorted(layer.models.items())},
    )


routes = [
    Route("/explore", explore_home),
    Route("/explore/metrics", explore_metrics),
    Route("/explore/{schema}", explore_schema),
    Route("/explore/{schema}/{table}", explore_table),
]
