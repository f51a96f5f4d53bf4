"""The seven explorer tools: one implementation for `nex query`, the `nex ask` tool loop and `nex mcp`.

Each tool is a plain function of a ``ToolContext`` and JSON-friendly arguments that returns a
JSON-friendly dict. Refusals and database errors raise ``ToolError`` with a reason meant for the
model and the person alike; ``call`` turns them into ``{"error": ...}`` so a loop can go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from nex_assets.chat import readonly
from nex_assets.chat.context import ToolContext
from nex_assets.chat.logic import sql_safety
from nex_assets.common import patterns
from nex_assets.core import db as nexdb


class ToolError(RuntimeError):
    pass


def resolve_table(ctx: ToolContext, table: str) -> tuple[str, str]:
    """``schema.table`` or an unambiguous ``table`` among those the reader may read."""
    parts = [p.strip().strip('"') for p in str(table).split(".")]
    known = ctx.tables().schemas_by_table
    if len(parts) == 2 and parts[1] in known and parts[0] in known[parts[1]]:
        return parts[0], parts[1]
    if len(parts) == 1 and len(known.get(parts[0], ())) == 1:
        return known[parts[0]][0], parts[0]
    if len(parts) == 1 and parts[0] in known:
        raise ToolError(f"table {parts[0]} is in several schemas ({', '.join(known[parts[0]])}); name one")
    raise ToolError(
        f"no readable table {table!r}; list_tables shows the tables of the schemas "
        f"{', '.join(ctx.readable_schemas())}"
    )


def _dataset_of(ctx: ToolContext, schema: str, table: str) -> str | None:
    return table if schema == "raw" and table in ctx.datasets else None


def list_connections(ctx: ToolContext) -> dict:
    database = ctx.database
    return {
        "connections": [
            {
                "name": "warehouse",
                "kind": "postgresql",
                "database": database.dbname,
                "embedded": database.embedded,
                "role": readonly.READER_ROLE,
                "read_only": True,
                "readable_schemas": list(ctx.readable_schemas()),
                "row_limit": ctx.settings.row_limit,
                "statement_timeout_s": ctx.settings.statement_timeout_s,
            }
        ]
    }


def list_schemas(ctx: ToolContext) -> dict:
    rows = ctx.reader_rows(
        """select n.nspname, obj_description(n.oid, 'pg_namespace'),
                  (select count(*) from information_schema.tables t where t.table_schema = n.nspname)
             from pg_namespace n where n.nspname = any(%s) order by 1""",
        (list(ctx.readable_schemas()),),
    )
    return {"schemas": [{"schema": s, "description": d or "", "tables": n} for s, d, n in rows]}


def list_tables(ctx: ToolContext, schema: str | None = None) -> dict:
    schemas = list(ctx.readable_schemas())
    if schema is not None and schema not in schemas:
        raise ToolError(f"schema {schema!r} is not readable; readable schemas: {', '.join(schemas)}")
    rows = ctx.reader_rows(
        """select n.nspname, c.relname, case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                  else 'table' end, greatest(c.reltuples, 0)::bigint, obj_description(c.oid, 'pg_class')
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')
              and has_any_column_privilege(c.oid, 'SELECT')
            order by 1, 2""",
        ([schema] if schema else schemas,),
    )
    out = []
    for s, name, kind, estimate, comment in rows:
        ds = ctx.datasets.get(name) if s == "raw" else None
        description = comment or (ds.description if ds else "")
        out.append(
            {"table": f"{s}.{name}", "kind": kind, "rows_estimate": estimate, "description": description}
        )
    return {"tables": out}


def _dictionary(ctx: ToolContext, dataset: str | None) -> dict[str, dict]:
    if dataset is None:
        return {}
    rows = ctx.platform_rows(
        """select column_name, description, business_meaning, unit, source, writer, version
             from nex.dictionary_entries where dataset = %s""",
        (dataset,),
    )
    return {
        r[0]: {
            "description": r[1],
            "business_meaning": r[2],
            "unit": r[3],
            "source": r[4],
            "writer": r[5],
            "version": r[6],
        }
        for r in rows
    }


def get_table_info(ctx: ToolContext, table: str) -> dict:
    schema, name = resolve_table(ctx, table)
    qualified = f'"{schema}"."{name}"'
    columns = ctx.reader_rows(
        """select a.attname, format_type(a.atttypid, a.atttypmod), not a.attnotnull,
                  col_description(a.attrelid, a.attnum)
             from pg_attribute a where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
            order by a.attnum""",
        (qualified,),
    )
    (comment,) = ctx.reader_rows("select obj_description(%s::regclass, 'pg_class')", (qualified,))[0]
    dataset = _dataset_of(ctx, schema, name)
    ds = ctx.datasets.get(dataset) if dataset else None
    entries = _dictionary(ctx, dataset)
    sensitive = ctx.sensitive_columns(schema, name)
    table_entry = entries.get("")
    info: dict[str, Any] = {
        "table": f"{schema}.{name}",
        "description": (table_entry or {}).get("description") or comment or (ds.description if ds else ""),
        "dataset": dataset,
        "owner": ds.owner if ds else None,
        "primary_key": ds.primary_key if ds else [],
        "columns": [],
    }
    if table_entry:
        info["dictionary"] = {"entry": f"{dataset}", **table_entry}
    for col, pg_type, nullable, col_comment in columns:
        hint = ds.columns.get(col) if ds else None
        entry = entries.get(col)
        item = {
            "name": col,
            "type": pg_type,
            "nullable": nullable,
            "description": (entry or {}).get("description")
            or col_comment
            or (hint.description if hint else "")
            or "",
            "personal_data": col in sensitive,
        }
        if entry:
            item["dictionary"] = {"entry": f"{dataset}.{col}", **entry}
        if hint and hint.unit:
            item["unit"] = hint.unit
        info["columns"].append(item)
    return info


def sample_rows(ctx: ToolContext, table: str, n: int | None = None) -> dict:
    """A few rows; personal columns show only their shapes (``Aaaa 999``)."""
    schema, name = resolve_table(ctx, table)
    limit = max(1, min(int(n or ctx.settings.sample_rows), ctx.settings.row_limit))
    sensitive = ctx.sensitive_columns(schema, name)
    query = sql.SQL("select * from {}").format(sql.Identifier(schema, name)).as_string(ctx.reader())
    result = _platform_sample(ctx, query, limit) if sensitive else _execute(ctx, query, limit)
    masked = [i for i, c in enumerate(result.columns) if c in sensitive]
    for row in result.rows:
        for i in masked:
            row[i] = patterns.mask(row[i])
    out = result.as_dict()
    out["masked_columns"] = [result.columns[i] for i in masked]
    out["tables"] = [f"{schema}.{name}"]
    return out


def _platform_sample(ctx: ToolContext, query: str, limit: int) -> readonly.QueryResult:
    """The reader may not read personal columns at all (column privileges, reader_access.py), yet
    their shapes tell a model what a value looks like. This fixed query over a table the reader can
    see runs on a read-only connection of the platform's user; the caller masks before anything
    leaves."""
    with nexdb.connect(ctx.database) as conn:
        conn.read_only = True
        return _execute(ctx, query, limit, conn)


def profile_table(ctx: ToolContext, table: str) -> dict:
    """The newest stored profile of a dataset's table, or one computed now (as the reader) for others."""
    schema, name = resolve_table(ctx, table)
    dataset = _dataset_of(ctx, schema, name)
    sensitive = ctx.sensitive_columns(schema, name)
    entries: list[dict] = []
    source = "nex.column_profiles"
    if dataset:
        rows = ctx.platform_rows(
            """select column_name, pg_type, inferred_type, sensitive, row_count, null_share, distinct_count,
                      stats, data_version, profiled_at
                 from nex.column_profiles p
                where dataset = %s
                  and profiled_at = (select max(profiled_at) from nex.column_profiles where dataset = %s)
                order by ordinal""",
            (dataset, dataset),
        )
        entries = [
            {
                "column": r[0],
                "type": r[1],
                "kind": r[2],
                "personal_data": r[3] or r[0] in sensitive,
                "rows": r[4],
                "null_share": r[5],
                "distinct": r[6],
                **_stats(r[7], masked=r[3] or r[0] in sensitive),
            }
            for r in rows
        ]
    if not entries:
        from nex_assets.datasets.profiler import profile_table as compute

        source = "computed now"
        conn = ctx.reader()
        try:
            conn.execute(
                "select set_config('statement_timeout', %s, true)",
                (f"{int(ctx.settings.statement_timeout_s * 1000)}ms",),
            )
            computed = compute(conn, schema, name, primary_key=[], sensitive=set(sensitive))
        except Exception as exc:
            raise ToolError(f"could not profile {schema}.{name}: {exc}") from exc
        finally:
            conn.rollback()
        entries = [
            {
                "column": e["column_name"],
                "type": e["pg_type"],
                "kind": e["inferred_type"],
                "personal_data": e["sensitive"],
                "rows": e["row_count"],
                "null_share": e["null_share"],
                "distinct": e["distinct_count"],
                **_stats(e["stats"], masked=e["sensitive"]),
            }
            for e in computed
        ]
    return {"table": f"{schema}.{name}", "source": source, "columns": entries}


