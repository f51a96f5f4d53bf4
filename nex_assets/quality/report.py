"""The ``<dataset>/quality`` materialization: score, dimensions, trend, failures, recommendations and
the Data Docs link; the same facts go to ``nex.quality_scores``."""

import dagster as dg

from nex_assets.common import markdown
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.llm import LLMResource
from nex_assets.quality import store
from nex_assets.quality.logic import recommend
from nex_assets.quality.logic.score import Outcome, QualitySettings, ScoreCard
from nex_assets.quality.logic.suite import DIMENSIONS, Suite
from nex_assets.quality.validate import ValidationRun


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def recommendations(
    dataset: str,
    suite_file: str,
    outcomes: list[Outcome],
    card: ScoreCard,
    settings: QualitySettings,
    llm: LLMResource,
    database,
) -> tuple[list[dict], dict]:
    """Rule-based recommendations, phrased by the LLM where one is configured; the rule-based text
    stays for any column the LLM does not answer for, or when it cannot be reached."""
    recs = recommend.rule_based(outcomes, card, settings, suite_file)
    if not recs:
        return recs, {}
    client = llm.client(database)
    if not client.configured:
        return recs, {}
    phrased, info = client.complete_json(
        recommend.llm_messages(dataset, recs),
        recommend.PhrasedRecommendations,
        purpose="quality_recommendations",
    )
    return recommend.apply_phrasing(recs, phrased, info.writer), client.usage().as_metadata()


def materialize(
    context: dg.AssetExecutionContext,
    key: dg.AssetKey,
    ds: Dataset,
    suite: Suite,
    run: ValidationRun,
    card: ScoreCard,
    settings: QualitySettings,
    *,
    warehouse: WarehouseResource,
    llm: LLMResource,
    docs_url: str | None,
) -> dg.MaterializeResult:
    recs, llm_usage = recommendations(
        ds.name, suite.file, run.outcomes, card, settings, llm, warehouse.database()
    )
    failures = [o for o in run.outcomes if not o.success]
    details = {
        "suite": suite.file,
        "rows": run.row_count,
        "columns": card.columns,
        "failed": [
            {
                "index": o.expectation.index,
                "check": o.expectation.check_name,
                "type": o.expectation.type,
                "columns": list(o.expectation.columns),
                "severity": o.expectation.severity,
                "dimension": o.expectation.dimension,
                "unexpected_count": o.unexpected_count,
                "error": o.error,
                # Already masked for personal columns by the validation (validate.py).
                "examples": [str(v) for v in o.examples[:5]],
            }
            for o in failures
        ],
        "recommendations": recs,
        "data_docs": docs_url,
    }
    with warehouse.connect() as conn:
        latest = store.latest_version(conn, ds.name)
        version = latest[0] if latest else None
        previous = store.history(conn, ds.name, 1)
        store.record(conn, ds.name, card, data_version=version, details=details, run_id=context.run_id)
        history = store.history(conn, ds.name, settings.history_shown)
    before = previous[0][1] if previous else None
    metadata = {
        "score": card.score,
        **{f"score/{d}": v for d, v in card.dimensions.items() if v is not None},
        "previous_score": before if before is not None else "none",
        "change": round(card.score - before, 2) if before is not None else 0.0,
        "checks_passed": card.checks_passed,
        "expectations": card.expectations,
        "failed_expectations": card.failed,
        "failed_blocking": card.failed_errors,
        "dagster/row_count": run.row_count,
        "data_version": version or "unknown",
        "validation_s": round(run.duration_s, 3),
        "dimensions": dg.MetadataValue.md(
            markdown.table(
                ["dimension", "score", "weight"],
                [[d, _fmt(card.dimensions.get(d)), settings.weights.get(d, 0)] for d in DIMENSIONS],
            )
        ),
        "trend": dg.MetadataValue.md(
            markdown.table(
                ["scored at", "score", *DIMENSIONS, "blocking checks"],
                [
                    [
                        f"{row[0]:%Y-%m-%d %H:%M}",
                        _fmt(row[1]),
                        *(_fmt(v) for v in row[2:8]),
                        "pass" if row[8] else "FAIL",
                    ]
                    for row in history
                ],
            )
        ),
        "failures": dg.MetadataValue.md(
            markdown.table(
                ["rule", "check", "severity", "dimension", "unexpected", "examples"],
                [
                    [
                        f"#{o.expectation.index} {o.expectation.label()}",
                        o.expectation.check_name,
                        o.expectation.severity,
                        o.expectation.dimension,
                        markdown.number(o.unexpected_count)
                        if o.unexpected_count is not None
                        else (o.error or "")[:80],
                        ", ".join(str(v) for v in o.examples[:3]),
                    ]
                    for o in failures
                ],
            )
            if failures
            else "every expectation passed"
        ),
        "worst_columns": dg.MetadataValue.md(
            markdown.table(
                ["column", "score"],
                [[c, _fmt(s)] for c, s in sorted(card.columns.items(), key=lambda kv: (kv[1], kv[0]))[:10]],
            )
        ),
        "recommendations": dg.MetadataValue.md(
            "\n".join(f"- {r['text']}" for r in recs) or "none: every column passes"
        ),
        "recommendations_writer": ", ".join(sorted({r["writer"] for r in recs})) or "none",
        "suite": dg.MetadataValue.path(suite.file),
        **llm_usage,
    }
    if docs_url:
        metadata["data_docs"] = dg.MetadataValue.url(docs_url)
        metadata["data_docs_index"] = dg.MetadataValue.path(str(run.docs_index))
    return dg.MaterializeResult(asset_key=key, metadata=metadata)
