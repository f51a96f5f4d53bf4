"""Where steps run (``config/compute.yaml``): how a step that wants a GPU is placed, what the
Kubernetes executor is told, and the dask cluster NEX starts on one machine. Which engine runs a job
is the environment's choice (``NEX_EXECUTOR``, read in ``core/env.py``); this file says what each
engine needs to know, so one edit moves every GPU step of the graph to other nodes."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common.yaml_files import SettingsFile

# The tag dagster-k8s reads on an op for the pod it launches, the one dagster-dask reads for the worker
# resources a step needs (a JSON object), and NEX's own tag that marks a GPU step for any engine.
K8S_CONFIG_TAG = "dagster-k8s/config"
DASK_RESOURCES_TAG = "dagster-dask/resource_requirements"
COMPUTE_TAG = "nex/compute"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GpuPlacement(_Strict):
    """A GPU step joins ``pool`` (the instance gives every pool one slot by default, so two GPU steps
    never share a device); on Kubernetes its container asks for ``resources`` and its pod goes where
    ``node_selector`` and ``tolerations`` allow."""

    pool: str = Field("gpu", min_length=1)
    resources: dict[Literal["limits", "requests"], dict[str, str | int | float]] = Field(
        default_factory=lambda: {"limits": {"nvidia.com/gpu": "1"}}
    )
    node_selector: dict[str, str] = Field(default_factory=dict)
    # Kubernetes tolerations as written in a pod spec (camelCase or snake_case keys).
    tolerations: list[dict[str, Any]] = Field(default_factory=list)
    # On dask: the worker resources the step holds while it runs. Only workers that declare them take
    # it (the GPU workers of `nex workers start` declare exactly these), and never more at once than
    # a worker declares.
    dask_resources: dict[str, float] = Field(default_factory=lambda: {"GPU": 1}, min_length=1)

    def k8s_config(self) -> dict[str, Any]:
        """The ``dagster-k8s/config`` tag value: a container resource request and a pod spec.
        Quantities become strings, as Kubernetes writes them."""
        config: dict[str, Any] = {
            "container_config": {
                "resources": {
                    kind: {name: str(value) for name, value in amounts.items()}
                    for kind, amounts in self.resources.items()
                }
            }
        }
        pod: dict[str, Any] = {}
        if self.node_selector:
            pod["node_selector"] = dict(self.node_selector)
        if self.tolerations:
            pod["tolerations"] = [dict(t) for t in self.tolerations]
        if pod:
            config["pod_spec_config"] = pod
        return config

    def op_tags(self) -> dict[str, Any]:
        return {
            COMPUTE_TAG: "gpu",
            K8S_CONFIG_TAG: self.k8s_config(),
            DASK_RESOURCES_TAG: json.dumps(self.dask_resources, sort_keys=True),
        }


class KubernetesSettings(_Strict):
    # The configuration of dagster-k8s's `k8s_job_executor`, checked against its schema when that
    # executor is chosen. Image, namespace, secrets and config maps come from the K8sRunLauncher and
    # the user code deployment of the Helm chart (deploy/helm/values.yaml), not from here.
    executor: dict[str, Any] = Field(default_factory=dict)


class LocalDaskWorker(NamedTuple):
    name: str
    resources: dict[str, float]
    # CUDA_VISIBLE_DEVICES for the worker: its own device, none for a CPU worker beside GPU ones;
    # None leaves the environment as it is (a machine without GPUs).
    cuda_devices: str | None


class LocalDaskCluster(_Strict):
    """The cluster `nex workers start` runs on this machine (a dask run that finds none starts it):
    one scheduler on loopback and single-threaded workers, because a Dagster step is not thread-safe
    and a worker runs one step at a time."""

    # Workers that take any step but a GPU one; auto: the cores the GPU workers leave, at least one.
    # (GPU workers take other steps too when they have no GPU step to run.)
    workers: Annotated[int, Field(ge=0)] | Literal["auto"] = "auto"
    # Workers that declare `gpu.dask_resources`; auto: one per GPU `nvidia-smi -L` lists, and one even
    # without a GPU (it runs the GPU steps on the CPU, one at a time, as the `gpu` pool does).
    gpu_workers: Annotated[int, Field(ge=0)] | Literal["auto"] = "auto"
    # Memory a worker may hold before dask restarts it: "auto" (the machine's), "0" (no limit), "8GiB".
    memory_limit: str = "auto"
    # How long `nex workers start` waits for every worker to join.
    start_timeout_s: float = Field(120, gt=0)

    def plan(self, *, cores: int, gpus: int, resources: dict[str, float]) -> list[LocalDaskWorker]:
        """The workers to start on a machine with ``cores`` CPUs and ``gpus`` GPUs."""
        n_gpu = max(1, gpus) if self.gpu_workers == "auto" else self.gpu_workers
        n_cpu = max(1, cores - n_gpu) if self.workers == "auto" else self.workers
        if n_gpu + n_cpu == 0:
            raise ValueError("dask.local: workers and gpu_workers are both 0; nothing would run a step")
        # Beside real GPUs, each GPU worker sees its own device and a CPU worker sees none.
        workers = [
            LocalDaskWorker(f"gpu-{i + 1}", dict(resources), str(i % gpus) if gpus else None)
            for i in range(n_gpu)
        ]
        workers += [LocalDaskWorker(f"cpu-{i + 1}", {}, "" if gpus else None) for i in range(n_cpu)]
        return workers


class DaskSettings(_Strict):
    local: LocalDaskCluster = Field(default_factory=LocalDaskCluster)
    # How often a run's process reads its steps' events from the instance: each finished step is
    # noticed, and the steps it unblocks submitted, within this time.
    poll_interval_s: float = Field(0.2, gt=0)
    # How often it asks the scheduler whether each running step's task is still alive.
    health_check_interval_s: int = Field(5, gt=0)


class ComputeSettings(SettingsFile):
    FILE = "compute.yaml"

    gpu: GpuPlacement = Field(default_factory=GpuPlacement)
    k8s: KubernetesSettings = Field(default_factory=KubernetesSettings)
    dask: DaskSettings = Field(default_factory=DaskSettings)
