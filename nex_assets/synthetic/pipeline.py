"""One synthetic run over a group of datasets (one table, or related tables fitted together):
read the real rows, plan the columns, fit and sample, bound the values by the quality suite, score
the result, write the tables to schema ``synthetic`` and log the synthesizer to MLflow."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from nex_assets.core import env
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.synthetic import store
from nex_assets.synthetic.logic import constraints as suite_constraints
from nex_assets.synthetic.logic.plan import MODEL, ColumnPlan, plan_table
from nex_assets.synthetic.logic.settings import SyntheticSettings


class SyntheticInputError(ValueError):
    """Input a synthesizer cannot learn from; the message names the dataset's file."""


@dataclass
class TableResult:
    dataset: Dataset
    settings: SyntheticSettings
    frame: pd.DataFrame
    plans: list[ColumnPlan]
    data_version: str
    rows_real: int
    rows_fit: int
    diagnostic: object
    quality: object
    dcr: dict
    exact_share: float
    exact_count: int
    utility: object | None
    constraint_changes: dict[str, int]
    constraint_rules: list[list[str]]
    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(ok for ok, _ in self.checks.values())


@dataclass
class GroupResult:
    tables: list[TableResult]
    synthesized: object
    mlflow_run_id: str | None = None
    mlflow_url: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Prepared:
    ds: Dataset
    settings: SyntheticSettings
    data_version: str
    total: int
    train: pd.DataFrame
    holdout: pd.DataFrame | None
    plans: list[ColumnPlan]


def _prepare(conn, ds: Dataset, settings: SyntheticSettings) -> _Prepared:
    latest = store.latest_version(conn, ds.name)
    if latest is None:
        raise SyntheticInputError(
            f"{ds.file}: raw.{ds.name} has never been loaded; materialize {ds.name}/raw"
        )
    version, _ = latest
    profile = store.read_profile(conn, ds.name, version)
    if not profile:
        raise SyntheticInputError(
            f"{ds.file}: no profile of raw.{ds.name} at {version}; materialize {ds.name}/profile"
        )
    wanted = (
        math.ceil(settings.max_rows / (1 - settings.holdout_share)) if settings.utility else settings.max_rows
    )
    real, total = store.read_table(conn, ds.name, rows=wanted, seed=settings.seed)
    if len(real) < settings.min_rows:
        raise SyntheticInputError(
            f"{ds.file}: raw.{ds.name} has {len(real)} row(s); a synthesizer needs at least "
            f"{settings.min_rows} (synthetic.min_rows)"
        )
    missing = set(real.columns) - set(profile)
    if missing:
        raise SyntheticInputError(
            f"{ds.file}: the profile of raw.{ds.name} lacks {sorted(missing)}; re-profile it"
        )
    holdout = None
    train = real
    if settings.utility:
        holdout = real.sample(frac=settings.holdout_share, random_state=settings.seed)
        train = real.drop(holdout.index).reset_index(drop=True)
        holdout = holdout.reset_index(drop=True)
    plans = plan_table(train, profile, ds.primary_key, high_cardinality_share=settings.high_cardinality_share)
    if settings.utility:
        target = next((p for p in plans if p.name == settings.utility.target), None)
        if target is None or target.treatment != MODEL:
            why = "is not a column" if target is None else f"is not learnt ({target.reason})"
            raise SyntheticInputError(
                f"{ds.file}: synthetic.utility.target {settings.utility.target!r} {why} of raw.{ds.name}"
            )
    return _Prepared(ds, settings, version, total, train, holdout, plans)


def _keep_referenced(prepared: list[_Prepared], relations) -> None:
    """Children learn only from rows whose parents are in the parents' rows (sampled parents may
    drop some), as HMA requires."""
    by_name = {p.ds.name: p for p in prepared}
    for rel in relations:
        parent, child = by_name[rel.parent], by_name[rel.child]
        keys = set(parent.train[rel.parent_key].astype(str))
        child.train = child.train[child.train[rel.child_key].astype(str).isin(keys)].reset_index(drop=True)
        if child.holdout is not None:
            child.holdout = child.holdout[child.holdout[rel.child_key].astype(str).isin(keys)].reset_index(
                drop=True
            )


def _relationship_validity(result_tables: dict[str, pd.DataFrame], relations, name: str) -> float | None:
    shares = []
    for rel in relations:
        if rel.child != name:
            continue
        keys = set(result_tables[rel.parent][rel.parent_key].astype(str))
        values = result_tables[name][rel.child_key].dropna().astype(str)
        shares.append(float(values.isin(keys).mean()) if len(values) else 1.0)
    return min(shares) if shares else None


