"""``<dataset>/raw`` loads the files; ``<dataset>/profile`` describes every column."""

from datetime import timedelta

import dagster as dg
from psycopg import sql

from nex_assets.automation.logic.settings import AutomationSettings, freshness_hours
from nex_assets.common import markdown, patterns
from nex_assets.core.dagster import dataset_asset, dataset_key, forced
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets import load as loader
from nex_assets.datasets import personal_scan, profiler, reader_access
from nex_assets.datasets.logic.catalog import Dataset

PREVIEW_ROWS = 5


def dictionary_text(conn, dataset: str) -> dict[str, str]:
    """The data dictionary's current description of each column (none before it has run)."""
    if conn.execute("select to_regclass('nex.dictionary_entries')").fetchone()[0] is None:
        return {}
    rows = conn.execute(
        "select column_name, description from nex.dictionary_entries "
        "where dataset = %s and column_name <> ''",
        (dataset,),
    ).fetchall()
    return dict(rows)


def raw_key(ds: Dataset) -> dg.AssetKey:
    return dataset_key(ds.name, "raw")


def profile_key(ds: Dataset) -> dg.AssetKey:
    return dataset_key(ds.name, "profile")


def _preview(conn, ds: Dataset, columns: list[str]) -> str:
    rows = conn.execute(
        sql.SQL("select * from {} limit %s").format(sql.Identifier("raw", ds.name)), (PREVIEW_ROWS,)
    ).fetchall()
    masked = set(ds.sensitive_columns)
    for i, name in enumerate(columns):
        if patterns.personal_kind(name, [str(r[i]) for r in rows if r[i] is not None]):
            masked.add(name)
    shown = [[patterns.mask(v) if columns[i] in masked else v for i, v in enumerate(r)] for r in rows]
    return markdown.table(columns, shown)


def freshness(ds: Dataset, settings: AutomationSettings) -> dg.FreshnessPolicy:
    """Warn, then fail, when a dataset has not been materialized for its window (the daily schedule
    and the landing sensor keep it fresh)."""
    try:
        hours = freshness_hours(ds.monitoring, settings.freshness.default_hours)
    except ValueError as exc:
        raise ValueError(f"{ds.file}: {exc}") from exc
    return dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=hours),
        warn_window=timedelta(hours=hours * settings.freshness.warn_fraction),
    )


def raw_asset(ds: Dataset, catalog, settings: AutomationSettings) -> dg.AssetsDefinition:
    source = ds.source.path or ds.source.table

    @dg.asset(
        **dataset_asset(
            ds,
            "raw",
            f"{ds.description or 'raw table'}\n\nLoaded from `{source}` into `raw.{ds.name}`.",
            kinds={"postgres", ds.source.format or "csv"},
            code_version=loader.LOADER_VERSION,
            tags=dict(ds.tags),
            metadata={"dagster/table_name": f"raw.{ds.name}", "source": source, "catalog_file": ds.file},
            freshness_policy=freshness(ds, settings),
        )
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        last_logged = [0]

        def progress(path, sent: int) -> None:
            if sent - last_logged[0] >= 64 << 20:
                last_logged[0] = sent
                context.log.info(f"{path.name}: {sent >> 20} MiB sent")

        result = loader.load_dataset(
            ds,
            (catalog.project_dir, catalog.landing_dir),
            database=warehouse.database(),
            run_id=context.run_id,
            progress=progress,
            # `nex run --force` / `nex materialize --force`: reload even a file whose content is known.
            force=forced(context),
        )
        for note in result.notes:
            context.log.warning(note) if not result.skipped else context.log.info(note)
        with warehouse.connect() as conn:
            preview = _preview(conn, ds, [c for c, _ in result.columns])
            written = dictionary_text(conn, ds.name)
        # A description declared in the catalog, else the data dictionary's current text.
        schema = dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=c,
                    type=t,
                    description=(ds.columns.get(c).description if c in ds.columns else None)
                    or written.get(c),
                )
                for c, t in result.columns
            ]
        )
        return dg.MaterializeResult(
            data_version=dg.DataVersion(result.data_version),
            metadata={
                "dagster/row_count": result.rows,
                "dagster/column_schema": schema,
                "data_version": result.data_version,
                "reloaded": not result.skipped,
                "columns": len(result.columns),
                "bytes": result.bytes,
                "duration_s": round(result.duration_s, 3),
                "rows_per_s": round(result.rows / result.duration_s)
                if result.duration_s and not result.skipped
                else 0,
                "files": dg.MetadataValue.md("\n".join(f"- `{f}`" for f in result.files)),
                "schema": dg.MetadataValue.md(markdown.table(["column", "type"], result.columns)),
                "preview": dg.MetadataValue.md(preview),
                "notes": dg.MetadataValue.md("\n".join(f"- {n}" for n in result.notes) or "none"),
            },
        )

    return _raw


