"""The semantic layer as one whole: every semantic model and metric, wherever each was defined, with
the lookups a query needs (which model a metric reads, how two models join) and the checks that make a
definition usable (the equivalent of MetricFlow's ``mf validate-configs``, on NEX's own terms)."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from nex_assets.semantic.logic.spec import (
    DATE_PARTS,
    GRAINS,
    LayerFile,
    Measure,
    Metric,
    SemanticError,
    SemanticModel,
)

# A derived metric's expression: numbers, metric names, + - * / and parentheses, nothing else.
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([a-z][a-z0-9_]*)|([-+*/()]))")
# How far apart two joined models may be (hops from a foreign entity to a primary one).
MAX_HOPS = 2


@dataclass(frozen=True)
class Ref:
    """A group-by or filter target: ``<model>__<dimension>``, optionally ``__<grain or date part>``."""

    model: str
    dimension: str
    grain: str | None = None

    @property
    def name(self) -> str:
        return "__".join(p for p in (self.model, self.dimension, self.grain) if p)

    @property
    def alias(self) -> str:
        return self.dimension if self.grain is None else f"{self.dimension}__{self.grain}"


def tokens(expr: str) -> list[str]:
    out, at = [], 0
    while at < len(expr.rstrip()):
        m = _TOKEN.match(expr, at)
        if not m or m.end() == at:
            raise SemanticError(f"{expr!r}: only numbers, metric names, + - * / and parentheses may be used")
        out.append(m.group(m.lastindex))
        at = m.end()
    return out


@dataclass
class Layer:
    models: dict[str, SemanticModel] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    # Where each model came from: a file path, or "draft" for one NEX drafted and nobody accepted yet.
    origin: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, files: list[tuple[str, LayerFile]]) -> Layer:
        layer = cls()
        for origin, part in files:
            for model in part.semantic_models:
                layer.models[model.name] = model
                layer.origin[model.name] = origin
            for metric in part.metrics:
                layer.metrics[metric.name] = metric
        return layer

    def measure(self, name: str) -> tuple[SemanticModel, Measure]:
        for model in self.models.values():
            found = model.measure(name)
            if found is not None:
                return model, found
        raise SemanticError(f"no semantic model has a measure {name!r}")

    def inputs(self, metric: Metric, seen: frozenset[str] = frozenset()) -> list[str]:
        """The measures a metric reads, through derived metrics."""
        if metric.name in seen:
            raise SemanticError(f"metric {metric.name}: it is defined in terms of itself")
        p = metric.type_params
        if metric.type == "simple":
            return [p.measure]
        if metric.type == "ratio":
            return [p.numerator, p.denominator]
        out = []
        for item in p.metrics:
            if item.name not in self.metrics:
                raise SemanticError(f"metric {metric.name}: input metric {item.name!r} is not defined")
            out += self.inputs(self.metrics[item.name], seen | {metric.name})
        return out

    def model_of(self, metric_name: str) -> SemanticModel:
        """The one model every measure of the metric is on (metrics across tables are not offered)."""
        metric = self.metrics.get(metric_name)
        if metric is None:
            raise SemanticError(f"unknown metric {metric_name!r}")
        owners = {self.measure(m)[0].name for m in self.inputs(metric)}
        if len(owners) != 1:
            raise SemanticError(
                f"metric {metric_name}: its measures are on several models ({', '.join(sorted(owners))})"
            )
        return self.models[owners.pop()]

    def ref(self, text: str, base: SemanticModel | None = None) -> Ref:
        """``model__dimension[__grain]``, or ``metric_time[__grain]`` for the base model's time."""
        parts = text.split("__")
        if parts[0] == "metric_time":
            if base is None or base.defaults.agg_time_dimension is None:
                raise SemanticError(f"{text}: the metric's table has no time dimension")
            parts = [base.name, base.defaults.agg_time_dimension, *parts[1:]]
        if len(parts) not in (2, 3) or parts[0] not in self.models:
            raise SemanticError(f"{text!r} is not <model>__<dimension> of a known model")
        model = self.models[parts[0]]
        dim = model.dimension(parts[1])
        if dim is None:
            raise SemanticError(f"{text!r}: {model.name} has no dimension {parts[1]!r}")
        grain = parts[2] if len(parts) == 3 else None
        if grain is not None:
            if dim.type != "time":
                raise SemanticError(f"{text!r}: only a time dimension takes a grain")
            if grain not in GRAINS + DATE_PARTS:
                raise SemanticError(f"{text!r}: grain must be one of {', '.join(GRAINS + DATE_PARTS)}")
            if grain in GRAINS and GRAINS.index(grain) < GRAINS.index(dim.grain or "day"):
                raise SemanticError(f"{text!r}: {dim.name} is kept by {dim.grain}, not finer")
        return Ref(model.name, dim.name, grain)

    def path(self, start: str, goal: str) -> list[tuple[str, str, str]]:
        """Joins from ``start`` to ``goal``: (from model, entity, to model) hops, foreign key to the
        primary key of the same name; empty for the same model."""
        if start == goal:
            return []
        queue = deque([(start, [])])
        seen = {start}
        while queue:
            at, hops = queue.popleft()
            if len(hops) >= MAX_HOPS:
                continue
            for entity in self.models[at].entities:
                if entity.type != "foreign":
                    continue
                for other in self.models.values():
                    primary = other.primary()
                    if other.name in seen or primary is None or primary.name != entity.name:
                        continue
                    step = [*hops, (at, entity.name, other.name)]
                    if other.name == goal:
                        return step
                    seen.add(other.name)
                    queue.append((other.name, step))
        raise SemanticError(f"{goal} cannot be reached from {start} through keys (entities)")

    def reachable(self, start: str) -> list[str]:
        out = [start]
        for name in self.models:
            if name != start:
                try:
                    self.path(start, name)
                except SemanticError:
                    continue
                out.append(name)
        return out

    def problems(self) -> list[str]:
        """Every reason a definition cannot be used, each naming the metric or model."""
        found = []
        for metric in self.metrics.values():
            try:
                self.model_of(metric.name)
                if metric.type == "derived":
                    names = {m.name for m in metric.type_params.metrics}
                    for t in tokens(metric.type_params.expr or ""):
                        if t[0].isalpha() and t not in names:
                            raise SemanticError(
                                f"metric {metric.name}: {t!r} is not one of its input metrics"
                            )
            except SemanticError as exc:
                found.append(str(exc) if str(exc).startswith("metric") else f"metric {metric.name}: {exc}")
        for model in self.models.values():
            for measure in model.measures:
                # The compiler quotes expr as a column name: SQL in it would only fail later.
                if measure.column != "1" and not re.match(r"^[A-Za-z_][A-Za-z0-9_ ]*$", measure.column):
                    found.append(
                        f"semantic model {model.name}: measure {measure.name}: expr must be a column"
                    )
        return found
