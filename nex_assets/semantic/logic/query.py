"""A metric query (metrics, group-by with grain, filters on dimension values, a time window, order,
limit) and the SQL it compiles to. The compiler writes every name as a quoted identifier taken from
the layer and every value as a literal it escapes itself; the SQL still goes through the read-only
path like any other query."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.semantic.logic.layer import Layer, Ref, tokens
from nex_assets.semantic.logic.spec import GRAINS, Measure, SemanticError, SemanticModel

Value = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filter(_Strict):
    dimension: str
    op: Literal["=", "!=", ">", ">=", "<", "<=", "in"] = "="
    value: Value | list[Value]


class TimeRange(_Strict):
    """On the metric's time dimension; ``end`` is not included."""

    start: dt.date | None = None
    end: dt.date | None = None


class Latest(_Strict):
    """The newest ``periods`` periods of the data itself (not of today's date)."""

    periods: int = Field(1, ge=1, le=1000)
    grain: Literal["day", "week", "month", "quarter", "year"] = "week"


class OrderBy(_Strict):
    field: str
    descending: bool = True


class MetricQuery(_Strict):
    metrics: list[str] = Field(min_length=1, max_length=4)
    group_by: list[str] = Field(default_factory=list, max_length=3)
    where: list[Filter] = Field(default_factory=list, max_length=6)
    time_range: TimeRange | None = None
    latest: Latest | None = None
    order_by: list[OrderBy] = Field(default_factory=list, max_length=3)
    limit: int | None = Field(None, ge=1, le=10000)
    # "group_by": only the grouped values (a "which ..." question names things, not their totals).
    show: Literal["all", "group_by"] = "all"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise SemanticError(f"{value!r} is not a number a filter can compare with")
        return repr(value)
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    text = str(value)
    if "\x00" in text:
        raise SemanticError("a filter value may not hold a NUL character")
    return "'" + text.replace("'", "''") + "'"


# How a yes/no column says yes, whatever its type: a boolean, 0/1 numbers, or yes/no, y/n, t/f text.
YES = ("true", "t", "1", "1.0", "yes", "y")


def _true(col: str) -> str:
    return f"lower({col}::text) in ({', '.join(literal(v) for v in YES)})"


def _aggregate(measure: Measure, alias: str) -> str:
    col = f"{alias}.{ident(measure.column)}"
    return {
        "sum": f"sum({col})",
        "count": "count(*)" if measure.column == "1" else f"count({col})",
        "count_distinct": f"count(distinct {col})",
        "average": f"avg({col})",
        "min": f"min({col})",
        "max": f"max({col})",
        "sum_boolean": f"sum(case when {_true(col)} then 1 else 0 end)",
    }[measure.agg]


class Compiled(BaseModel):
    sql: str
    columns: list[str]
    base: str


