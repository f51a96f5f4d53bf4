"""Insights as facts and statements. Every number is computed by code into a ``Fact``; a statement (by
the rule-based phrasing here, or by the LLM) only phrases facts and names the ids it rests on, and a
statement whose numbers are not in its facts is dropped."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from pydantic import BaseModel, Field

from nex_assets.dictionary.logic import numbers

SECTIONS = ("summary", "key metrics", "trends", "anomalies", "correlations", "quality", "recommendations")


@dataclass
class Fact:
    id: str
    section: str
    subject: str
    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Statement(BaseModel):
    section: str = Field(description=f"One of: {', '.join(SECTIONS)}.")
    # The caps give a local model's strings and lists an end (see dictionary/logic/models.py TEXT_CAP).
    text: str = Field(
        description="One plain-language sentence that uses only the numbers of its facts.",
        json_schema_extra={"maxLength": 300},
    )
    fact_ids: list[str] = Field(
        description="Ids of the facts this sentence rests on (at least one).",
        json_schema_extra={"maxItems": 6},
    )


class InsightsText(BaseModel):
    """What the LLM returns: statements phrased from the facts it was given."""

    statements: list[Statement] = Field(json_schema_extra={"maxItems": 30})


def fmt(value: object, unit: str | None = None) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 100):
        text = f"{int(value):,}"
    elif isinstance(value, float):
        text = f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    else:
        text = str(value)
    return (
        f"{text} {unit}" if unit and unit not in {"percent"} else (f"{text}%" if unit == "percent" else text)
    )


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


# Facts from numbers --------------------------------------------------------------------------------


def trend(
    measure: str,
    series: list[tuple[str, float]],
    *,
    min_periods: int,
    min_change: float,
    how: str,
    unit: str | None = None,
    grain: str = "period",
) -> Fact | None:
    """First quarter of the periods against the last quarter; None when too short or too flat."""
    values = [v for _, v in series if v is not None]
    if len(values) < min_periods:
        return None
    q = max(1, len(values) // 4)
    first, last = sum(values[:q]) / q, sum(values[-q:]) / q
    if first == 0:
        return None
    change = (last - first) / abs(first)
    if abs(change) < min_change:
        return None
    peak_period, peak = max(series, key=lambda p: p[1] if p[1] is not None else -math.inf)
    return Fact(
        f"trend.{measure}",
        "trends",
        measure,
        {
            "how": how,
            "grain": grain,
            "periods": len(values),
            "first_period": series[0][0],
            "last_period": series[-1][0],
            "first_quarter_mean": round(first, 4),
            "last_quarter_mean": round(last, 4),
            "change": round(change, 4),
            "peak_period": peak_period,
            "peak": round(peak, 4),
            "unit": unit,
        },
    )


def anomaly(
    column: str, outliers: int, rows: int, fences: list[float], *, min_share: float, unit: str | None = None
) -> Fact | None:
    share = outliers / rows if rows else 0.0
    if not outliers or share < min_share:
        return None
    return Fact(
        f"anomaly.{column}",
        "anomalies",
        column,
        {
            "outliers": outliers,
            "share": round(share, 4),
            "low_fence": round(fences[0], 4),
            "high_fence": round(fences[1], 4),
            "unit": unit,
        },
    )


def correlations(
    pairs: dict[tuple[str, str], float | None], threshold: float, targets: set[str] | None = None
) -> list[Fact]:
    """Strong correlations; a pair holding a column some model predicts says which (``target``)."""
    out = []
    for (a, b), r in sorted(pairs.items(), key=lambda kv: -abs(kv[1] or 0)):
        if r is not None and abs(r) >= threshold:
            values = {"a": a, "b": b, "r": round(r, 3)}
            target = next((c for c in (a, b) if c in (targets or set())), None)
            if target:
                values["target"] = target
            out.append(Fact(f"corr.{a}~{b}", "correlations", f"{a} and {b}", values))
    return out


# Rule-based phrasing -------------------------------------------------------------------------------


def phrase(fact: Fact) -> str:
    v = fact.values
    if fact.id == "summary.table":
        return f"{fact.subject} holds {fmt(v['rows'])} rows in {v['columns']} columns" + (
            f", of which {v['personal_columns']} hold personal data." if v.get("personal_columns") else "."
        )
    if fact.id == "summary.period":
        return f"The data covers {v['first']} to {v['last']} ({fmt(v['periods'])} {v['grain']}s)."
    if fact.section == "key metrics":
        parts = [f"{fact.subject}: mean {fmt(v['mean'], v.get('unit'))}"]
        if v.get("total") is not None:
            parts.append(f"total {fmt(v['total'], v.get('unit'))}")
        if v.get("null_share"):
            parts.append(f"missing in {pct(v['null_share'])} of rows")
        return ", ".join(parts) + "."
    if fact.section == "trends":
        direction = "rose" if v["change"] > 0 else "fell"
        first, last = fmt(v["first_quarter_mean"], v.get("unit")), fmt(v["last_quarter_mean"], v.get("unit"))
        grain = v.get("grain", "period")
        subject = "rows" if fact.subject == "rows" else f"{v['how']} {fact.subject}"
        return (
            f"{subject.capitalize()} per {grain} {direction} {pct(abs(v['change']))} from the first to the "
            f"last quarter of the {fmt(v['periods'])} {grain}s ({first} to {last}); the peak was "
            f"{v['peak_period']}."
        )
    if fact.section == "anomalies":
        return (
            f"{fmt(v['outliers'])} values of {fact.subject} ({pct(v['share'])}) lie outside the IQR fences "
            f"{fmt(v['low_fence'])} to {fmt(v['high_fence'])}."
        )
    if fact.section == "correlations":
        kind = "rise together" if v["r"] > 0 else "move in opposite directions"
        return f"{v['a']} and {v['b']} {kind} (Pearson r = {v['r']})."
    if fact.section == "quality":
        verdict = "passes" if v["checks_passed"] else "fails"
        return f"The newest quality score is {fmt(v['score'])} and the dataset {verdict} its quality checks."
    return f"{fact.subject}: {v}"


def recommendations(facts: list[Fact]) -> list[Statement]:
    out = []
    for f in facts:
        if f.section == "anomalies" and f.values["share"] >= 0.02:
            out.append(
                Statement(
                    section="recommendations",
                    fact_ids=[f.id],
                    text=f"Review the {fmt(f.values['outliers'])} outlying values of {f.subject} "
                    "before using it in models or reports.",
                )
            )
        elif f.section == "key metrics" and (f.values.get("null_share") or 0) >= 0.05:
            out.append(
                Statement(
                    section="recommendations",
                    fact_ids=[f.id],
                    text=f"{f.subject} is missing in {pct(f.values['null_share'])} of rows; "
                    "fill it at the source or document why.",
                )
            )
        elif f.section == "correlations" and abs(f.values["r"]) >= 0.9 and f.values.get("target"):
            target = f.values["target"]
            other = f.values["b"] if f.values["a"] == target else f.values["a"]
            out.append(
                Statement(
                    section="recommendations",
                    fact_ids=[f.id],
                    text=f"{other} tracks {target}, which a model predicts, closely (r = {f.values['r']}): "
                    f"check that {other} is known before {target} is, or it leaks the answer.",
                )
            )
        elif f.section == "correlations" and abs(f.values["r"]) >= 0.9:
            out.append(
                Statement(
                    section="recommendations",
                    fact_ids=[f.id],
                    text=f"{f.values['a']} and {f.values['b']} carry nearly the same information "
                    f"(r = {f.values['r']}); use one of them as a model feature, not both.",
                )
            )
        elif f.section == "quality" and not f.values["checks_passed"]:
            out.append(
                Statement(
                    section="recommendations",
                    fact_ids=[f.id],
                    text="Fix the failing quality checks before relying on this dataset.",
                )
            )
    return out


def rule_based(facts: list[Fact], max_statements: int) -> list[Statement]:
    statements = [Statement(section=f.section, text=phrase(f), fact_ids=[f.id]) for f in facts]
    return (statements + recommendations(facts))[:max_statements]


# Checking what an LLM wrote ------------------------------------------------------------------------


def verify(statements: list[Statement], facts: list[Fact]) -> tuple[list[Statement], list[str]]:
    """Keeps statements that name known facts and whose every number is one of those facts' numbers (as
    written, rounded, or as a percentage); returns the kept ones and why others were dropped."""
    by_id = {f.id: f for f in facts}
    kept, dropped = [], []
    for s in statements:
        ids = [i for i in s.fact_ids if i in by_id]
        if not ids:
            dropped.append(f"no known fact: {s.text[:80]}")
            continue
        known = numbers.numbers_in([[by_id[i].values, by_id[i].subject] for i in ids])
        stray = numbers.unsupported(s.text, known)
        if stray:
            dropped.append(f"numbers {stray} not in facts {ids}: {s.text[:80]}")
            continue
        kept.append(s.model_copy(update={"fact_ids": ids}))
    return kept, dropped
