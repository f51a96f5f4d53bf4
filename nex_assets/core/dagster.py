"""Dagster plumbing every domain shares: the keys, groups, tags and descriptions of per-dataset and
per-recipe assets, the retry policy of steps that call the LLM, and the sensor that starts a run when
the files of a folder change.

Lineage is read by people: each dataset's assets form a group named after the dataset, each recipe's
a group named after the recipe, and every description starts with the name it belongs to, so a node
called ``profile`` or ``model`` in the Dagster UI always says whose it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import dagster as dg

# Tags every asset of a dataset carries: the run queue keeps one run per dataset at a time.
DATASET_TAG = "nex/dataset"
GROUP_TAG = "nex/group"
# A run tagged so recomputes even what its inputs say is unchanged (`nex run --force`).
FORCE_TAG = "nex/force"
# Metadata of the observation an asset records when it has nothing to compute yet (a recipe with no
# champion has no predictions): the run succeeds and `nex run` names the skip and its reason.
SKIPPED = "nex/skipped"


def forced(context) -> bool:
    return context.run.tags.get(FORCE_TAG) == "true"


def versioned(code: str, *settings: Any) -> str:
    """An asset's code version: its code's own version plus a hash of the settings it is computed
    with, so that editing a suite, a recipe or a settings file makes it stale, and nothing else does."""
    if not settings:
        return code
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()
    return f"{code}-{digest[:12]}"


def dataset_key(dataset: str, step: str) -> dg.AssetKey:
    return dg.AssetKey([dataset, step])


def dataset_asset(
    ds, step: str, description: str, *, settings: tuple = (), **asset_args: Any
) -> dict[str, Any]:
    """Arguments of ``@dg.asset`` for the ``step`` asset of dataset ``ds`` (``<dataset>/<step>``).
    Its code version covers the dataset's catalog entry and the step's own ``settings``."""
    tags = {DATASET_TAG: ds.name, GROUP_TAG: ds.group, **asset_args.pop("tags", {})}
    code = asset_args.pop("code_version", "1")
    return {
        "key": dataset_key(ds.name, step),
        "code_version": versioned(code, ds.model_dump(mode="json"), *settings),
        "group_name": ds.name,
        "description": described(ds.name, description),
        "tags": tags,
        "owners": [ds.owner] if getattr(ds, "owner", None) else None,
        **asset_args,
    }


def dataset_spec(ds, step: str, description: str, **spec_args: Any) -> dg.AssetSpec:
    """The ``AssetSpec`` of a multi-asset's ``<dataset>/<step>`` output, named like ``dataset_asset``."""
    args = dataset_asset(ds, step, description, **spec_args)
    return dg.AssetSpec(**args)


def described(owner: str, description: str) -> str:
    """``<owner>: <description>``, unless the description already names its owner first."""
    text = description.strip()
    return text if text.startswith(owner) else f"{owner}: {text}"


def retry_policy(retry) -> dg.RetryPolicy:
    """Steps that call the LLM retry with exponential backoff and jitter (``retry`` in
    ``config/dictionary.yaml``); failed checks are results, not exceptions, and are never retried."""
    return dg.RetryPolicy(
        max_retries=retry.max_retries,
        delay=retry.delay_s,
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


def _signature(path: Path) -> str | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def changed_files(seen: dict[str, str], files: Iterable[Path], *, removals: bool) -> tuple[dict, list[str]]:
    """The folder's state now (path -> size:mtime) and the paths added or changed since ``seen``
    (and removed, when ``removals``), sorted."""
    current = {str(p): sig for p in files if (sig := _signature(p)) is not None}
    changed = [p for p, sig in current.items() if seen.get(p) != sig]
    if removals:
        changed += [p for p in seen if p not in current]
    return current, sorted(changed)


def file_change_sensor(
    name: str,
    job,
    files: Callable[[], Iterable[Path]],
    *,
    watched: str,
    interval_s: int,
    removals: bool,
    run_tags: Callable[[list[str]], dict[str, str]] | None = None,
) -> dg.SensorDefinition:
    """A sensor that starts ``job`` once for each new state of the files it watches: the run key
    names exactly the changed file versions, so the same change never starts two runs."""

    @dg.sensor(
        name=name,
        job=job,
        minimum_interval_seconds=interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches {watched} for {'added, changed or removed' if removals else 'new or changed'} "
        "files.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        current, changed = changed_files(seen, files(), removals=removals)
        if not changed:
            return dg.SkipReason(f"nothing changed in {watched}")
        key = hashlib.sha256(json.dumps({p: current.get(p) for p in changed}).encode()).hexdigest()[:16]
        context.update_cursor(json.dumps(current))
        return dg.RunRequest(run_key=f"{name}:{key}", tags=run_tags(changed) if run_tags else {})

    return _sensor


# How a step's peak memory appears in the run's log (read back by benchmarks/scale.py).
PEAK_MEMORY = "peak memory of the step:"


def _log_peak_memory(context) -> None:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # dbt, a process of its own
    context.log.info(f"{PEAK_MEMORY} {max(own, children) / 1024:.0f} MiB")


@dg.success_hook(name="peak_memory")
def peak_memory_on_success(context) -> None:
    """Every step says how much memory it held at most (kilobytes from getrusage on Linux): a step
    whose memory grows with the data, instead of a sample of it, shows in the run's log."""
    _log_peak_memory(context)


@dg.failure_hook(name="peak_memory_on_failure")
def peak_memory_on_failure(context) -> None:
    _log_peak_memory(context)
