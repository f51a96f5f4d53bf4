"""``<dataset>/synthetic``: a privacy-safe synthetic copy in schema ``synthetic``, with its fidelity,
privacy and utility checks evaluated in the same step (the real and synthetic frames are in memory
there; the checks read them instead of loading both tables again)."""

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core import env
from nex_assets.core.compute import gpu_placement
from nex_assets.core.dagster import dataset_spec
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.synthetic.logic.settings import SyntheticSettings

CHECK_DESCRIPTIONS = {
    "diagnostic": "SDV diagnostic report (validity, structure, references) at its threshold (100%).",
    "quality": "SDV quality report (column shapes, pair trends) at least the configured threshold.",
    "dcr_baseline_protection": "Distance to the closest real record, relative to random data, at least "
    "the configured threshold.",
    "exact_copies": "Share of synthetic rows identical to a real row at most the configured share.",
    "train_synthetic_test_real": "A model trained on synthetic rows scores on real held-out rows within "
    "the configured loss of one trained on real rows.",
}


def synthetic_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "synthetic"])


def _check_specs(ds: Dataset, settings: SyntheticSettings) -> list[dg.AssetCheckSpec]:
    names = ["diagnostic", "quality", "dcr_baseline_protection", "exact_copies"]
    if settings.utility:
        names.append("train_synthetic_test_real")
    return [
        dg.AssetCheckSpec(
            name, asset=synthetic_key(ds), description=CHECK_DESCRIPTIONS[name], blocking=name == "diagnostic"
        )
        for name in names
    ]


def _spec(ds: Dataset, settings: SyntheticSettings, synthesizer: str) -> dg.AssetSpec:
    return dataset_spec(
        ds,
        "synthetic",
        f"synthetic copy of `raw.{ds.name}` in `synthetic.{ds.name}` ({synthesizer}, seed {settings.seed}): "
        "sensitive columns faked, never copied; fidelity and privacy checked.",
        deps=[dg.AssetKey([ds.name, "profile"])],
        kinds={"postgres", "sdv"},
        code_version="1",
        settings=(settings.model_dump(mode="json"), synthesizer),
        metadata={"dagster/table_name": f"synthetic.{ds.name}", "synthesizer": synthesizer},
    )


def _metadata(table, group) -> dict:
    plans = markdown.table(
        ["column", "treatment", "why"], [[p.name, p.treatment, p.reason] for p in table.plans]
    )
    checks = markdown.table(
        ["check", "passed", "result"], [[k, "yes" if ok else "NO", d] for k, (ok, d) in table.checks.items()]
    )
    props = [["diagnostic", k, f"{v:.1%}"] for k, v in table.diagnostic.properties.items()]
    props += [["quality", k, f"{v:.1%}"] for k, v in table.quality.properties.items()]
    meta = {
        "dagster/row_count": len(table.frame),
        "data_version": table.data_version,
        "rows_real": table.rows_real,
        "rows_fit": table.rows_fit,
        "device": group.synthesized.device,
        "fit_s": round(group.synthesized.fit_s, 2),
        "sample_s": round(group.synthesized.sample_s, 2),
        "diagnostic": round(table.diagnostic.score, 4),
        "quality": round(table.quality.score, 4),
        "dcr_baseline_protection": round(table.dcr["score"], 4),
        "exact_copy_share": round(table.exact_share, 6),
        "checks": dg.MetadataValue.md(checks),
        "columns": dg.MetadataValue.md(plans),
        "report_properties": dg.MetadataValue.md(markdown.table(["report", "property", "score"], props)),
        "constraints": dg.MetadataValue.md(
            markdown.table(["column", "rule", "bound"], table.constraint_rules)
            + "\n\nValues brought inside: "
            + (", ".join(f"{k}: {v}" for k, v in table.constraint_changes.items()) or "none")
            if table.constraint_rules
            else "no quality suite for this dataset: values stay within the real minimum and maximum"
        ),
    }
    if table.utility is not None:
        u = table.utility
        meta |= {
            "tstr_real": round(u.real, 4),
            "tstr_synthetic": round(u.synthetic, 4),
            "tstr_loss": round(u.loss, 4),
        }
    if group.mlflow_url:
        meta["mlflow_run"] = dg.MetadataValue.url(group.mlflow_url)
    meta["timings"] = dg.MetadataValue.md(
        markdown.table(["phase", "seconds"], [[k, v] for k, v in group.timings.items()])
    )
    fakes = {
        k: v for k, v in group.synthesized.fake_rejections.items() if k.startswith(f"{table.dataset.name}.")
    }
    if fakes:
        meta["fake_draws_rejected"] = dg.MetadataValue.md(
            "Draws equal to a real value, discarded: " + ", ".join(f"{k}: {v}" for k, v in fakes.items())
        )
    return meta