_STAT_KEYS = ("min", "max", "mean", "std", "q05", "q50", "q95", "outliers", "top_values", "patterns")


def _stats(stats: dict, *, masked: bool) -> dict:
    """The statistics worth a model's tokens; for personal columns only shapes, never values."""
    kept = {k: stats[k] for k in _STAT_KEYS if k in stats and stats[k] is not None}
    if masked:
        kept = {k: v for k, v in kept.items() if k == "patterns"}
    return kept


def _execute(
    ctx: ToolContext, checked_sql: str, limit: int, conn: psycopg.Connection | None = None
) -> readonly.QueryResult:
    try:
        return readonly.execute(
            conn or ctx.reader(),
            checked_sql,
            limit=limit,
            timeout_s=ctx.settings.statement_timeout_s,
            max_cell_chars=ctx.settings.max_cell_chars,
            max_bytes=ctx.settings.max_result_bytes,
        )
    except readonly.QueryFailed as exc:
        raise ToolError(str(exc)) from exc


def check_query(ctx: ToolContext, query: str) -> sql_safety.CheckedQuery:
    try:
        return sql_safety.check(query, ctx.policy(), ctx.tables())
    except sql_safety.QueryRefused as exc:
        raise ToolError(f"query refused: {exc}") from exc


def run_query(ctx: ToolContext, query: str, limit: int | None = None) -> dict:
    """One read-only SELECT, checked, limited and run as the reader role."""
    checked = check_query(ctx, query)
    cap = max(1, min(int(limit or ctx.settings.row_limit), ctx.settings.row_limit))
    result = _execute(ctx, checked.sql, cap)
    result.tables = list(checked.tables)
    return result.as_dict()


