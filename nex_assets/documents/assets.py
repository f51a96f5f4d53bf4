"""``<collection>/documents``: the collection's files parsed, chunked and embedded into ``nex.embeddings``."""

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core.dagster import DATASET_TAG, GROUP_TAG, described, forced
from nex_assets.core.resources import WarehouseResource
from nex_assets.documents.logic.collections import Collection

SHOWN_FILES = 50


def documents_key(collection: Collection) -> dg.AssetKey:
    return dg.AssetKey([collection.name, "documents"])


def documents_asset(collection: Collection, catalog) -> dg.AssetsDefinition:
    key = documents_key(collection)

    @dg.asset(
        key=key,
        group_name=collection.name,
        description=described(collection.name, collection.description or "document collection")
        + f"\n\nFiles under `{collection.path}` parsed (PDF, Word, "
        "PowerPoint, Markdown, text), chunked with overlap and embedded into `nex.embeddings` "
        "(kind `document`) with file and page references; only changed files are embedded again.".strip(),
        kinds={"pgvector", "python"},
        code_version="1",
        owners=[collection.owner] if collection.owner else None,
        tags={DATASET_TAG: collection.name, GROUP_TAG: collection.group},
        metadata={"collection_file": collection.file, "path": collection.path},
        check_specs=[
            dg.AssetCheckSpec(
                "all_files_readable",
                asset=key,
                description="Every file of the collection could be parsed (a failure names the file, why).",
            )
        ],
    )
    def _documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        from nex_assets.documents.store import sync_collection
        from nex_assets.llm.embedder import get_embedder

        embedder = get_embedder()
        with warehouse.connect(autocommit=True) as conn:
            result = sync_collection(
                conn, collection, catalog.project_dir, embedder, run_id=context.run_id, force=forced(context)
            )
        failed = [f for f in result.files if f.status == "failed"]
        for f in failed:
            context.log.warning(f.error)
        busy = result.parse_s + result.embed_s + result.write_s
        rows = [
            [f.file, f.kind, f.status, f.units, f.chunks, f.error or ""] for f in result.files[:SHOWN_FILES]
        ]
        yield dg.MaterializeResult(
            data_version=dg.DataVersion(result.data_version),
            metadata={
                "data_version": result.data_version,
                "embedder": embedder.name,
                "files": len([f for f in result.files if f.status != "removed"]),
                "embedded": result.count("embedded"),
                "unchanged": result.count("unchanged"),
                "removed": result.count("removed"),
                "failed": len(failed),
                "pages_embedded": result.pages,
                "chunks_written": result.chunks_written,
                "parse_s": round(result.parse_s, 3),
                "embed_s": round(result.embed_s, 3),
                "pages_per_s": round(result.pages / busy, 1) if busy and result.pages else 0,
                "file_table": dg.MetadataValue.md(
                    markdown.table(
                        ["file", "kind", "status", "pages/slides/sections", "chunks", "error"], rows
                    )
                ),
            },
        )
        yield dg.AssetCheckResult(
            check_name="all_files_readable",
            passed=not failed,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "failed": len(failed),
                "reasons": dg.MetadataValue.md("\n".join(f"- {f.error}" for f in failed) or "none"),
            },
        )

    return _documents