def _run(context, warehouse: WarehouseResource, datasets, settings, relations):
    from nex_assets.synthetic import pipeline, store

    device = env.torch_device() if any(settings[d.name].neural for d in datasets) else "cpu"
    with warehouse.connect() as conn:
        try:
            group = pipeline.run_group(
                conn,
                datasets,
                settings,
                relations,
                progress=context.log.info,
                device=device,
            )
        except pipeline.SyntheticInputError as exc:
            raise dg.Failure(str(exc)) from exc
        for table in group.tables:
            store.record_run(
                conn,
                {
                    "dataset": table.dataset.name,
                    "data_version": table.data_version,
                    "synthesizer": "hma" if relations else table.settings.synthesizer,
                    "seed": table.settings.seed,
                    "rows_real": table.rows_real,
                    "rows_fit": table.rows_fit,
                    "rows_synthetic": len(table.frame),
                    "device": group.synthesized.device,
                    "diagnostic": table.diagnostic.score,
                    "quality": table.quality.score,
                    "dcr_baseline_protection": table.dcr["score"],
                    "exact_copy_share": table.exact_share,
                    "tstr_loss": table.utility.loss if table.utility else None,
                    "checks_passed": table.passed,
                    "mlflow_run_id": group.mlflow_run_id,
                    "details": {k: {"passed": ok, "detail": d} for k, (ok, d) in table.checks.items()},
                    "dagster_run_id": context.run_id,
                },
            )
    for table in group.tables:
        key = synthetic_key(table.dataset)
        yield dg.MaterializeResult(asset_key=key, metadata=_metadata(table, group))
        for name, (ok, detail) in table.checks.items():
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=name,
                passed=ok,
                severity=dg.AssetCheckSeverity.ERROR,
                description=detail,
                metadata={"result": detail},
            )


def _compute(settings: list[SyntheticSettings]) -> dict:
    """Neural synthesizers go to the GPU pool and carry the tags that place them on GPU nodes."""
    return gpu_placement() if any(s.neural for s in settings) else {}


def single_asset(ds: Dataset, settings: SyntheticSettings) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name=f"{ds.name}__synthetic",
        specs=[_spec(ds, settings, settings.synthesizer)],
        check_specs=_check_specs(ds, settings),
        **_compute([settings]),
    )
    def _synthetic(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        yield from _run(context, warehouse, [ds], {ds.name: settings}, [])

    return _synthetic


def group_asset(name: str, datasets: list[Dataset], settings: dict, relations) -> dg.AssetsDefinition:
    """Related tables fitted together by SDV's HMA, so synthetic children reference synthetic parents."""

    @dg.multi_asset(
        name=f"{name}__synthetic",
        specs=[_spec(ds, settings[ds.name], "hma") for ds in datasets],
        check_specs=[c for ds in datasets for c in _check_specs(ds, settings[ds.name])],
        description=f"Multi-table synthetic copy of {', '.join(d.name for d in datasets)} (SDV HMA).",
    )
    def _synthetic(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        yield from _run(context, warehouse, datasets, settings, relations)

    return _synthetic