def profile_asset(ds: Dataset) -> dg.AssetsDefinition:
    @dg.asset(
        **dataset_asset(
            ds,
            "profile",
            f"column profile of `raw.{ds.name}`: types, nulls, distinct values, statistics, shapes, IQR "
            "outliers. Stored in `nex.column_profiles` per data version.",
            deps=[raw_key(ds)],
            kinds={"postgres"},
            code_version="1",
        )
    )
    def _profile(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as conn:
            latest = conn.execute(
                "select data_version, rows from nex.dataset_versions where dataset = %s "
                "order by loaded_at desc limit 1",
                (ds.name,),
            ).fetchone()
            if latest is None:
                raise dg.Failure(f"raw.{ds.name} has never been loaded; materialize {ds.name}/raw first")
            version, rows = latest
            with conn.cursor() as cur:
                found = personal_scan.recorded(cur, ds.name)
            entries = profiler.profile_table(
                conn,
                "raw",
                ds.name,
                primary_key=ds.primary_key,
                sensitive=ds.sensitive_columns | set(found),
                exact_rows=rows,
                known=found,
            )
            profiler.store_profiles(conn, ds.name, version, entries)
            # Personal data found only now is closed to the read-only role from this moment on.
            with conn.transaction(), conn.cursor() as cur:
                # Entries are sensitive when declared in the catalog or detected in the values.
                closed = reader_access.restrict_reader(
                    cur, "raw", ds.name, {e["column_name"] for e in entries if e["sensitive"]}
                )
        table_rows = [
            [
                e["column_name"],
                e["pg_type"],
                e["inferred_type"],
                f"{e['null_share']:.1%}",
                markdown.number(e["distinct_count"]),
                markdown.number(e["stats"].get("min")),
                markdown.number(e["stats"].get("max")),
                markdown.number(e["stats"].get("mean")),
                e["stats"].get("outliers", ""),
                ", ".join(p["pattern"] for p in e["stats"].get("patterns", [])[:1]),
                "yes" if e["sensitive"] else "",
            ]
            for e in entries
        ]
        return dg.MaterializeResult(
            metadata={
                "data_version": version,
                "dagster/row_count": rows,
                "columns": len(entries),
                "sensitive_columns": ", ".join(e["column_name"] for e in entries if e["sensitive"]) or "none",
                "closed_to_reader": "no reader role" if closed is None else ", ".join(closed) or "none",
                "profile": dg.MetadataValue.md(
                    markdown.table(
                        [
                            "column",
                            "type",
                            "kind",
                            "nulls",
                            "distinct",
                            "min",
                            "max",
                            "mean",
                            "outliers",
                            "shape",
                            "sensitive",
                        ],
                        table_rows,
                    )
                ),
                "dagster/column_schema": dg.TableSchema(
                    columns=[
                        dg.TableColumn(
                            name=e["column_name"],
                            type=e["pg_type"],
                            description=f"{e['inferred_type']}, {e['null_share']:.1%} null, "
                            f"{e['distinct_count']} distinct",
                        )
                        for e in entries
                    ]
                ),
            }
        )

    return _profile
