"""The distributed engine (``NEX_EXECUTOR=dask``): every step of a run is a task on a dask.distributed
cluster, and a step tagged with worker resources (every GPU step, see ``compute.gpu_placement``) runs
only on a worker that declares them.

dagster-dask's own executor is not used as it stands: it submits every step at once, each waiting only
for its upstream tasks to end, so a step runs even when its upstream failed or a blocking check failed;
its task keys are ``<job>.<step>``, so two runs of one job on one cluster share tasks (dagster#21418);
it turns retries off and ignores pools. NEX keeps its tag (``dagster-dask/resource_requirements``) and
lets Dagster's step-delegating executor, the one dagster-k8s uses, drive the run: a step is submitted
when Dagster's plan says it may start, as one dask task per attempt, and the worker runs it as
``dagster api execute_step`` would, in its own process's warm imports.

The cluster: ``NEX_DASK_ADDRESS`` when it runs elsewhere, else the one ``nex workers`` keeps on this
machine (``core/dask_cluster.py``), started on first use like the embedded database.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.retries import RetryMode, get_retries_config
from dagster._core.executor.step_delegating import (
    CheckStepHealthResult,
    StepDelegatingExecutor,
    StepHandler,
    StepHandlerContext,
)
from dagster._serdes import deserialize_value, serialize_value

from nex_assets.core import settings
from nex_assets.core.logic.settings import ComputeSettings

ADDRESS_VAR = "NEX_DASK_ADDRESS"
# The engine event each step logs from its worker, and the metadata that names the worker: how a run
# shows where each of its steps ran.
RAN_ON = "runs on dask worker"
WORKER_METADATA = "dask_worker"


def cluster_address() -> str:
    """The scheduler a run submits its steps to."""
    from nex_assets.core import dask_cluster

    return os.environ.get(ADDRESS_VAR, "").strip() or dask_cluster.start()


def resources_of(tags: dict[str, str]) -> dict[str, float]:
    """The worker resources a step holds while it runs, from dagster-dask's tag."""
    from dagster_dask.executor import get_dask_resource_requirements

    return get_dask_resource_requirements(tags)


def can_run(workers: list[dict[str, Any]], needs: dict[str, float]) -> bool:
    """Whether any of ``workers`` (the scheduler's worker entries) declares ``needs``."""
    return any(all(w.get("resources", {}).get(r, 0) >= n for r, n in needs.items()) for w in workers)


