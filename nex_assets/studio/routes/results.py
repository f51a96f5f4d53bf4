"""A query result as a page shows it: a table, and the chart that suits it (switchable to the table)."""

from __future__ import annotations

from nex_assets.studio.logic import charts
from nex_assets.studio.web import studio_settings, templates


def view(result: dict) -> dict:
    """What the ``_result.html`` partial needs from a result (``columns``, ``rows``, ``sql``, ...)."""
    columns, rows = result.get("columns") or [], result.get("rows") or []
    chart = charts.propose(columns, rows)
    studio = studio_settings()
    return {
        **result,
        "columns": columns,
        "rows": rows[: studio.page_rows],
        "rows_total": result.get("row_count", len(rows)),
        "chart": chart,
        "chart_svg": charts.render(chart, columns, rows, studio.chart_max_points) if chart else "",
    }


def html(result: dict, csrf: str) -> str:
    return templates.get_template("_result.html").render(r=view(result), csrf=csrf)
