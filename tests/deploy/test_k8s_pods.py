"""The pods dagster-k8s would create for steps of the real NEX graph, with no cluster: the run
launcher from the Helm values, the executor from config/compute.yaml and each step's own tags go
through dagster-k8s's K8sStepHandler and its job builder, and only the Kubernetes API call is caught.

A GPU step's pod asks for ``nvidia.com/gpu`` and may go only where config/compute.yaml says; a CPU
step's pod does neither, and both keep the executor's default requests and the deployment's secrets.
"""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._config import process_config
from dagster._core.execution.api import create_execution_plan
from dagster._core.execution.context.system import PlanData, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import create_context_free_log_manager
from dagster._core.executor.init import InitExecutorContext
from dagster._core.executor.step_delegating.step_handler.base import StepHandlerContext
from dagster._core.test_utils import create_run_for_test
from dagster._grpc.types import ExecuteStepArgs
from dagster_k8s import k8s_job_executor
from dagster_k8s.client import DagsterKubernetesClient

from nex_assets.core import compute, settings
from nex_assets.core.logic.settings import ComputeSettings
from tests.deploy import helm
from tests.deploy.test_k8s_config import CHART_ENV

GPU = "nvidia.com/gpu"
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: offline, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: offline, user: {token: offline}}]
contexts: [{name: offline, context: {cluster: offline, user: offline, namespace: nex}}]
current-context: offline
"""


@pytest.fixture(scope="module")
def graph():
    """The code location as the user deployment loads it, and its main job as each pod rebuilds it."""
    import nex_assets.definitions as definitions

    recon = dg.build_reconstructable_job("nex_assets.definitions", "job_def", ("nex_main",))
    return definitions.defs, recon, create_execution_plan(recon)


def _step_keys(defs) -> tuple[str, str]:
    """A GPU step of the real graph and a CPU step of the same group (its recipe's evaluation, say),
    found by their pools, not by name."""
    gpu_pool = settings.load(ComputeSettings).gpu.pool
    nodes = [n for n in defs.resolve_asset_graph().asset_nodes if n.is_executable]
    gpu = sorted((n for n in nodes if gpu_pool in n.pools), key=lambda n: n.key)
    assert gpu, "the NEX graph has no GPU step (a torch recipe or a neural synthesizer)"
    cpu = sorted((n for n in nodes if not n.pools and n.group_name == gpu[0].group_name), key=lambda n: n.key)
    return gpu[0].assets_def.op.name, cpu[0].assets_def.op.name


@pytest.fixture(scope="module")
def pods(graph, tmp_path_factory):
    """The Kubernetes Job dagster-k8s builds for each of one GPU and one CPU step, by step key."""
    defs, recon, plan = graph
    gpu_key, cpu_key = _step_keys(defs)
    home = tmp_path_factory.mktemp("k8s")
    kubeconfig = home / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    vals = helm.values()
    deployment = helm.user_deployment(vals)
    launcher = helm.run_launcher_config(vals) | {
        "load_incluster_config": False,
        "kubeconfig_file": str(kubeconfig),
    }
    # The origin the user code deployment reports: its image and the context it passes to runs.
    origin = recon.get_python_origin()
    origin = origin._replace(
        repository_origin=origin.repository_origin._replace(
            container_image=helm.image(deployment),
            container_context=helm.container_context(vals, deployment),
        )
    )
    created = []
    with pytest.MonkeyPatch.context() as mp:
        for key, value in CHART_ENV.items():
            mp.setenv(key, value)
        mp.setattr(
            DagsterKubernetesClient,
            "create_namespaced_job_with_retries",
            lambda self, body, namespace, **_: created.append((namespace, body)),
        )
        overrides = {"run_launcher": {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": launcher}}
        with dg.instance_for_test(overrides=overrides, temp_dir=str(home)) as instance:
            processed = process_config(
                k8s_job_executor.config_schema.config_type, compute.k8s_executor_config()
            )
            assert processed.success
            executor = k8s_job_executor.executor_creation_fn(
                InitExecutorContext(
                    job=recon,
                    executor_def=k8s_job_executor,
                    executor_config=processed.value,
                    instance=instance,
                )
            )
            run = create_run_for_test(instance, job_name="nex_main", job_code_origin=origin)
            plan_context = PlanOrchestrationContext(
                plan_data=PlanData(job=recon, dagster_run=run, instance=instance, execution_plan=plan),
                log_manager=create_context_free_log_manager(instance, run),
                executor=executor,
                output_capture=None,
            )
            for key in (gpu_key, cpu_key):
                context = StepHandlerContext(
                    instance=instance,
                    plan_context=plan_context,
                    steps=plan.steps,
                    execute_step_args=ExecuteStepArgs(origin, run.run_id, [key]),
                    dagster_run=run,
                )
                # The executor's own step handler, as the run worker would call it.
                list(executor._step_handler.launch_step(context))
    assert len(created) == 2
    return {"gpu": created[0], "cpu": created[1]}


def _pod(job):
    spec = job.spec.template.spec
    [container] = spec.containers
    return spec, container


def test_gpu_step_pod_requests_a_gpu_on_a_gpu_node(pods):
    gpu = settings.load(ComputeSettings).gpu
    namespace, job = pods["gpu"]
    spec, container = _pod(job)
    assert namespace == helm.NAMESPACE
    assert container.resources.limits[GPU] == "1"
    assert spec.node_selector == gpu.node_selector and spec.node_selector
    tolerations = [t.to_dict() for t in spec.tolerations]
    for wanted in gpu.tolerations:
        assert any(all(t.get(k) == v for k, v in wanted.items()) for t in tolerations), wanted


def test_cpu_step_pod_asks_for_no_gpu_and_no_gpu_node(pods):
    _, job = pods["cpu"]
    spec, container = _pod(job)
    assert GPU not in (container.resources.limits or {})
    assert GPU not in (container.resources.requests or {})
    assert not spec.node_selector
    assert not spec.tolerations


@pytest.mark.parametrize("kind", ["gpu", "cpu"])
def test_every_step_pod_runs_the_project_image_with_the_database_secret(pods, kind):
    _, job = pods[kind]
    _, container = _pod(job)
    assert container.image == helm.image(helm.user_deployment(helm.values()))
    # The executor's default requests from config/compute.yaml, merged with a GPU step's own limit.
    assert container.resources.requests == {"cpu": "1", "memory": "2Gi"}
    secrets = {source.secret_ref.name for source in container.env_from if source.secret_ref}
    assert "nex-database" in secrets
    config_maps = {source.config_map_ref.name for source in container.env_from if source.config_map_ref}
    # The deployment's env (NEX_EXECUTOR, MLFLOW_TRACKING_URI) reaches every step.
    assert f"{helm.FULLNAME}-nex-user-env" in config_maps
    assert "dagster" in container.args and "execute_step" in container.args
