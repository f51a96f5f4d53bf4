"""``<dataset>/quality``: the suite runs once per load, as asset checks on ``<dataset>/raw`` and as the
score of the quality asset, in one step.

The checks and the score share a step on purpose. Dagster holds back every asset downstream of
``<dataset>/raw`` until its blocking checks have passed, except the step that runs those checks: so
the score is recorded (and shows the damage) even when bad data stops everything else.
"""

import re
import time

import dagster as dg

from nex_assets.automation.logic.settings import freshness_hours
from nex_assets.common import markdown
from nex_assets.core.dagster import DATASET_TAG, dataset_spec
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.assets import raw_key
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.llm import LLMResource
from nex_assets.quality import report, validate
from nex_assets.quality.logic.score import Outcome, QualitySettings, score, timeliness_score
from nex_assets.quality.logic.suite import CheckGroup, Suite, SuiteError
from nex_assets.studio import links

_RAW_TABLE = re.compile(r"\braw\.\"?([a-z_][a-z0-9_]*)\"?")


def quality_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey([ds.name, "quality"])


def referenced_datasets(suite: Suite, names: set[str]) -> list[str]:
    """Other datasets that the suite's cross-table rules read; their loads must come first."""
    found = set()
    for exp in suite.expectations:
        query = exp.kwargs.get("unexpected_rows_query") or ""
        found |= {m for m in _RAW_TABLE.findall(query) if m in names and m != suite.dataset}
    return sorted(found)


def _pct(outcome: Outcome) -> str:
    share = outcome.unexpected_share
    return "" if share is None else f"{share:.2%}"


def _observed(outcome: Outcome) -> str:
    if outcome.error:
        return "error"
    return markdown.number(outcome.observed_value) if outcome.observed_value is not None else ""


def _check_result(group: CheckGroup, outcomes: list[Outcome], ds: Dataset, docs_url: str | None):
    rows = [
        [
            f"#{o.expectation.index}",
            o.expectation.description or o.expectation.label(),
            "pass" if o.success else "FAIL",
            _observed(o),
            markdown.number(o.unexpected_count) if o.unexpected_count is not None else "",
            _pct(o),
            "; ".join(str(v) for v in o.examples),
            (o.error or "").splitlines()[0][:200] if o.error else "",
        ]
        for o in outcomes
    ]
    failed = [o for o in outcomes if not o.success]
    shares = [o.unexpected_share for o in outcomes if o.unexpected_share is not None]
    metadata = {
        "expectations": dg.MetadataValue.md(
            markdown.table(
                [
                    "rule",
                    "expectation",
                    "result",
                    "observed",
                    "unexpected",
                    "unexpected %",
                    "examples",
                    "error",
                ],
                rows,
            )
        ),
        "failed_expectations": len(failed),
        "unexpected_count": sum(o.unexpected_count or 0 for o in outcomes),
        "unexpected_percent": round(100 * max(shares), 4) if shares else 0.0,
        "element_count": max((o.element_count or 0 for o in outcomes), default=0),
        "unexpected_examples": ", ".join(str(v) for o in failed for v in o.examples[:3]) or "none",
        "severity": group.severity,
    }
    if len(outcomes) == 1 and outcomes[0].observed_value is not None:
        metadata["observed_value"] = str(outcomes[0].observed_value)[:200]
    if docs_url:
        metadata["data_docs"] = dg.MetadataValue.url(docs_url)
    return dg.AssetCheckResult(
        asset_key=raw_key(ds),
        check_name=group.name,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if group.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=f"{len(failed)} of {len(outcomes)} expectations failed" if failed else None,
    )


def _age_hours(context: dg.AssetExecutionContext, ds: Dataset) -> float | None:
    """Hours since ``<dataset>/raw`` was last materialized: the same clock its freshness policy reads."""
    event = context.instance.get_latest_materialization_event(raw_key(ds))
    return None if event is None else max(0.0, (time.time() - event.timestamp) / 3600)


# The checks of an automatic suite, known before the suite is (it is built on the first run).
AUTO_CHECKS = {
    "auto_warn": "automatic rules from the first profile: types, completeness, ranges with slack, "
    "allowed values, keys, formats, signs and domains from what each column means (warns, blocks "
    "nothing)",
    "discovered_warn": "rules discovered across columns: arithmetic identities, order relations, "
    "dependencies between categories, conditional completeness (warns, blocks nothing)",
}


