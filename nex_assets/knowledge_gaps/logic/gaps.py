"""Knowledge gaps: what a dataset lacks for the analyses its recipes want, and what to do about it.

Computed from facts only (the column profiles, the quality score, the recipes' inputs), so the
same data always gives the same gaps; an LLM may phrase the summary, never decide the gaps.
A recipe applies to a dataset when the dataset declares it (``recipes:`` in its YAML), when it is
the dataset's own recipe (``dataset:`` names it, or its input reads the dataset's raw table), or
when it is a recipe of the dataset's group and the dataset holds its target or at least
``min_input_share`` of its inputs. A recipe of another dataset never applies, whatever columns the
two share: two unrelated tables both have an ``id`` and a ``price``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nex_assets.knowledge_gaps.logic.settings import GapSettings

SEVERITY_ORDER = {"blocking": 0, "warning": 1}


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    null_share: float
    distinct_count: int
    inferred_type: str


@dataclass
class DatasetFacts:
    name: str
    rows: int
    columns: dict[str, ColumnFacts]
    primary_key: list[str] = field(default_factory=list)
    declared_recipes: list[str] = field(default_factory=list)
    group: str = ""
    quality_score: float | None = None
    quality_passed: bool | None = None
    quality_failed: int = 0


@dataclass(frozen=True)
class RecipeNeeds:
    name: str
    family: str
    target: str
    required: tuple[str, ...]  # the family cannot work without these
    useful: tuple[str, ...]  # the recipe's other features
    dataset: str = ""  # the dataset or group the recipe belongs to
    tables: tuple[str, ...] = ()  # what it reads: its input and joined tables

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.target, *self.required, *self.useful)


@dataclass
class Gap:
    recipe: str
    column: str  # '' for a gap of the whole dataset
    role: str  # target | required | useful | dataset
    problem: str  # missing | sparse | constant | few_rows | quality
    severity: str  # blocking | warning
    detail: str
    suggestion: str

    def as_dict(self) -> dict:
        return asdict(self)


def applies(needs: RecipeNeeds, ds: DatasetFacts, settings: GapSettings) -> bool:
    if needs.name in ds.declared_recipes:
        return True
    if needs.dataset == ds.name or f"raw.{ds.name}" in needs.tables:
        return True
    if needs.dataset and needs.dataset != ds.group:
        return False  # another dataset's recipe
    if needs.target in ds.columns:
        return True
    present = sum(1 for c in set(needs.inputs) if c in ds.columns)
    return present / len(set(needs.inputs)) >= settings.min_input_share


def _where_else(column: str, ds: DatasetFacts, others: list[DatasetFacts]) -> str | None:
    """Another dataset holding ``column`` that can be joined on a key both share."""
    for other in others:
        if other.name == ds.name or column not in other.columns:
            continue
        # A key of the other table: its declared primary key, else an identifier unique on its rows.
        keys = [k for k in other.primary_key if k in ds.columns] or [
            c
            for c, f in other.columns.items()
            if c in ds.columns and f.inferred_type == "identifier" and f.distinct_count >= other.rows > 0
        ]
        if keys:
            return f"join {other.name} on {', '.join(keys)}: it holds `{column}`"
    return None


def _role(needs: RecipeNeeds, column: str) -> str:
    if column == needs.target:
        return "target"
    return "required" if column in needs.required else "useful"


def find_gaps(
    needs: RecipeNeeds, ds: DatasetFacts, others: list[DatasetFacts], settings: GapSettings
) -> list[Gap]:
    gaps: list[Gap] = []
    seen: set[str] = set()
    for column in needs.inputs:
        if column in seen:
            continue
        seen.add(column)
        role = _role(needs, column)
        severity = "warning" if role == "useful" else "blocking"
        facts = ds.columns.get(column)
        if facts is None:
            elsewhere = _where_else(column, ds, others)
            gaps.append(
                Gap(
                    needs.name,
                    column,
                    role,
                    "missing",
                    severity,
                    f"`{column}` ({role} for {needs.family}) is not a column of {ds.name}",
                    elsewhere
                    or f"add `{column}` to the source of {ds.name}, or map an existing column to it",
                )
            )
            continue
        limit = settings.max_null_share_useful if role == "useful" else settings.max_null_share_required
        if facts.null_share > limit:
            gaps.append(
                Gap(
                    needs.name,
                    column,
                    role,
                    "sparse",
                    severity,
                    f"`{column}` is {facts.null_share:.0%} empty (at most {limit:.0%} for a {role} input)",
                    f"fill `{column}` at the source, or impute it; rows without it are left out of training",
                )
            )
        elif ds.rows > 1 and facts.distinct_count <= 1:
            gaps.append(
                Gap(
                    needs.name,
                    column,
                    role,
                    "constant",
                    severity,
                    f"`{column}` holds a single value, so it cannot explain anything",
                    f"collect data where `{column}` varies",
                )
            )
    min_rows = settings.min_rows_by_family.get(needs.family, settings.min_rows)
    if ds.rows < min_rows:
        gaps.append(
            Gap(
                needs.name,
                "",
                "dataset",
                "few_rows",
                "blocking",
                f"{ds.name} has {ds.rows:,} rows; {needs.family} needs at least {min_rows:,}",
                "load more history, or more entities, before training",
            )
        )
    if ds.quality_score is not None and (
        ds.quality_score < settings.min_quality_score or ds.quality_passed is False
    ):
        failing = f", {ds.quality_failed} expectation(s) failing" if ds.quality_failed else ""
        gaps.append(
            Gap(
                needs.name,
                "",
                "dataset",
                "quality",
                "warning" if ds.quality_passed else "blocking",
                f"quality score {ds.quality_score:.1f} of 100 "
                f"(at least {settings.min_quality_score:.0f} wanted){failing}",
                f"fix the failing expectations listed on {ds.name}/quality, then reload",
            )
        )
    return sorted(gaps, key=lambda g: (SEVERITY_ORDER[g.severity], g.role != "target", g.column))


def readiness(gaps: list[Gap]) -> str:
    if any(g.severity == "blocking" for g in gaps):
        return "blocked"
    return "usable with warnings" if gaps else "ready"


def summary(needs: RecipeNeeds, ds: DatasetFacts, gaps: list[Gap]) -> str:
    """The rule-based phrasing, used when no LLM is configured (or it fails)."""
    state = readiness(gaps)
    if not gaps:
        return f"{ds.name} has every input {needs.name} ({needs.family}) needs, in good shape."
    blocking = [g for g in gaps if g.severity == "blocking"]
    head = f"{needs.name} ({needs.family}) on {ds.name}: {state}"
    parts = [f"{len(blocking)} blocking gap(s)"] if blocking else []
    if len(gaps) > len(blocking):
        parts.append(f"{len(gaps) - len(blocking)} warning(s)")
    first = (blocking or gaps)[0]
    return f"{head}, {' and '.join(parts)}. First: {first.detail}; {first.suggestion}."
