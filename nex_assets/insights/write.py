"""Phrasing insights: the LLM gets the facts (never rows) and returns statements citing fact ids; a
statement that cites nothing known, or states a number its facts do not hold, is dropped. With no LLM,
or nothing left, the rule-based phrasing speaks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import psycopg
from psycopg.types.json import Jsonb

from nex_assets.dictionary.logic.models import RULE_BASED as RULE_BASED_STATUS
from nex_assets.dictionary.logic.models import SUGGESTED
from nex_assets.insights.logic import findings as I
from nex_assets.llm.client import RULE_BASED, LLMClient

SYSTEM_PROMPT = (
    "You are a data analyst writing the main findings about one dataset for business readers. You get "
    "facts computed by code, each with an id. Write short plain-language statements, grouped by section ("
    + ", ".join(I.SECTIONS)
    + "). Use only the numbers in the facts (you may round them or show shares as percentages); never "
    "compute new numbers. Every statement lists the ids of the facts it rests on. Add recommendations that "
    "follow from the facts."
)


@dataclass
class Insights:
    facts: list[I.Fact]
    statements: list[I.Statement]
    writer: str
    dropped: list[str] = field(default_factory=list)


def phrase(dataset: str, facts: list[I.Fact], client: LLMClient, max_statements: int) -> Insights:
    if client.configured:
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": f"Dataset `{dataset}`. Facts:\n```json\n"
                + json.dumps([f.as_dict() for f in facts], sort_keys=True, default=str)
                + "\n```",
            },
        ]
        parsed, info = client.complete_json(messages, I.InsightsText, purpose="insights")
        if parsed is not None:
            kept, dropped = I.verify(parsed.statements, facts)
            if kept:
                return Insights(facts, kept[:max_statements], info.writer, dropped)
            return Insights(facts, I.rule_based(facts, max_statements), RULE_BASED, dropped)
    return Insights(facts, I.rule_based(facts, max_statements), RULE_BASED)


def status(writer: str) -> str:
    """A model's phrasing is a suggestion until a person accepts it (``nex dictionary accept --insights``)."""
    return RULE_BASED_STATUS if writer == RULE_BASED else SUGGESTED


def store(conn: psycopg.Connection, dataset: str, data_version: str, insights: Insights, run_id: str | None):
    conn.execute(
        """insert into nex.insights (dataset, data_version, writer, status, facts, statements, dagster_run_id)
           values (%s, %s, %s, %s, %s, %s, %s)""",
        (
            dataset,
            data_version,
            insights.writer,
            status(insights.writer),
            Jsonb([f.as_dict() for f in insights.facts]),
            Jsonb([s.model_dump() for s in insights.statements]),
            run_id,
        ),
    )


def to_markdown(insights: Insights) -> str:
    lines = []
    for section in I.SECTIONS:
        statements = [s for s in insights.statements if s.section == section]
        if statements:
            lines.append(f"**{section.capitalize()}**")
            lines += [f"- {s.text} `[{', '.join(s.fact_ids)}]`" for s in statements]
            lines.append("")
    return "\n".join(lines) or "no findings"