def _score(p: _Prepared, synthesized, frame: pd.DataFrame, relations) -> TableResult:
    from nex_assets.synthetic.logic import scores
    from nex_assets.synthetic.logic.fit import sdv_frame

    s = p.settings
    rules = suite_constraints.from_quality_suite(p.ds.name, env.expectations_dir())
    changes = suite_constraints.enforce(frame, rules, seed=s.seed)
    plans = synthesized.plans[p.ds.name]
    meta = scores.single_metadata(synthesized.metadata, p.ds.name)
    real_s, syn_s = sdv_frame(p.train, plans), sdv_frame(frame, plans)
    diagnostic = scores.diagnostic(real_s, syn_s, meta)
    validity = _relationship_validity(synthesized.tables, relations, p.ds.name)
    if validity is not None:
        diagnostic.properties["Relationship Validity"] = validity
        diagnostic.score = min(diagnostic.score, validity)
    quality = scores.quality(real_s, syn_s, meta)
    learnt = [q.name for q in plans if q.treatment == MODEL]
    model_meta = scores.single_metadata(synthesized.metadata, p.ds.name, learnt)
    dcr = scores.dcr_baseline_protection(real_s, syn_s, model_meta, rows=s.privacy_rows, seed=s.seed)
    if p.holdout is not None:
        # Real rows the synthesizer never saw, scored the same way: how close fresh real data comes.
        reference = scores.dcr_baseline_protection(
            real_s, sdv_frame(p.holdout, plans), model_meta, rows=s.privacy_rows, seed=s.seed
        )
        dcr["real_holdout_score"] = reference["score"]
    everything = pd.concat([p.train, p.holdout]) if p.holdout is not None else p.train
    share, count = scores.exact_copy_share(sdv_frame(everything, plans), syn_s, learnt)
    utility = None
    if s.utility and p.holdout is not None:
        utility = scores.train_synthetic_test_real(
            real_s,
            syn_s,
            sdv_frame(p.holdout, plans),
            target=s.utility.target,
            task=s.utility.task,
            features=[c for c in learnt if c not in s.utility.exclude],
            seed=s.seed,
        )
    t = s.thresholds
    checks = {
        "diagnostic": (
            diagnostic.score >= t.diagnostic,
            f"{diagnostic.score:.1%} (needs {t.diagnostic:.0%})",
        ),
        "quality": (quality.score >= t.quality, f"{quality.score:.1%} (needs {t.quality:.0%})"),
        "dcr_baseline_protection": (
            dcr["score"] >= t.dcr_baseline_protection,
            f"{dcr['score']:.3f} (needs {t.dcr_baseline_protection})"
            + (
                f"; real held-out rows score {dcr['real_holdout_score']:.3f}"
                if "real_holdout_score" in dcr
                else ""
            ),
        ),
        "exact_copies": (
            share <= t.exact_copy_share,
            f"{count} of {len(frame)} rows ({share:.3%}) equal a real row (at most {t.exact_copy_share:.1%})",
        ),
    }
    if utility is not None:
        checks["train_synthetic_test_real"] = (
            utility.loss <= t.tstr_max_loss,
            f"{utility.metric} {utility.synthetic:.3f} on synthetic vs {utility.real:.3f} on real "
            f"(loss {utility.loss:.3f}, at most {t.tstr_max_loss})",
        )
    return TableResult(
        dataset=p.ds,
        settings=s,
        frame=frame,
        plans=plans,
        data_version=p.data_version,
        rows_real=p.total,
        rows_fit=len(p.train),
        diagnostic=diagnostic,
        quality=quality,
        dcr=dcr,
        exact_share=share,
        exact_count=count,
        utility=utility,
        constraint_changes=changes,
        constraint_rules=rules.describe(),
        checks=checks,
    )


def run_group(
    conn,
    datasets: list[Dataset],
    settings: dict[str, SyntheticSettings],
    relations: list,
    *,
    progress: Callable[[str], None],
    device: str,
) -> GroupResult:
    """Synthesizes, scores and writes every dataset of the group; logs one MLflow run for it."""
    from nex_assets.synthetic.logic.fit import TableInput, synthesize

    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(phase: str) -> None:
        nonlocal started
        timings[phase] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        progress(f"{phase}: {timings[phase]:.1f}s")

    prepared = [_prepare(conn, ds, settings[ds.name]) for ds in datasets]
    lap("read and plan")
    if relations:
        _keep_referenced(prepared, relations)
    lead = settings[datasets[0].name]
    synthesized = synthesize(
        [TableInput(p.ds.name, p.train, p.plans) for p in prepared],
        relations,
        lead,
        device=device,
        progress=progress,
    )
    lap("fit and sample")
    results = [_score(p, synthesized, synthesized.tables[p.ds.name], relations) for p in prepared]
    lap("score")
    for r in results:
        store.write_table(
            conn,
            r.dataset.name,
            r.frame,
            f"Synthetic copy of raw.{r.dataset.name} ({r.settings.synthesizer if not relations else 'hma'}, "
            f"seed {r.settings.seed}); quality {r.quality.score:.3f}",
        )
    conn.commit()
    lap("write")
    group = GroupResult(results, synthesized, timings=timings)
    from nex_assets.synthetic.tracking import log_group

    group.mlflow_run_id, group.mlflow_url = log_group(group, relations, lead)
    lap("log to MLflow")
    return group