def quality_asset(
    ds: Dataset,
    suite: Suite | None,
    settings: QualitySettings,
    default_freshness_h: float,
    names: set[str],
    retry: dg.RetryPolicy,
) -> dg.AssetsDefinition:
    """With ``suite`` None, the dataset's automatic suite (``expectations/auto/``), built from its
    first profile when the step first runs."""
    if suite is not None:
        groups = suite.groups()
        check_specs = [
            dg.AssetCheckSpec(
                name=g.name, asset=raw_key(ds), description=g.description(), blocking=g.blocking
            )
            for g in groups
        ]
        refs = referenced_datasets(suite, names)
        deps = [raw_key(ds), *(dg.AssetKey([r, "raw"]) for r in refs)]
        what = f"the suite `{suite.file}`"
        metadata = {"suite": suite.file, "expectations": len(suite.expectations), "checks": len(groups)}
    else:
        check_specs = [
            dg.AssetCheckSpec(name=name, asset=raw_key(ds), description=text, blocking=False)
            for name, text in AUTO_CHECKS.items()
        ]
        groups = []
        deps = [raw_key(ds), dg.AssetKey([ds.name, "profile"])]
        what = f"the automatic suite `expectations/auto/{ds.name}.json` (warnings only)"
        metadata = {"suite": f"expectations/auto/{ds.name}.json (automatic)"}
    try:
        fresh_h = freshness_hours(ds.monitoring, default_freshness_h)
    except ValueError as exc:
        raise ValueError(f"{ds.file}: {exc}") from exc
    spec = dataset_spec(
        ds,
        "quality",
        f"quality of `raw.{ds.name}`: {what} as asset checks on `{ds.name}/raw` and a "
        "score per dimension, kept in `nex.quality_scores`.",
        deps=deps,
        kinds={"great_expectations", "postgres"},
        metadata=metadata,
        # The suite's rules and the scoring settings: an edited suite runs again. (An automatic suite
        # is written by the first run, from the data itself: its rules are part of the run's result.)
        settings=(suite.to_gx_dict() if suite is not None else "automatic", settings.model_dump(mode="json")),
    )

    @dg.multi_asset(
        name=f"{ds.name}__quality",
        specs=[spec],
        check_specs=check_specs,
        can_subset=True,
        # The checks target `<dataset>/raw`, an upstream asset; dagster-dbt relies on the same switch.
        allow_arbitrary_check_specs=True,
        op_tags={"nex/domain": "quality", DATASET_TAG: ds.name},
        retry_policy=retry,
    )
    def _quality(context: dg.AssetExecutionContext, warehouse: WarehouseResource, llm: LLMResource):
        with warehouse.connect() as conn:
            table = conn.execute("select to_regclass(%s)", (f'raw."{ds.name}"',)).fetchone()[0]
        if table is None:
            raise dg.Failure(f"raw.{ds.name} has never been loaded; materialize {ds.name}/raw first")
        used = suite
        if used is None:
            from nex_assets.core import env
            from nex_assets.quality import auto
            from nex_assets.quality.drafts import NoProfile

            try:
                with warehouse.connect() as conn:
                    used = auto.ensure(
                        conn, ds.name, list(ds.primary_key), env.expectations_dir(), ds.sensitive_columns
                    )
            except (NoProfile, SuiteError) as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from None
        try:
            run = validate.run_suite(
                used,
                warehouse.database(),
                table=("raw", ds.name),
                sensitive=ds.sensitive_columns,
                result_format=settings.results.format,
                partial_unexpected_count=settings.results.partial_unexpected_count,
                keep_validations=settings.data_docs.keep_validations,
            )
        except SuiteError as exc:
            raise dg.Failure(description=str(exc)) from None
        docs = run.docs_page or run.docs_index
        # Served by Studio: a browser will not follow a file:// link from a page served over http.
        docs_url = links.file_link(docs) if docs.exists() else None
        by_index = {o.expectation.index: o for o in run.outcomes}
        selected_checks = context.selected_asset_check_keys
        if quality_key(ds) in context.selected_asset_keys:
            timeliness = timeliness_score(_age_hours(context, ds), fresh_h, settings.timeliness.zero_at)
            card = score(run.outcomes, settings, timeliness)
            yield report.materialize(
                context,
                quality_key(ds),
                ds,
                used,
                run,
                card,
                settings,
                warehouse=warehouse,
                llm=llm,
                docs_url=docs_url,
            )
        found = {g.name: g for g in used.groups()}
        for name in [g.name for g in groups] if suite is not None else AUTO_CHECKS:
            if dg.AssetCheckKey(raw_key(ds), name) not in selected_checks:
                continue
            group = found.get(name)
            if group is None:
                # An automatic suite with no rule of this kind (no rule held across columns).
                yield dg.AssetCheckResult(
                    asset_key=raw_key(ds),
                    check_name=name,
                    passed=True,
                    metadata={"expectations": 0},
                    severity=dg.AssetCheckSeverity.WARN,
                    description="no rule of this kind was found",
                )
                continue
            yield _check_result(group, [by_index[e.index] for e in group.expectations], ds, docs_url)

    return _quality
