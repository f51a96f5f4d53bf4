"""Incremental runs on Dagster's own versions: what a run must compute, read from the instance.

Every asset carries a code version that includes its configuration (``core.dagster.versioned``),
and every materialization records the data versions it was computed from; Dagster's stale-status
resolver compares the two with what is current. It cannot see new files before they are loaded, so
each load (a dataset's ``raw``, a collection's ``documents``) has a probe: the data version the load
would record now, computed from the files' content the same way the load does. Dagster marks an
asset stale only against its direct inputs; ``logic.plan`` carries the change down the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

import dagster as dg
from dagster._core.definitions.data_version import (  # the resolver behind the UI's stale markers
    CachingStaleStatusResolver,
    StaleCauseCategory,
    StaleStatus,
)
from dagster._core.loader import LoadingContext

from nex_assets.automation.logic.plan import Plan, ordered, plan

Probe = Callable[[], "str | None"]


class _Loading(LoadingContext):
    """The batch-loading scope the resolver reads the event log through: one per plan."""

    def __init__(self, instance: dg.DagsterInstance):
        self._instance = instance
        self._loaders: dict = {}

    @property
    def instance(self) -> dg.DagsterInstance:
        return self._instance

    @property
    def loaders(self) -> dict:
        return self._loaders


def probes(catalog) -> dict[dg.AssetKey, Probe]:
    """The pending data version of every load in the graph built from ``catalog``."""
    from nex_assets.common.problems import Problems
    from nex_assets.core import env
    from nex_assets.datasets.assets import raw_key
    from nex_assets.datasets.load import pending_version
    from nex_assets.documents.assets import documents_key
    from nex_assets.documents.logic.collections import load_collections
    from nex_assets.documents.store import pending_version as documents_version

    dirs = (catalog.project_dir, catalog.landing_dir)
    out: dict[dg.AssetKey, Probe] = {
        raw_key(ds): partial(pending_version, ds, dirs) for ds in catalog.datasets
    }
    for collection in load_collections(env.documents_dir(), Problems()):
        out[documents_key(collection)] = partial(documents_version, collection, catalog.project_dir)
    return out


def _cause(cause) -> str:
    if cause.category == StaleCauseCategory.CODE:
        return "new code or configuration version"
    if cause.dependency is not None:
        return f"new data from {cause.dependency.asset_key.to_user_string()}"
    return cause.reason


def own_reasons(
    instance: dg.DagsterInstance,
    asset_graph,
    keys: Iterable[dg.AssetKey],
    probes: dict[dg.AssetKey, Probe],
) -> dict[dg.AssetKey, str | None]:
    """Each asset's own reason to be computed now, or None when its last result still stands."""
    resolver = CachingStaleStatusResolver(instance, asset_graph, _Loading(instance))
    out: dict[dg.AssetKey, str | None] = {}
    for key in keys:
        status = resolver.get_status(key)
        reason = None
        if status == StaleStatus.MISSING:
            reason = "never materialized"
        elif status == StaleStatus.STALE:
            reason = "; ".join(dict.fromkeys(_cause(c) for c in resolver.get_stale_causes(key)))
        elif key in probes:
            pending = probes[key]()
            if pending is None:
                reason = "its source can only be compared by loading it"
            elif pending != resolver.get_current_data_version(key).value:
                reason = "new or changed files"
        out[key] = reason
    return out


def plan_run(
    instance: dg.DagsterInstance,
    asset_graph,
    covered: Iterable[dg.AssetKey],
    probes: dict[dg.AssetKey, Probe],
    held: Iterable[dg.AssetKey] = (),
) -> tuple[Plan, dict[str, dg.AssetKey]]:
    """The plan over ``covered`` (see ``logic.plan``) and the asset key of each planned name."""
    keys = {k: k.to_user_string() for k in asset_graph.materializable_asset_keys}
    covered = set(covered)
    parents = {
        name: {keys[p] for p in asset_graph.get(k).parent_keys if p in keys} for k, name in keys.items()
    }
    own = own_reasons(instance, asset_graph, [k for k in keys if k in covered], probes)
    result = plan(
        ordered(parents),
        parents,
        {keys[k]: reason for k, reason in own.items()},
        {keys[k] for k in covered},
        {keys[k] for k in held},
    )
    return result, {name: k for k, name in keys.items()}


def stale_request(
    context: dg.ScheduleEvaluationContext,
    covered: dg.AssetSelection,
    held: dg.AssetSelection | None,
    probes: dict[dg.AssetKey, Probe],
) -> dg.RunRequest | dg.SkipReason:
    """A schedule's request: only what in ``covered`` is stale or missing (and what it feeds)."""
    graph = context.repository_def.asset_graph
    result, by_name = plan_run(
        context.instance,
        graph,
        covered.resolve(graph),
        probes,
        held.resolve(graph) if held is not None else (),
    )
    if not result.run:
        return dg.SkipReason(f"nothing changed: {result.summary()}")
    selection, _ = with_siblings(graph, {by_name[name] for name in result.run})
    return dg.RunRequest(
        asset_selection=sorted(selection, key=lambda k: k.to_user_string()),
        tags={"nex/plan": result.summary()[:200]},
    )


def with_siblings(asset_graph, selected: set) -> tuple[set, list[str]]:
    """The selection plus the siblings of any step that computes several assets at once and cannot
    compute only some of them (a multi-table synthetic group); one note per such step."""
    keys = set(selected)
    notes = []
    for assets_def in asset_graph.assets_defs:
        own = set(assets_def.keys)
        if assets_def.can_subset or not own & keys or own <= keys:
            continue
        missing = sorted(k.to_user_string() for k in own - keys)
        picked = sorted(k.to_user_string() for k in own & keys)
        notes.append(
            f"{', '.join(picked)} is computed in one step with {', '.join(missing)}; "
            "materializing them together"
        )
        keys |= own
    return keys, notes
