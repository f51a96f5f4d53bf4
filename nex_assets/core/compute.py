"""Where steps run: the executor that ``NEX_EXECUTOR`` names, and the placement of GPU steps, both
from ``config/compute.yaml`` (``core/logic/settings.py``).

Every engine is a small function here, so adding one is adding a name to ``EXECUTORS``. Engines
import their integration only when chosen: the code location keeps loading in about a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from nex_assets.common.yaml_files import SettingsError
from nex_assets.core import env, settings
from nex_assets.core.logic.settings import ComputeSettings


class ExecutorChoiceError(ValueError):
    """``NEX_EXECUTOR`` names no engine NEX has."""


def gpu_placement() -> dict[str, Any]:
    """Arguments of ``@dg.asset``/``@dg.multi_asset`` for a step that wants a GPU: its pool, and the
    tags that place it (``dagster-k8s/config`` on Kubernetes, ``dagster-dask/resource_requirements``
    on dask)."""
    gpu = settings.load(ComputeSettings).gpu
    return {"pool": gpu.pool, "op_tags": gpu.op_tags()}


def _multiprocess() -> dg.ExecutorDefinition:
    # Steps fork from a server that has imported the code location once, instead of each step
    # paying for the imports again.
    return dg.multiprocess_executor.configured(
        {"start_method": {"forkserver": {"preload_modules": ["nex_assets.definitions"]}}}
    )


def k8s_executor_config() -> dict[str, Any]:
    """``k8s.executor`` of config/compute.yaml, checked against dagster-k8s's own schema so that a
    mistake names the file when the code location loads, not when a run starts on the cluster."""
    from dagster._config import process_config  # the check dagster itself runs on executor config
    from dagster_k8s import k8s_job_executor

    config = settings.load(ComputeSettings).k8s.executor
    result = process_config(k8s_job_executor.config_schema.config_type, config)
    if not result.success:
        problems = "; ".join(error.message for error in result.errors or [])
        raise SettingsError(f"{settings.path_of(ComputeSettings)}: k8s.executor: {problems}")
    return config


def _k8s() -> dg.ExecutorDefinition:
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor.configured(k8s_executor_config())


def _dask() -> dg.ExecutorDefinition:
    # The cluster is found (or the local one started) when a run starts, not when the code loads.
    from nex_assets.core.distributed import dask_executor

    return dask_executor


EXECUTORS: dict[str, Callable[[], dg.ExecutorDefinition]] = {
    "multiprocess": _multiprocess,
    "dask": _dask,
    "k8s": _k8s,
}


def executor_for(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor ``name`` (by default ``NEX_EXECUTOR``) stands for."""
    name = name or env.executor_name()
    make = EXECUTORS.get(name)
    if make is None:
        raise ExecutorChoiceError(
            f"NEX_EXECUTOR={name!r} is not an engine NEX has; set it to one of: {', '.join(EXECUTORS)}"
        )
    return make()