def list_metrics(ctx: ToolContext, dataset: str | None = None) -> dict:
    """The semantic layer's metrics and the dimensions each can be grouped or filtered by."""
    from nex_assets.chat.layer import layer_of

    layer, _values = layer_of(ctx)
    metrics = []
    for name in sorted(layer.metrics):
        model = layer.model_of(name)
        if dataset and model.name != dataset:
            continue
        metric = layer.metrics[name]
        metrics.append(
            {"metric": name, "label": metric.label, "meaning": metric.description, "table": model.name}
        )
    tables = {m["table"] for m in metrics}
    dimensions = {
        f"{name}__{d.name}": d.grain or "categorical"
        for start in sorted(tables)
        for name in layer.reachable(start)
        for d in layer.models[name].dimensions
    }
    return {"metrics": metrics, "dimensions": dimensions}


def query_metrics(ctx: ToolContext, **query) -> dict:
    """One metric query compiled to SQL and run through the read-only path."""
    from pydantic import ValidationError

    from nex_assets.chat.layer import layer_of
    from nex_assets.common.yaml_files import validation_problems
    from nex_assets.semantic.logic.query import MetricQuery, compile_query
    from nex_assets.semantic.logic.spec import SemanticError

    try:
        parsed = MetricQuery.model_validate(query)
        layer, _values = layer_of(ctx)
        compiled = compile_query(layer, parsed)
    except ValidationError as exc:
        raise ToolError(f"not a metric query: {validation_problems(exc)}") from exc
    except SemanticError as exc:
        raise ToolError(str(exc)) from exc
    return run_query(ctx, compiled.sql, query.get("limit")) | {
        "metric_query": parsed.model_dump(mode="json", exclude_defaults=True)
    }