class DaskStepHandler(StepHandler):
    """Submits a step as a dask task; the step's events reach the run through the instance."""

    def __init__(self, address: str):
        self.address = address
        self._client = None
        self._futures: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return "dask"

    def _connect(self):
        if self._client is None:
            from distributed import Client

            self._client = Client(self.address, timeout="30s", set_as_default=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def launch_step(self, step_handler_context: StepHandlerContext) -> Iterator[DagsterEvent]:
        args = step_handler_context.execute_step_args
        (step_key,) = args.step_keys_to_execute
        needs = resources_of(step_handler_context.step_tags[step_key])
        attempt = args.known_state.get_retry_state().get_attempt_count(step_key)
        # The run id in the key: tasks of two runs of one job never merge.
        key = f"{args.run_id}-{step_key}-{attempt}"
        self._futures[step_key] = self._connect().submit(
            run_step, serialize_value(args), key=key, resources=needs or None, retries=0
        )
        where = f" on a worker with {needs}" if needs else ""
        yield DagsterEvent.step_worker_starting(
            step_handler_context.get_step_context(step_key),
            message=f'Submitted step "{step_key}" to the dask scheduler at {self.address}{where}.',
            metadata={"dask_key": dg.MetadataValue.text(key)},
        )

    def check_step_health(self, step_handler_context: StepHandlerContext) -> CheckStepHealthResult:
        (step_key,) = step_handler_context.execute_step_args.step_keys_to_execute
        future = self._futures.get(step_key)
        if future is None:
            # A run resumed in a new process: the tasks of the old one went with its client.
            return CheckStepHealthResult.unhealthy("no dask task of this run's process runs it")
        status = future.status
        if status == "error":
            return CheckStepHealthResult.unhealthy(f"its dask task failed: {future.exception()!r}")
        if status in ("cancelled", "lost"):
            return CheckStepHealthResult.unhealthy(f"its dask task was {status}")
        if status == "finished" and not future.result():
            return CheckStepHealthResult.unhealthy("its dask task ended without the step ending")
        needs = resources_of(step_handler_context.step_tags[step_key])
        if status == "pending" and needs:
            workers = list(self._connect().scheduler_info(n_workers=-1)["workers"].values())
            if not can_run(workers, needs):
                future.cancel()
                declared = " ".join(f"{r}={n:g}" for r, n in needs.items())
                return CheckStepHealthResult.unhealthy(
                    f"no worker of the cluster at {self.address} declares {declared}: start one with `dask "
                    f"worker {self.address} --nthreads 1 --resources {declared}` (or `nex workers start`)"
                )
        return CheckStepHealthResult.healthy()

    def terminate_step(self, step_handler_context: StepHandlerContext) -> Iterator[DagsterEvent]:
        (step_key,) = step_handler_context.execute_step_args.step_keys_to_execute
        future = self._futures.pop(step_key, None)
        if future is None:
            return
        client = self._connect()
        # A task cannot be interrupted inside its worker: restart the worker that runs it (its nanny
        # starts a fresh one), which with one thread per worker stops this step and nothing else.
        running = [w for w, keys in client.processing().items() if future.key in keys]
        future.cancel()
        if running:
            client.restart_workers(running, raise_for_error=False)
        yield DagsterEvent.engine_event(
            step_handler_context.get_step_context(step_key),
            f'Stopped step "{step_key}"' + (f" by restarting dask worker {running[0]}" if running else ""),
            EngineEventData(),
        )


class DaskStepExecutor(StepDelegatingExecutor):
    """Dagster's step-delegating executor, closing its dask client when the run's steps are done."""

    def __init__(self, handler: DaskStepHandler, **kwargs: Any):
        super().__init__(handler, **kwargs)
        self.handler = handler

    def execute(self, plan_context, execution_plan):
        try:
            yield from super().execute(plan_context, execution_plan)
        finally:
            self.handler.close()


@dg.executor(
    name="dask",
    config_schema={"retries": get_retries_config()},
    requirements=dg.multiple_process_executor_requirements(),
)
def dask_executor(init_context) -> DaskStepExecutor:
    """Runs each step as a task on a dask.distributed cluster (``NEX_DASK_ADDRESS``, or the local
    cluster of ``nex workers``); GPU steps only on workers that declare the GPU resources."""
    dask = settings.load(ComputeSettings).dask
    return DaskStepExecutor(
        DaskStepHandler(cluster_address()),
        retries=RetryMode.from_config(init_context.executor_config["retries"]),
        sleep_seconds=dask.poll_interval_s,
        check_step_health_interval_seconds=dask.health_check_interval_s,
        # A task run twice (its worker died and the scheduler sent it elsewhere) does not run the
        # step twice: the second copy finds the step started, stops, and the health check fails it.
        should_verify_step=True,
    )


# The worker side. Each worker process keeps its imports between steps (the heavy libraries are
# imported once), so the job's module is re-imported for a run newer than its last import: a dataset
# or recipe added since then is in the job the step is planned from, as in a fresh process.
_imported_at: dict[str, float] = {}


def _module_of(pointer) -> str | None:
    inner = getattr(pointer, "reconstructor_pointer", None)
    return _module_of(inner) if inner is not None else getattr(pointer, "module", None)


def _fresh_code(run, created: float) -> None:
    from dagster._core.definitions.reconstruct import ReconstructableJob

    module = _module_of(run.job_code_origin.repository_origin.code_pointer)
    if module is None:
        return
    stale = module in sys.modules and _imported_at.get(module, 0.0) < created
    if stale:
        importlib.reload(sys.modules[module])
        # Dagster keeps the last job it built; it would be the one from the old module.
        ReconstructableJob.get_definition.cache_clear()
        ReconstructableJob.get_repository_definition.cache_clear()
    if stale or module not in sys.modules:
        _imported_at[module] = time.time()


def run_step(execute_step_args: str) -> bool:
    """Runs one step on a dask worker; True when the step ended (succeeded, failed or asked for a
    retry), False when Dagster declined to start it (a run canceled meanwhile, or a copy of a task
    whose step had already started)."""
    from dagster._cli.api import _execute_step_command_body  # the body of `dagster api execute_step`
    from dagster._grpc.types import ExecuteStepArgs
    from distributed import get_worker

    args = deserialize_value(execute_step_args, ExecuteStepArgs)
    (step_key,) = args.step_keys_to_execute
    worker = get_worker()
    with dg.DagsterInstance.from_ref(args.instance_ref) as instance:
        record = instance.get_run_record_by_id(args.run_id)
        run = record.dagster_run
        _fresh_code(run, record.create_timestamp.timestamp())
        instance.report_engine_event(
            f'Step "{step_key}" {RAN_ON} {worker.name} ({worker.address})',
            run,
            EngineEventData(
                metadata={
                    WORKER_METADATA: dg.MetadataValue.text(str(worker.name)),
                    "dask_resources": dg.MetadataValue.json(dict(worker.state.total_resources)),
                }
            ),
            step_key=step_key,
        )
        ended = False
        for event in _execute_step_command_body(args, instance, run):
            ended = ended or event.is_step_success or event.is_step_failure or event.is_step_up_for_retry
        return ended
