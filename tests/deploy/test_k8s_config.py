"""What NEX and its Helm values hand to dagster-k8s, validated against dagster-k8s's own config
schemas: the run launcher the chart writes, the container context the user code deployment passes to
runs, and the k8s_job_executor configuration from config/compute.yaml."""

from __future__ import annotations

import pytest
from dagster._config import process_config
from dagster_k8s import K8sRunLauncher, k8s_job_executor
from dagster_k8s.job import DagsterK8sJobConfig

from nex_assets.common.yaml_files import SettingsError
from nex_assets.core import compute
from tests.deploy import helm

CHART_ENV = {
    "DAGSTER_HOME": "/opt/dagster/home",
    "DAGSTER_K8S_INSTANCE_CONFIG_MAP": f"{helm.FULLNAME}-instance",
    "DAGSTER_K8S_PG_PASSWORD_SECRET": "dagster-postgresql-secret",
    "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP": f"{helm.FULLNAME}-pipeline-env",
}


def _errors(result) -> str:
    return "; ".join(e.message for e in result.errors or [])


def test_run_launcher_config_from_the_values_validates(monkeypatch):
    for key, value in CHART_ENV.items():
        monkeypatch.setenv(key, value)
    config = helm.run_launcher_config(helm.values())
    result = process_config(K8sRunLauncher.config_type(), config)
    assert result.success, _errors(result)
    assert result.value["env_secrets"] == ["nex-database"]
    assert result.value["postgres_password_secret"] == "dagster-postgresql-secret"


def test_container_context_of_the_user_deployment_validates():
    vals = helm.values()
    context = helm.container_context(vals, helm.user_deployment(vals))
    result = process_config(DagsterK8sJobConfig.config_type_container_context(), context["k8s"])
    assert result.success, _errors(result)
    assert "nex-database" in result.value["env_secrets"]


def test_executor_config_from_compute_yaml_validates():
    config = compute.k8s_executor_config()
    result = process_config(k8s_job_executor.config_schema.config_type, config)
    assert result.success, _errors(result)
    assert result.value["step_k8s_config"]["container_config"]["resources"]["requests"]


def test_k8s_executor_is_dagster_k8s_configured_from_the_file():
    executor = compute.executor_for("k8s")
    assert executor.name == "k8s"
    assert executor.executor_creation_fn is k8s_job_executor.executor_creation_fn


def test_a_mistake_in_the_executor_config_names_the_file(tmp_path, monkeypatch):
    (tmp_path / "compute.yaml").write_text("k8s:\n  executor:\n    max_concurrent: lots\n    warp: 9\n")
    monkeypatch.setenv("NEX_CONFIG_DIR", str(tmp_path))
    with pytest.raises(SettingsError, match=r"compute\.yaml: k8s\.executor: .*max_concurrent") as err:
        compute.executor_for("k8s")
    assert "warp" in str(err.value)
