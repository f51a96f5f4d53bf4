"""Recommendations for the worst columns of a dataset: rule-based text from the failed rules, which
an LLM may rephrase (the facts it is given are the same, and the rule-based text stays when it
cannot)."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from nex_assets.quality.logic.score import Outcome, QualitySettings, ScoreCard

# What to do about a failing rule, by expectation type.
ADVICE: dict[str, str] = {
    "expect_column_values_to_not_be_null": "fill the missing values at the source or reject those rows; "
    "relax the rule only if a blank is a legitimate answer",
    "expect_column_values_to_be_unique": "remove the duplicated keys before loading: they double-count",
    "expect_compound_columns_to_be_unique": "remove the duplicated key combinations before loading",
    "expect_column_values_to_be_between": "look for unit, sign or typing errors in the out-of-range values",
    "expect_column_values_to_be_in_set": "map the unknown values to allowed ones, or add them to the suite "
    "if they are new legitimate categories",
    "expect_column_values_to_match_regex": "correct the malformed values at the source (format)",
    "expect_column_values_to_be_of_type": "a value does not parse as the expected type, so the column was "
    "loaded as text; find it in the load notes",
    "expect_column_values_to_be_in_type_list": "a value does not parse as the expected type, so the column "
    "was loaded as text; find it in the load notes",
    "unexpected_rows_expectation": "add the missing referenced rows, or drop the orphans",
    "expect_column_pair_values_a_to_be_greater_than_b": "the relation between the two columns does not hold "
    "on some rows; check how each is computed",
}
DEFAULT_ADVICE = "review the failing values and either correct the data or adjust the rule in the suite"


def _finding(outcome: Outcome) -> str:
    exp = outcome.expectation
    if outcome.error:
        return f"{exp.label()} could not be evaluated ({outcome.error.splitlines()[0][:160]})"
    if outcome.unexpected_count is not None:
        share = outcome.unexpected_share
        pct = f" ({share:.1%} of rows)" if share is not None else ""
        examples = f"; e.g. {', '.join(str(v) for v in outcome.examples[:3])}" if outcome.examples else ""
        return f"{outcome.unexpected_count:,} rows fail {exp.label()}{pct}{examples}"
    return f"{exp.label()} fails (observed {outcome.observed_value!r})"


def rule_based(
    outcomes: list[Outcome], card: ScoreCard, settings: QualitySettings, suite_file: str
) -> list[dict]:
    """One recommendation per worst column (and one for table-level rules that fail)."""
    failing = [o for o in outcomes if not o.success or (o.unexpected_count or 0) > 0]
    worst = sorted(
        (c for c, s in card.columns.items() if s < settings.recommendations.below_score),
        key=lambda c: (card.columns[c], c),
    )[: settings.recommendations.worst_columns]
    targets = [(c, [o for o in failing if c in o.expectation.columns]) for c in worst]
    table_level = [o for o in failing if not o.expectation.columns]
    if table_level:
        targets.append(("(table)", table_level))
    out = []
    for column, found in targets:
        if not found:
            continue
        first = found[0].expectation
        advice = ADVICE.get(first.type, DEFAULT_ADVICE)
        facts = "; ".join(_finding(o) for o in found)
        rules = ", ".join(f"#{o.expectation.index}" for o in found)
        out.append(
            {
                "column": column,
                "score": card.columns.get(column),
                "dimension": first.dimension,
                "facts": facts,
                "text": f"{column}: {facts}. Suggested: {advice} (rules {rules} in {suite_file}).",
                "writer": "rule-based",
            }
        )
    return out


class Phrased(BaseModel):
    column: str
    # A cap gives a local model's string an end (see dictionary/logic/models.py TEXT_CAP).
    text: str = Field(
        description="one or two sentences: what is wrong and what to do, for a data owner",
        json_schema_extra={"maxLength": 360},
    )


class PhrasedRecommendations(BaseModel):
    recommendations: list[Phrased] = Field(json_schema_extra={"maxItems": 50})


def llm_messages(dataset: str, recommendations: list[dict]) -> list[dict]:
    """The prompt: only aggregated facts and masked examples, never raw personal data."""
    facts = [{k: r[k] for k in ("column", "score", "dimension", "facts", "text")} for r in recommendations]
    return [
        {
            "role": "system",
            "content": "You are a data quality engineer. Rewrite each recommendation for the dataset's "
            "owner: plain language, concrete next step, no invented facts. Keep the column names exactly.",
        },
        {
            "role": "user",
            "content": f"Dataset {dataset}. Findings:\n{json.dumps(facts, indent=1, default=str)}",
        },
    ]


def apply_phrasing(
    recommendations: list[dict], phrased: PhrasedRecommendations | None, writer: str
) -> list[dict]:
    """Replaces the text of each column the LLM answered for; anything it skipped keeps its rule text."""
    if phrased is None:
        return recommendations
    by_column = {p.column: p.text.strip() for p in phrased.recommendations if p.text.strip()}
    return [
        {**r, "text": by_column[r["column"]], "writer": writer} if r["column"] in by_column else r
        for r in recommendations
    ]
