"""``<dataset>/insights``."""

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core.dagster import dataset_asset, retry_policy
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.dictionary.assets import dictionary_key
from nex_assets.dictionary.logic.settings import DictionarySettings, dataset_section
from nex_assets.llm import LLMResource


def insights_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "insights"])


def insights_asset(
    ds: Dataset, settings: DictionarySettings, targets: set[str] | frozenset = frozenset()
) -> dg.AssetsDefinition:
    section = dataset_section(ds.dictionary, ds.file).insights

    @dg.asset(
        **dataset_asset(
            ds,
            "insights",
            f"main findings about `raw.{ds.name}`: summary, key metrics, trends, IQR anomalies, strong "
            "correlations, quality and recommendations. Numbers are computed by code; the LLM (or rules) "
            "only phrases them, each statement citing its facts. Kept in `nex.insights`.",
            # After the profile it reads, and after the dictionary: units and personal-data flags
            # come from it.
            deps=[dg.AssetKey([ds.name, "profile"]), dictionary_key(ds)],
            kinds={"postgres", "openai"},
            code_version="1",
            settings=(settings.insights.model_dump(mode="json"), sorted(targets)),
            retry_policy=retry_policy(settings.retry),
        )
    )
    def _insights(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, llm: LLMResource
    ) -> dg.MaterializeResult:
        from nex_assets.dictionary.store import load_entries
        from nex_assets.insights import facts, write

        client = llm.client(warehouse.database())
        try:
            with warehouse.connect(autocommit=True) as conn:
                units = {c: e.unit for c, e in load_entries(conn, ds.name).items()}
                try:
                    found, data_version = facts.compute(conn, ds, settings.insights, section, units, targets)
                except ValueError as exc:
                    raise dg.Failure(str(exc), allow_retries=False) from exc
                result = write.phrase(ds.name, found, client, settings.insights.max_statements)
                write.store(conn, ds.name, data_version, result, context.run_id)
        finally:
            client.close()
        for reason in result.dropped:
            context.log.warning(f"dropped an LLM statement: {reason}")
        return dg.MaterializeResult(
            metadata={
                "writer": result.writer,
                "status": write.status(result.writer),
                "facts": len(result.facts),
                "statements": len(result.statements),
                "dropped_statements": len(result.dropped),
                "data_version": data_version,
                "insights": dg.MetadataValue.md(write.to_markdown(result)),
                "facts_table": dg.MetadataValue.md(
                    markdown.table(
                        ["id", "section", "values"],
                        [[f.id, f.section, f.values] for f in result.facts],
                    )
                ),
                **client.usage().as_metadata(),
            }
        )

    return _insights
