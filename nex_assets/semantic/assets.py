"""``<dataset>/semantic_model``: the dataset's semantic model and metrics drafted from its profile and
dictionary, and its dimension values indexed for questions. The draft is askable at once; a person
accepts it into ``semantic/<dataset>.yaml`` (`nex metrics accept`), edits that file, or rejects it."""

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core import settings as nex_settings
from nex_assets.core.dagster import dataset_asset, versioned
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.assets import profile_key
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.dictionary.assets import dictionary_key
from nex_assets.semantic.logic.settings import SemanticSettings


def semantic_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "semantic_model"])


def semantic_asset(ds: Dataset, catalog) -> dg.AssetsDefinition:
    # Another dataset's one-column key in this one is a join path: the draft depends on those keys.
    keys = {d.primary_key[0]: d.name for d in catalog.datasets if len(d.primary_key) == 1}
    settings = nex_settings.load(SemanticSettings)

    @dg.asset(
        **dataset_asset(
            ds,
            "semantic_model",
            "semantic model and metrics drafted from the profile and the dictionary (entities from keys, "
            "dimensions with their grain, measures with their aggregation), kept in `nex.semantic_drafts`; "
            f"`semantic/{ds.name}.yaml`, once accepted, wins. Dimension values indexed for questions.",
            deps=[profile_key(ds), dictionary_key(ds)],
            kinds={"postgres"},
            code_version="1",
            settings=(settings.model_dump(mode="json"), sorted(keys.items())),
        )
    )
    def _semantic_model(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        from nex_assets.semantic import store
        from nex_assets.semantic.logic.draft import draft

        with warehouse.connect(autocommit=True) as conn:
            facts = store.table_facts(conn, ds)
            if facts is None:
                raise dg.Failure(f"{ds.name} has no profile yet; materialize {ds.name}/profile first")
            version = conn.execute(
                "select data_version from nex.column_profiles where dataset = %s "
                "order by profiled_at desc limit 1",
                (ds.name,),
            ).fetchone()[0]
            part = draft(facts, keys)
            with conn.transaction():
                status = store.save_draft(conn, ds.name, version, part)
                indexed = store.index_values(conn, part, facts, settings)
        accepted = (store.folder(catalog.project_dir, settings) / f"{ds.name}.yaml").exists()
        model = part.semantic_models[0]
        rows = [[m.name, m.type, m.label or "", m.description] for m in part.metrics]
        return dg.MaterializeResult(
            data_version=dg.DataVersion(store.body_hash(part)),
            metadata={
                "status": "accepted file wins" if accepted else status,
                "metrics": len(part.metrics),
                "dimensions": len(model.dimensions),
                "entities": ", ".join(f"{e.name} ({e.type})" for e in model.entities) or "none",
                "time_dimension": model.defaults.agg_time_dimension or "none",
                "indexed_values": indexed,
                "metrics_table": dg.MetadataValue.md(
                    markdown.table(["metric", "type", "label", "meaning"], rows)
                ),
            },
        )

    return _semantic_model


def predictions_semantic_asset(recipe, catalog) -> dg.AssetsDefinition:
    """``<dataset>/<recipe>/semantic_model``: the semantic model of the recipe's predictions table."""
    from nex_assets.ml.assets import predictions_key

    keys = {d.primary_key[0]: d.name for d in catalog.datasets if len(d.primary_key) == 1}
    settings = nex_settings.load(SemanticSettings)

    @dg.asset(
        key=dg.AssetKey([recipe.dataset, recipe.name, "semantic_model"]),
        deps=[predictions_key(recipe)],
        group_name=recipe.name,
        tags={"nex/recipe": recipe.name, "nex/family": recipe.family},
        kinds={"postgres"},
        code_version=versioned("1", recipe.version, settings.model_dump(mode="json"), sorted(keys.items())),
        description=f"{recipe.name}: semantic model of `predictions.{recipe.predictions_table}`, so that "
        "what the model computed is asked about like any table, joined to the datasets by its keys.",
    )
    def _predictions_semantic_model(warehouse: WarehouseResource) -> dg.MaterializeResult:
        from nex_assets.semantic import predictions, store
        from nex_assets.semantic.logic.draft import draft

        with warehouse.connect(autocommit=True) as conn:
            facts = predictions.table_facts(
                conn, recipe, f"predictions of the {recipe.family} recipe {recipe.name}"
            )
            if facts is None:
                raise dg.Failure(f"predictions.{recipe.predictions_table} does not exist yet")
            part = draft(facts, keys)
            with conn.transaction():
                store.save_draft(conn, facts.dataset, recipe.version, part)
                indexed = store.index_values(conn, part, facts, settings)
        return dg.MaterializeResult(
            data_version=dg.DataVersion(store.body_hash(part)),
            metadata={"metrics": len(part.metrics), "indexed_values": indexed},
        )

    return _predictions_semantic_model