def _metric_query_schema() -> dict:
    from nex_assets.semantic.logic.query import MetricQuery

    schema = MetricQuery.model_json_schema()
    return {
        "type": "object",
        "properties": schema["properties"],
        "required": ["metrics"],
        "$defs": schema.get("$defs", {}),
    }


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict
    fn: Callable[..., dict]

    def openai_spec(self) -> dict:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def _params(properties: dict | None = None, required: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties or {},
        "required": list(required),
        "additionalProperties": False,
    }


_TABLE = {"type": "string", "description": "schema.table, e.g. marts.weekly_category_sales"}

TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool(
            "list_connections",
            "The warehouse connection: database, read-only role, readable schemas, row limit and timeout.",
            _params(),
            list_connections,
        ),
        Tool(
            "list_schemas", "The schemas that can be read, with their table counts.", _params(), list_schemas
        ),
        Tool(
            "list_tables",
            "Tables and views of the readable schemas (or one schema) with row estimates and descriptions.",
            _params({"schema": {"type": "string", "description": "one schema, e.g. marts"}}),
            list_tables,
        ),
        Tool(
            "get_table_info",
            "Columns of a table with types, dictionary descriptions (with their provenance), units and which "
            "columns hold personal data.",
            _params({"table": _TABLE}, ("table",)),
            get_table_info,
        ),
        Tool(
            "sample_rows",
            "A few rows of a table; personal data is masked to its shape.",
            _params({"table": _TABLE, "n": {"type": "integer", "minimum": 1, "maximum": 100}}, ("table",)),
            sample_rows,
        ),
        Tool(
            "profile_table",
            "Column statistics of a table: kind, nulls, distinct values, min/max/mean, quantiles and top "
            "values.",
            _params({"table": _TABLE}, ("table",)),
            profile_table,
        ),
        Tool(
            "list_metrics",
            "The defined metrics (what people ask for: totals, averages, rates, counts) with their meanings, "
            "and the dimensions (<table>__<column>, time ones by grain) they can be grouped or filtered by.",
            _params({"dataset": {"type": "string", "description": "only the metrics of this dataset"}}),
            list_metrics,
        ),
        Tool(
            "query_metrics",
            "Answers with defined metrics instead of SQL: metrics, group_by dimensions (add __month etc. to "
            "a time one, metric_time for the metric's own time), where filters on dimension values, a "
            "time_range or the latest periods, order_by, limit. Prefer it to run_query when a metric fits; "
            "the SQL it compiles runs through the same read-only checks.",
            _metric_query_schema(),
            query_metrics,
        ),
        Tool(
            "run_query",
            "Runs one read-only PostgreSQL SELECT (CTEs allowed) over the readable schemas and returns its "
            "rows (at most the row limit). Anything else is refused with the reason.",
            _params(
                {
                    "query": {"type": "string", "description": "one SELECT statement"},
                    "limit": {"type": "integer", "minimum": 1},
                },
                ("query",),
            ),
            run_query,
        ),
    )
}


def call(ctx: ToolContext, name: str, arguments: dict | None) -> dict:
    """A tool by name with the arguments a model sent; any failure becomes ``{"error": reason}``."""
    tool = TOOLS.get(name)
    if tool is None:
        return {"error": f"unknown tool {name!r}; tools: {', '.join(TOOLS)}"}
    args = arguments or {}
    unknown = set(args) - set(tool.parameters["properties"])
    missing = [k for k in tool.parameters["required"] if k not in args]
    if unknown or missing:
        return {"error": f"{name}: unknown arguments {sorted(unknown)}, missing {missing}"}
    try:
        return tool.fn(ctx, **args)
    except ToolError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a tool's failure is news for the model, not the end of the conversation
        return {"error": f"{name} failed: {type(exc).__name__}: {exc}"}
