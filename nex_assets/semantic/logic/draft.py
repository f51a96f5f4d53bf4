"""A dataset's semantic model drafted from its profile: what a person would define first, never more
than the columns say.

- entities: a one-column primary key is the table's own entity; a column named like another
  dataset's one-column key is a foreign entity (that is the join path);
- dimensions: every column people group or filter by (categories, flags, years, codes, names,
  numbers), never free text or personal data; dates and times are time dimensions at the grain the
  data has;
- measures and metrics: amounts and counts are summed and averaged, other numbers and shares
  averaged; identifiers, codes and years are never summed; a yes/no column gives a percentage; the
  rows themselves are counted, and so are distinct keys and categories.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nex_assets.semantic.logic.spec import (
    Defaults,
    Dimension,
    Entity,
    LayerFile,
    Measure,
    Metric,
    MetricInput,
    MetricParams,
    NodeRelation,
    SemanticModel,
    TimeParams,
)

SUMMED = frozenset({"amount", "count"})
AVERAGED = frozenset({"amount", "count", "measure", "share"})
NEVER_DIMENSION = frozenset({"free_text", "personal"})
# An amount per unit (a price, a rate) is averaged, never summed: a total of prices means nothing.
PER_UNIT = re.compile(
    r"(^|_)(price|rate|ratio|pct|percent|per|avg|average|mean|median|cost_per|unit_cost)($|_)"
)
# A model's scores, probabilities and elasticities are averaged, never summed.
SCORE = re.compile(r"(^|_)(score|probability|elasticity|ci|low|high|rank|confidence)($|_)")
# Parts of a date or a clock are labels, whatever numbers they hold: never summed or averaged.
CALENDAR = re.compile(r"(^|_)(year|month|day|week|weekday|dow|hour|minute|second|quarter)s?($|_)")
# Free text that names a row (a product's name) is something answers are given by.
NAMING = re.compile(r"(^|_)(name|title|label)($|_)")


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    pg_type: str
    semantic: str
    distinct: int
    personal: bool = False
    description: str = ""


@dataclass(frozen=True)
class TableFacts:
    dataset: str
    schema: str
    table: str
    columns: tuple[ColumnFacts, ...]
    primary_key: tuple[str, ...] = ()
    description: str = ""
    # The time column (the one forecasts and trends follow), and the grain each time column has.
    time_column: str | None = None
    grains: tuple[tuple[str, str], ...] = ()
    # What kinds of number are added up: a model's forecasts and expected margins are, though the
    # profile of a dataset would call them plain measures.
    summed: frozenset[str] = SUMMED


def thing(dataset: str) -> str:
    """What one row is about, in words: ``retail_stores`` -> ``stores``."""
    return dataset.rsplit("_", 1)[-1].replace("_", " ") if "_" in dataset else dataset


def _words(name: str) -> str:
    return name.replace("_", " ")


def draft(table: TableFacts, keys: dict[str, str]) -> LayerFile:
    """The draft of ``table``'s semantic model; ``keys`` maps a one-column primary key of another
    dataset to that dataset, for foreign entities."""
    ds = table.dataset
    rows = thing(ds)
    usable = [c for c in table.columns if not c.personal and c.semantic != "personal"]
    grains = dict(table.grains)
    own_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    entities = []
    if own_key and any(c.name == own_key for c in usable):
        entities.append(Entity(name=own_key, type="primary", description=f"one {rows} row"))
    for c in usable:
        other = keys.get(c.name)
        if c.name != own_key and other and other != ds:
            entities.append(
                Entity(name=c.name, type="foreign", description=f"the row of {other} it belongs to")
            )
    dimensions = []
    for c in usable:
        if c.semantic in NEVER_DIMENSION and not (c.semantic == "free_text" and NAMING.search(c.name)):
            continue
        if c.semantic == "period":
            dimensions.append(
                Dimension(
                    name=c.name,
                    type="time",
                    description=c.description,
                    type_params=TimeParams(time_granularity=grains.get(c.name, "day")),
                )
            )
        else:
            dimensions.append(Dimension(name=c.name, type="categorical", description=c.description))
    time_names = {d.name for d in dimensions if d.type == "time"}
    agg_time = table.time_column if table.time_column in time_names else None
    if agg_time is None and time_names:
        agg_time = next(d.name for d in dimensions if d.type == "time")
    measures = [Measure(name=f"{ds}_row_count", agg="count", expr="1", description=f"number of {rows}")]
    metrics = [
        Metric(
            name=f"{ds}_count",
            type="simple",
            label=f"number of {rows}",
            description=f"how many {rows} (rows of {ds})",
            type_params=MetricParams(measure=f"{ds}_row_count"),
        )
    ]

    def add(measure: Measure, metric: str, label: str, description: str) -> None:
        if measure.name not in {m.name for m in measures}:
            measures.append(measure)
        metrics.append(
            Metric(
                name=f"{ds}_{metric}",
                type="simple",
                label=label,
                description=description,
                type_params=MetricParams(measure=measure.name),
            )
        )

    for c in usable:
        if CALENDAR.search(c.name) and c.semantic in AVERAGED:
            continue
        words = _words(c.name)
        about = f" ({c.description})" if c.description else ""
        if c.semantic in table.summed and not PER_UNIT.search(c.name) and not SCORE.search(c.name):
            add(
                Measure(name=f"{ds}_{c.name}_sum", agg="sum", expr=c.name),
                f"{c.name}_total",
                f"total {words}",
                f"sum of {words} over the {rows}{about}",
            )
        if c.semantic in AVERAGED:
            add(
                Measure(name=f"{ds}_{c.name}_average", agg="average", expr=c.name),
                f"{c.name}_average",
                f"average {words}",
                f"average {words} per {rows} row{about}",
            )
        if c.semantic == "flag":
            measures.append(Measure(name=f"{ds}_{c.name}_true", agg="sum_boolean", expr=c.name))
            metrics.append(
                Metric(
                    name=f"{ds}_{c.name}_share",
                    type="ratio",
                    label=f"share {words}",
                    description=f"share of {rows} that are {words}, from 0 to 1",
                    type_params=MetricParams(numerator=f"{ds}_{c.name}_true", denominator=f"{ds}_row_count"),
                )
            )
            metrics.append(
                Metric(
                    name=f"{ds}_{c.name}_rate",
                    type="derived",
                    label=f"{words} rate %",
                    description=f"percentage of {rows} that are {words} ({words} rate), from 0 to 100",
                    type_params=MetricParams(
                        expr=f"100 * {ds}_{c.name}_share", metrics=[MetricInput(name=f"{ds}_{c.name}_share")]
                    ),
                )
            )
        distinct_worthy = c.semantic in ("category", "identifier") and c.name != own_key
        if distinct_worthy and c.distinct > 1:
            add(
                Measure(name=f"{ds}_{c.name}_distinct", agg="count_distinct", expr=c.name),
                f"{c.name}_distinct",
                f"number of different {words}",
                f"how many different {words} values the {rows} have",
            )
    if agg_time and not own_key:
        # Facts over time: how many periods (weeks, months) the rows fall in.
        grain = grains.get(agg_time, "day")
        add(
            Measure(name=f"{ds}_{agg_time}_distinct", agg="count_distinct", expr=agg_time),
            f"{agg_time}_distinct",
            f"number of {grain}s",
            f"how many different {grain}s ({_words(agg_time)}) the {rows} fall in",
        )
    model = SemanticModel(
        name=ds,
        description=table.description or f"one row per {rows.rstrip('s')}",
        node_relation=NodeRelation(schema_name=table.schema, alias=table.table),
        defaults=Defaults(agg_time_dimension=agg_time),
        entities=entities,
        dimensions=dimensions,
        measures=measures,
    )
    return LayerFile(semantic_models=[model], metrics=metrics)
