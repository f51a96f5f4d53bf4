"""``<dataset>/dictionary`` and ``<dataset>/embeddings``."""

import json

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core.dagster import dataset_asset, retry_policy
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.assets import profile_key, raw_key
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.dictionary import comments
from nex_assets.dictionary.build import DictionaryError, build_dictionary, overrides_path
from nex_assets.dictionary.logic.dbt import Model, downstream_models
from nex_assets.dictionary.logic.models import STATUSES, TABLE, OverrideError
from nex_assets.dictionary.logic.settings import DictionarySettings
from nex_assets.llm import LLMResource


def dictionary_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "dictionary"])


def embeddings_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "embeddings"])


def dbt_models(catalog) -> dict[str, list[Model]]:
    """The dbt models downstream of each dataset, when the warehouse is part of these definitions (its
    manifest exists and reads only datasets of this catalog)."""
    from nex_assets.warehouse.assets import manifest_path

    path = manifest_path()
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text())
    if not {s["name"] for s in manifest.get("sources", {}).values()} <= catalog.names():
        return {}
    return {ds.name: downstream_models(manifest, ds.name) for ds in catalog.datasets}


def _text(path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def dictionary_asset(
    ds: Dataset, catalog, settings: DictionarySettings, models: list[Model], writer: str = "rule-based"
) -> dg.AssetsDefinition:
    @dg.asset(
        **dataset_asset(
            ds,
            "dictionary",
            f"data dictionary of `raw.{ds.name}`: a description, business meaning, unit, personal-data flag "
            "and tags per table and column, written by the LLM (rule-based without one) from the profile, "
            f"with `dictionary/overrides/{ds.name}.yaml` always winning. Versioned in "
            "`nex.dictionary_versions`; written to Postgres comments.",
            # After the dbt models too: dbt rebuilds them without comments, this writes them back.
            deps=[profile_key(ds), *(dg.AssetKey(["warehouse", m.name]) for m in models)],
            kinds={"postgres", "openai"},
            code_version="1",
            # The overrides people write win over generated text: editing them rebuilds the entry.
            # Who would write it too: once a model answers, what the rules wrote is written again.
            settings=(
                settings.model_dump(mode="json"),
                _text(overrides_path(catalog.project_dir, ds.name)),
                writer,
            ),
            retry_policy=retry_policy(settings.retry),
        )
    )
    def _dictionary(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, llm: LLMResource
    ) -> dg.MaterializeResult:
        client = llm.client(warehouse.database())
        try:
            with warehouse.connect(autocommit=True) as conn:
                result = build_dictionary(
                    conn, ds, client, project_dir=catalog.project_dir, run_id=context.run_id
                )
                commented = comments.apply(conn, ds.name, result.entries, models)
        except (DictionaryError, OverrideError) as exc:
            # Bad input, not a flaky endpoint: retrying would only fail again.
            raise dg.Failure(str(exc), allow_retries=False) from exc
        finally:
            client.close()
        usage = client.usage()
        entries = result.entries
        for column in result.stale_overrides:
            context.log.warning(f"{ds.name}.{column}: the profile changed since a person wrote its override")
        for column, reason in result.rejected.items():
            context.log.warning(f"{ds.name}.{column or '(table)'}: the model's text is set aside: {reason}")
        writers = sorted({e.writer for e in entries})
        schema = dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=e.column_name,
                    type=result.pg_types.get(e.column_name, ""),
                    description=comments.comment_text(e),
                    tags={t: "" for t in e.tags},
                )
                for e in entries
                if e.column_name != TABLE
            ]
        )
        # The raw table's columns read the same text in the UI, without waiting for its next load.
        context.log_event(
            dg.AssetObservation(asset_key=raw_key(ds), metadata={"dagster/column_schema": schema})
        )
        return dg.MaterializeResult(
            data_version=dg.DataVersion(
                "|".join(f"{e.column_name}:{e.version}" for e in sorted(entries, key=lambda e: e.column_name))
            ),
            metadata={
                "entries": len(entries),
                "described": sum(result.count(r) for r in ("new", "stale", "override removed")),
                "new": result.count("new"),
                "stale": result.count("stale"),
                "overrides_applied": result.count("override"),
                "unchanged": result.count("unchanged"),
                "removed": result.count("removed"),
                "curated": sum(e.source == "override" for e in entries),
                "rule_based": sum(e.source == "rule-based" for e in entries),
                "llm_written": sum(e.source == "llm" for e in entries),
                # Where the entries stand with people: `nex dictionary review` lists the suggested ones.
                **{f"status/{s}": sum(e.status == s for e in entries) for s in STATUSES},
                "numbers_rejected": len(result.rejected),
                "writers": ", ".join(writers),
                "llm_configured": client.configured,
                "stale_overrides": ", ".join(result.stale_overrides) or "none",
                "profile_data_version": result.data_version,
                **usage.as_metadata(),
                "comments": dg.MetadataValue.md(
                    markdown.table(["relation", "comments"], sorted(commented.items()))
                ),
                "dictionary": dg.MetadataValue.md(
                    markdown.table(
                        ["column", "description", "unit", "personal", "tags", "status", "writer", "v"],
                        [
                            [
                                e.column_name or "(table)",
                                e.description,
                                e.unit or "",
                                e.personal_kind or ("yes" if e.personal_data else ""),
                                ", ".join(e.tags),
                                e.status,
                                e.writer,
                                e.version,
                            ]
                            for e in entries
                        ],
                    )
                ),
                "dagster/column_schema": schema,
                "overrides_file": str(overrides_path(catalog.project_dir, ds.name)),
            },
        )

    return _dictionary


def embeddings_asset(ds: Dataset) -> dg.AssetsDefinition:
    @dg.asset(
        **dataset_asset(
            ds,
            "embeddings",
            "every dictionary entry embedded into `nex.embeddings` (pgvector, HNSW cosine index) for "
            "`nex search`; only changed entries are embedded again.",
            deps=[dictionary_key(ds)],
            kinds={"postgres"},
            code_version="1",
        )
    )
    def _embeddings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from nex_assets.dictionary import store
        from nex_assets.llm.embedder import get_embedder
        from nex_assets.search.index import sync_entries

        embedder = get_embedder()
        with warehouse.connect(autocommit=True) as conn:
            entries = list(store.load_entries(conn, ds.name).values())
            if not entries:
                raise dg.Failure(f"{ds.name} has no dictionary yet; materialize {ds.name}/dictionary first")
            result = sync_entries(conn, ds.name, entries, embedder)
            total = conn.execute(
                "select count(*) from nex.embeddings where dataset = %s and embedder = %s",
                (ds.name, embedder.name),
            ).fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                "embedder": embedder.name,
                "dimensions": embedder.dim,
                "embedded": result.embedded,
                "unchanged": result.unchanged,
                "deleted": result.deleted,
                "rows": total,
                "table": "nex.embeddings",
            }
        )

    return _embeddings