def compile_query(layer: Layer, query: MetricQuery) -> Compiled:
    models = {layer.model_of(m).name for m in query.metrics}
    if len(models) != 1:
        raise SemanticError(f"metrics of different tables in one query ({', '.join(sorted(models))})")
    base = layer.models[models.pop()]
    aliases = {base.name: "t0"}
    joins: list[str] = []

    def alias_of(model: str) -> str:
        if model not in aliases:
            for origin, entity, target in layer.path(base.name, model):
                if target in aliases:
                    continue
                aliases[target] = f"t{len(aliases)}"
                key = layer.models[target].primary()
                fk = next(e for e in layer.models[origin].entities if e.name == entity)
                joins.append(
                    f"left join {_relation(layer.models[target])} as {aliases[target]} "
                    f"on {aliases[target]}.{ident(key.column)} = {aliases[origin]}.{ident(fk.column)}"
                )
        return aliases[model]

    def dim_sql(ref: Ref) -> str:
        dim = layer.models[ref.model].dimension(ref.dimension)
        col = f"{alias_of(ref.model)}.{ident(dim.column)}"
        if ref.grain is None or ref.grain == dim.grain:
            return col
        if ref.grain in GRAINS:
            return f"date_trunc('{ref.grain}', {col})::date"
        part = {"extract_dow": "isodow"}.get(ref.grain, ref.grain.removeprefix("extract_"))
        return f"extract({part} from {col})::int"

    def metric_sql(name: str) -> str:
        metric = layer.metrics[name]
        p = metric.type_params
        if metric.type == "simple":
            return _aggregate(layer.measure(p.measure)[1], "t0")
        if metric.type == "ratio":
            num = _aggregate(layer.measure(p.numerator)[1], "t0")
            den = _aggregate(layer.measure(p.denominator)[1], "t0")
            return f"({num})::double precision / nullif({den}, 0)"
        names = {m.name for m in p.metrics}
        return "(" + " ".join(f"({metric_sql(t)})" if t in names else t for t in tokens(p.expr or "")) + ")"

    groups = [layer.ref(g, base) for g in query.group_by]
    group_sql = [dim_sql(r) for r in groups]
    where = []
    for f in query.where:
        ref = layer.ref(f.dimension, base)
        target = dim_sql(ref)
        if f.op == "in":
            values = f.value if isinstance(f.value, list) else [f.value]
            if not values:
                raise SemanticError(f"{f.dimension}: 'in' needs at least one value")
            where.append(f"{target} in ({', '.join(literal(v) for v in values)})")
        elif isinstance(f.value, list):
            raise SemanticError(f"{f.dimension}: {f.op} compares with one value, not a list")
        elif isinstance(f.value, bool) and f.op in ("=", "!="):
            yes = f.value == (f.op == "=")
            where.append(_true(target) if yes else f"not {_true(target)}")
        else:
            where.append(f"{target} {f.op} {literal(f.value)}")
    time_dim = base.time_dimension()
    if query.time_range is not None or query.latest is not None:
        if time_dim is None:
            raise SemanticError(f"{base.name} has no time dimension to take a time window on")
        col = f"t0.{ident(time_dim.column)}"
        if query.time_range is not None:
            if query.time_range.start is not None:
                where.append(f"{col} >= {literal(query.time_range.start)}")
            if query.time_range.end is not None:
                where.append(f"{col} < {literal(query.time_range.end)}")
        if query.latest is not None:
            newest = f"(select max({ident(time_dim.column)}) from {_relation(base)})"
            where.append(f"{col} > {newest} - interval '{query.latest.periods} {query.latest.grain}'")
    metric_exprs = [metric_sql(m) for m in query.metrics]
    names = {r.name: (r.alias, s) for r, s in zip(groups, group_sql, strict=True)}
    select = [f"{s} as {ident(r.alias)}" for r, s in zip(groups, group_sql, strict=True)]
    columns = [r.alias for r in groups]
    if query.show == "all" or not groups:
        select += [f"{e} as {ident(m)}" for m, e in zip(query.metrics, metric_exprs, strict=True)]
        columns += list(query.metrics)
    order = []
    for o in query.order_by:
        if o.field in query.metrics:
            expr = metric_exprs[query.metrics.index(o.field)]
        elif o.field in names:
            expr = names[o.field][1]
        else:
            ref = layer.ref(o.field, base)
            if ref.name not in names:
                raise SemanticError(f"order_by {o.field!r}: order by one of the query's metrics or group-by")
            expr = names[ref.name][1]
        order.append(f"{expr} {'desc' if o.descending else 'asc'} nulls last")
    sql = f"select {', '.join(select)}\nfrom {_relation(base)} as t0"
    if joins:
        sql += "\n" + "\n".join(joins)
    if where:
        sql += "\nwhere " + "\n  and ".join(where)
    if groups:
        sql += "\ngroup by " + ", ".join(str(i + 1) for i in range(len(groups)))
    if order:
        sql += "\norder by " + ", ".join(order)
    if query.limit is not None:
        sql += f"\nlimit {int(query.limit)}"
    return Compiled(sql=sql, columns=columns, base=base.name)


def _relation(model: SemanticModel) -> str:
    return f"{ident(model.node_relation.schema_name)}.{ident(model.node_relation.alias)}"
