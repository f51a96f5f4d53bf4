"""``<dataset>/knowledge_gaps``: computed from the profile, the quality score and the recipes; phrased
by the LLM where one is configured."""

import json

import dagster as dg
from pydantic import BaseModel, Field

from nex_assets.common import markdown
from nex_assets.core import settings
from nex_assets.core.dagster import dataset_asset, retry_policy
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.assets import profile_key
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.dictionary.logic.settings import DictionarySettings
from nex_assets.knowledge_gaps.logic import gaps as kg
from nex_assets.knowledge_gaps.logic.settings import GapSettings
from nex_assets.llm import LLMResource

SYSTEM_PROMPT = (
    "You explain to a business reader what a dataset lacks for an analysis. Use only the facts given; "
    "never add a column, number or dataset that is not in them. Two or three sentences: whether the "
    "analysis can run, the most important gap, and what to do first."
)


class GapPhrasing(BaseModel):
    # A cap gives a local model's string an end (see dictionary/logic/models.py TEXT_CAP).
    summary: str = Field(
        description="two or three sentences for a business reader", json_schema_extra={"maxLength": 600}
    )


def knowledge_gaps_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "knowledge_gaps"])


def _upstream(ds: Dataset) -> list[dg.AssetKey]:
    """After the profile, and after the quality score when the quality domain is part of the graph."""
    try:
        from nex_assets.quality.assets import quality_key
    except ImportError:
        return [profile_key(ds)]
    return [profile_key(ds), quality_key(ds)]


def knowledge_gaps_asset(ds: Dataset, catalog) -> dg.AssetsDefinition:
    @dg.asset(
        **dataset_asset(
            ds,
            "knowledge_gaps",
            "what the dataset lacks for the recipes that apply to it: missing, sparse or constant inputs, "
            "too few rows, a poor quality score; with suggestions. Kept in `nex.knowledge_gaps`.",
            deps=_upstream(ds),
            kinds={"postgres"},
            code_version="1",
            settings=(
                settings.load(GapSettings).model_dump(mode="json"),
                sorted(r.version for r in catalog.recipes),
            ),
            # It calls the LLM: the same step retry policy as the dictionary's.
            retry_policy=retry_policy(settings.load(DictionarySettings).retry),
        )
    )
    def _knowledge_gaps(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, llm: LLMResource
    ) -> dg.MaterializeResult:
        from nex_assets.knowledge_gaps.facts import dataset_facts, recipe_needs, store, table_facts

        gap_settings = settings.load(GapSettings)
        client = llm.client(warehouse.database())
        with warehouse.connect(autocommit=True) as conn:
            found = dataset_facts(conn, ds)
            if found is None:
                raise dg.Failure(f"{ds.name} has no profile yet; materialize {ds.name}/profile first")
            facts, version = found
            others = [
                f for other in catalog.datasets if other.name != ds.name if (f := dataset_facts(conn, other))
            ]
            results = []
            for needs in recipe_needs():
                if not kg.applies(needs, facts, gap_settings):
                    continue
                judged = facts
                own = needs.dataset in (ds.name, ds.group)
                if own and needs.tables and needs.tables[0] != f"raw.{ds.name}":
                    # A recipe of this dataset reads another table (a dbt mart, a join): that is the
                    # table it lacks things in, not the raw one.
                    read = table_facts(conn, needs.tables, set(needs.inputs))
                    if read is not None:
                        read.quality_score, read.quality_passed = facts.quality_score, facts.quality_passed
                        read.quality_failed = facts.quality_failed
                        judged = read
                gaps = kg.find_gaps(needs, judged, [o for o, _ in others], gap_settings)
                text, writer = kg.summary(needs, judged, gaps), "rule-based"
                if gaps and client.configured:
                    facts_json = {
                        "dataset": ds.name,
                        "recipe": needs.name,
                        "family": needs.family,
                        "readiness": kg.readiness(gaps),
                        "gaps": [g.as_dict() for g in gaps],
                    }
                    messages = [
                        {"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": json.dumps(facts_json)},
                    ]
                    parsed, info = client.complete_json(messages, GapPhrasing, purpose="knowledge_gaps")
                    if parsed is not None:
                        text, writer = parsed.summary, info.writer
                results.append((needs, kg.readiness(gaps), text, writer, gaps))
            store(conn, ds.name, version, results, context.run_id)
        rows = [
            [needs.name, g.column or "(dataset)", g.role, g.problem, g.severity, g.suggestion]
            for needs, _, _, _, gaps in results
            for g in gaps
        ]
        return dg.MaterializeResult(
            metadata={
                "data_version": version,
                "recipes_applicable": len(results),
                "ready": sum(r[1] == "ready" for r in results),
                "blocked": sum(r[1] == "blocked" for r in results),
                "gaps": len(rows),
                "readiness": dg.MetadataValue.md(
                    markdown.table(
                        ["recipe", "readiness", "summary", "written by"],
                        [[r[0].name, r[1], r[2], r[3]] for r in results],
                    )
                ),
                "gap_table": dg.MetadataValue.md(
                    markdown.table(["recipe", "column", "role", "problem", "severity", "suggestion"], rows)
                ),
                **client.usage().as_metadata(),
            }
        )

    return _knowledge_gaps
