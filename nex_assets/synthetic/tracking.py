"""The fitted synthesizer, its parameters and its scores, as one MLflow run per synthetic run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nex_assets.ml import tracking

EXPERIMENT = "nex.synthetic"


def log_group(group, relations, settings) -> tuple[str, str]:
    """Returns the run's id and its MLflow UI link."""
    import mlflow

    tracking.experiment(EXPERIMENT)
    synthesized = group.synthesized
    name = "+".join(t.dataset.name for t in group.tables)
    with mlflow.start_run(run_name=name) as run:
        mlflow.set_tags({"nex/datasets": name, "nex/kind": "synthetic"})
        params = {
            "synthesizer": "hma" if relations else settings.synthesizer,
            "seed": settings.seed,
            "max_rows": settings.max_rows,
            "epochs": settings.epochs if settings.neural else None,
            "device": synthesized.device,
            "locale": settings.locale,
        }
        mlflow.log_params({k: v for k, v in params.items() if v is not None})
        metrics = {"fit_s": synthesized.fit_s, "sample_s": synthesized.sample_s}
        for t in group.tables:
            prefix = t.dataset.name if len(group.tables) > 1 else ""
            values = {
                "diagnostic": t.diagnostic.score,
                "quality": t.quality.score,
                "dcr_baseline_protection": t.dcr["score"],
                "exact_copy_share": t.exact_share,
                "rows_fit": t.rows_fit,
                "rows_synthetic": len(t.frame),
            }
            if t.utility is not None:
                values |= {
                    "tstr_real": t.utility.real,
                    "tstr_synthetic": t.utility.synthetic,
                    "tstr_loss": t.utility.loss,
                }
            metrics |= {(f"{prefix}.{k}" if prefix else k): float(v) for k, v in values.items()}
        mlflow.log_metrics(metrics)
        for epoch in synthesized.losses:
            step = int(epoch.pop("Epoch"))
            mlflow.log_metrics({k.lower().replace(" ", "_"): float(v) for k, v in epoch.items()}, step=step)
        mlflow.log_dict(synthesized.metadata, "sdv_metadata.json")
        mlflow.log_dict(
            {
                t.dataset.name: {
                    "columns": {p.name: {"treatment": p.treatment, "reason": p.reason} for p in t.plans},
                    "checks": {k: {"passed": ok, "detail": d} for k, (ok, d) in t.checks.items()},
                    "diagnostic": t.diagnostic.properties,
                    "quality": t.quality.properties,
                    "dcr": t.dcr,
                }
                for t in group.tables
            },
            "reports.json",
        )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "synthesizer.pkl"
            synthesized.synthesizer.save(str(path))
            mlflow.log_artifact(str(path), artifact_path="synthesizer")
    return run.info.run_id, tracking.run_url(run)
