"""The semantic layer's definitions, in dbt's semantic-model and metric shape (the keys MetricFlow
reads), so that a person who knows dbt reads and edits them as they are.

A semantic model describes one table: its entities (keys other tables join on), dimensions (what an
answer is grouped or filtered by; a time dimension has a grain) and measures (what is aggregated, and
how). Metrics are what people ask for: ``simple`` (one measure), ``ratio`` (one measure over another)
or ``derived`` (arithmetic over other metrics, e.g. a ratio as a percentage). Where dbt names a model
with ``ref()``, NEX names the table itself (``node_relation``), so that a table loaded with `nex add`
has a semantic model without a dbt model of its own.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
AGGREGATIONS = ("sum", "count", "count_distinct", "average", "min", "max", "sum_boolean")
GRAINS = ("day", "week", "month", "quarter", "year")
# Parts of a date a group-by may take instead of a truncated date: dbt's ``extract_*`` date parts.
DATE_PARTS = ("extract_year", "extract_quarter", "extract_month", "extract_day", "extract_dow")


class SemanticError(ValueError):
    """A semantic definition or query that cannot be used; ``str()`` names the place and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _name(value: str) -> str:
    if not NAME.match(value):
        raise ValueError(f"{value!r} is not a lower-case snake_case name")
    return value


Name = Annotated[str, AfterValidator(_name)]


class NodeRelation(_Strict):
    schema_name: str
    alias: str

    @property
    def relation(self) -> str:
        return f"{self.schema_name}.{self.alias}"


class Entity(_Strict):
    name: Name
    type: Literal["primary", "unique", "foreign", "natural"]
    expr: str | None = None
    description: str = ""

    @property
    def column(self) -> str:
        return self.expr or self.name


class TimeParams(_Strict):
    time_granularity: Literal["day", "week", "month", "quarter", "year"] = "day"


class Dimension(_Strict):
    name: Name
    type: Literal["categorical", "time"]
    expr: str | None = None
    description: str = ""
    label: str | None = None
    type_params: TimeParams | None = None

    @property
    def column(self) -> str:
        return self.expr or self.name

    @property
    def grain(self) -> str | None:
        if self.type != "time":
            return None
        return (self.type_params or TimeParams()).time_granularity


class Measure(_Strict):
    name: Name
    agg: Literal["sum", "count", "count_distinct", "average", "min", "max", "sum_boolean"]
    # A column, or ``1`` for a count of rows; never SQL: the compiler quotes it as a column.
    expr: str | None = None
    description: str = ""
    agg_time_dimension: str | None = None

    @property
    def column(self) -> str:
        return self.expr or self.name


class Defaults(_Strict):
    agg_time_dimension: str | None = None


class SemanticModel(_Strict):
    name: Name
    description: str = ""
    node_relation: NodeRelation
    defaults: Defaults = Field(default_factory=Defaults)
    entities: list[Entity] = Field(default_factory=list)
    dimensions: list[Dimension] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> SemanticModel:
        for kind in ("entities", "dimensions", "measures"):
            names = [x.name for x in getattr(self, kind)]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{kind}: {', '.join(dup)} named more than once")
        time = self.defaults.agg_time_dimension
        if time is not None and time not in {d.name for d in self.dimensions if d.type == "time"}:
            raise ValueError(f"defaults.agg_time_dimension: {time!r} is not one of its time dimensions")
        return self

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def primary(self) -> Entity | None:
        return next((e for e in self.entities if e.type in ("primary", "unique", "natural")), None)

    def time_dimension(self, measure: Measure | None = None) -> Dimension | None:
        name = (measure.agg_time_dimension if measure else None) or self.defaults.agg_time_dimension
        return self.dimension(name) if name else None


class MetricInput(_Strict):
    name: str


class MetricParams(_Strict):
    measure: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    expr: str | None = None
    metrics: list[MetricInput] = Field(default_factory=list)


class Metric(_Strict):
    name: Name
    type: Literal["simple", "ratio", "derived"]
    type_params: MetricParams
    label: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _params(self) -> Metric:
        p = self.type_params
        if self.type == "simple" and not p.measure:
            raise ValueError("a simple metric needs type_params.measure")
        if self.type == "ratio" and not (p.numerator and p.denominator):
            raise ValueError("a ratio metric needs type_params.numerator and type_params.denominator")
        if self.type == "derived" and not (p.expr and p.metrics):
            raise ValueError("a derived metric needs type_params.expr and type_params.metrics")
        return self


class LayerFile(_Strict):
    """One file of the layer: ``semantic/<dataset>.yaml`` (accepted, people-edited) or a draft."""

    semantic_models: list[SemanticModel] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
