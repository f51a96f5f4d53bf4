"""deploy/helm/values.yaml read as the official Dagster chart reads it.

No cluster and no `helm` binary here: these functions write the parts of the chart's output that
NEX depends on, following the chart's own templates (`dagsterYaml.runLauncher.k8s` in
templates/helpers/instance/_run-launcher.tpl, `dagsterUserDeployments.k8sContainerContext` in
charts/dagster-user-deployments/templates/helpers/_helpers.tpl, and _concurrency.tpl), so the tests
can hand them to dagster-k8s itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy" / "helm" / "values.yaml"
MLFLOW = ROOT / "deploy" / "helm" / "mlflow.yaml"

RELEASE = "nex"
NAMESPACE = "nex"
# The chart's `dagster.fullname` for release `nex` of chart `dagster`.
FULLNAME = f"{RELEASE}-dagster"


def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text())


def manifests() -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(MLFLOW.read_text()) if doc]


def user_deployment(vals: dict[str, Any], name: str = "nex") -> dict[str, Any]:
    [deployment] = [d for d in vals["dagster-user-deployments"]["deployments"] if d["name"] == name]
    return deployment


def image(deployment: dict[str, Any]) -> str:
    return f"{deployment['image']['repository']}:{deployment['image']['tag']}"


def _names(sources: list[dict[str, Any]] | None) -> list[str]:
    return [s["name"] for s in sources or [] if "name" in s]


def run_launcher_config(vals: dict[str, Any]) -> dict[str, Any]:
    """The ``run_launcher.config`` the chart writes into dagster.yaml for a K8sRunLauncher."""
    assert vals["runLauncher"]["type"] == "K8sRunLauncher"
    k8s = vals["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {"load_incluster_config": k8s["loadInclusterConfig"]}
    if k8s.get("kubeconfigFile"):
        config["kubeconfig_file"] = k8s["kubeconfigFile"]
    config |= {
        "job_namespace": k8s.get("jobNamespace") or NAMESPACE,
        "image_pull_policy": k8s["imagePullPolicy"],
        "service_account_name": FULLNAME,
        "dagster_home": {"env": "DAGSTER_HOME"},
        "instance_config_map": {"env": "DAGSTER_K8S_INSTANCE_CONFIG_MAP"},
        "postgres_password_secret": {"env": "DAGSTER_K8S_PG_PASSWORD_SECRET"},
        "env_config_maps": [
            {"env": "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"},
            *_names(k8s.get("envConfigMaps")),
        ],
    }
    if "image" in k8s:
        config["job_image"] = image(k8s)
    if k8s.get("envSecrets"):
        config["env_secrets"] = _names(k8s["envSecrets"])
    for key, field in (("envVars", "env_vars"), ("volumeMounts", "volume_mounts"), ("volumes", "volumes")):
        if k8s.get(key):
            config[field] = k8s[key]
    return config


def container_context(vals: dict[str, Any], deployment: dict[str, Any]) -> dict[str, Any]:
    """The container context the user code deployment passes to the runs and steps it launches
    (``includeConfigInLaunchedRuns``)."""
    assert deployment["includeConfigInLaunchedRuns"]["enabled"]
    k8s: dict[str, Any] = {
        "image_pull_policy": deployment["image"]["pullPolicy"],
        # A dict `env` becomes this config map.
        "env_config_maps": [
            f"{FULLNAME}-{deployment['name']}-user-env",
            *_names(deployment.get("envConfigMaps")),
        ],
    }
    if deployment.get("envSecrets"):
        k8s["env_secrets"] = _names(deployment["envSecrets"])
    for key, field in (("volumeMounts", "volume_mounts"), ("volumes", "volumes"), ("labels", "labels")):
        if deployment.get(key):
            k8s[field] = deployment[key]
    if deployment.get("resources"):
        k8s["resources"] = deployment["resources"]
    k8s |= {"namespace": NAMESPACE, "service_account_name": f"{FULLNAME}-user-deployments"}
    return {"k8s": k8s}


def concurrency(vals: dict[str, Any]) -> dict[str, Any]:
    """The instance's ``concurrency`` block the chart writes from ``concurrency:``."""
    block = vals["concurrency"]
    assert block["enabled"]
    pools, runs = block.get("pools", {}), block.get("runs", {})
    out: dict[str, Any] = {}
    renamed = {"defaultLimit": "default_limit", "granularity": "granularity"}
    if any(k in pools for k in renamed):
        out["pools"] = {renamed[k]: v for k, v in pools.items() if k in renamed}
    if "maxConcurrentRuns" in runs or runs.get("tagConcurrencyLimits"):
        out["runs"] = {}
        if "maxConcurrentRuns" in runs:
            out["runs"]["max_concurrent_runs"] = runs["maxConcurrentRuns"]
        if runs.get("tagConcurrencyLimits"):
            out["runs"]["tag_concurrency_limits"] = runs["tagConcurrencyLimits"]
    return out
