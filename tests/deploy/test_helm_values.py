"""deploy/helm/values.yaml and deploy/helm/mlflow.yaml, checked by parsing (no cluster here): the
project image serves the code location, the database comes from a Secret, runs start as Kubernetes
Jobs, the instance has NEX's own limits, and MLflow's server is where the code location looks."""

from __future__ import annotations

import re

from nex_assets.core import env, instance
from tests.deploy import helm


def test_values_and_manifests_parse():
    vals = helm.values()
    assert isinstance(vals, dict)
    kinds = {doc["kind"] for doc in helm.manifests()}
    assert kinds == {"PersistentVolumeClaim", "Deployment", "Service"}


def test_the_code_location_is_the_project_image_running_nex_definitions():
    vals = helm.values()
    assert vals["dagster-user-deployments"]["enabled"] is True
    deployment = helm.user_deployment(vals)
    assert deployment["image"]["repository"] and deployment["image"]["tag"]
    args = deployment["codeServerArgs"]
    assert args[args.index("-m") + 1] == "nex_assets.definitions"
    # Runs and steps inherit the deployment's env and secrets.
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    assert deployment["env"]["NEX_EXECUTOR"] == "k8s"


def test_the_database_url_comes_only_from_a_secret():
    vals = helm.values()
    deployment = helm.user_deployment(vals)
    assert "NEX_DATABASE_URL" not in deployment["env"]
    secrets = {s["name"] for s in deployment["envSecrets"]}
    launcher = vals["runLauncher"]["config"]["k8sRunLauncher"]
    assert secrets == {s["name"] for s in launcher["envSecrets"]} == {"nex-database"}
    assert "NEX_DATABASE_URL" in helm.VALUES.read_text()  # the comment that says which key


def test_dagster_storage_is_the_dagster_database_of_an_external_server():
    vals = helm.values()
    postgres = vals["postgresql"]
    assert postgres["enabled"] is False and vals["generatePostgresqlPasswordSecret"] is False
    assert postgres["postgresqlDatabase"] == env.DAGSTER_DB
    # psycopg2: with a bare postgresql:// dagster-postgres fails on NOTIFY (nex_assets/core/env.py).
    assert postgres["postgresqlScheme"] == "postgresql+psycopg2"
    assert not postgres["postgresqlPassword"], "the password belongs in the Secret, not the values"
    assert vals["global"]["postgresqlSecretName"] == "dagster-postgresql-secret"


def test_runs_launch_as_kubernetes_jobs_through_the_queue():
    vals = helm.values()
    assert vals["runLauncher"]["type"] == "K8sRunLauncher"
    coordinator = vals["dagsterDaemon"]["runCoordinator"]
    assert coordinator["enabled"] is True and coordinator["type"] == "QueuedRunCoordinator"
    # The chart refuses run limits in both places; they live in `concurrency:` only.
    assert "config" not in coordinator


def test_instance_limits_and_retries_are_the_local_ones():
    vals = helm.values()
    assert helm.concurrency(vals) == instance.CONCURRENCY
    # One slot in every pool by default: the `gpu` pool's concurrency.
    assert vals["concurrency"]["pools"]["defaultLimit"] == 1
    assert vals["dagsterDaemon"]["runRetries"]["enabled"] is False
    assert vals["additionalInstanceConfig"]["run_retries"] == instance.RUN_RETRIES
    assert vals["telemetry"]["enabled"] is False


def test_mlflow_server_is_where_the_code_location_looks():
    vals = helm.values()
    uri = helm.user_deployment(vals)["env"]["MLFLOW_TRACKING_URI"]
    host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", uri).groups()
    docs = {doc["kind"]: doc for doc in helm.manifests()}
    service, deployment = docs["Service"], docs["Deployment"]
    assert service["metadata"]["name"] == host
    [service_port] = service["spec"]["ports"]
    assert service_port["port"] == int(port)
    assert service["spec"]["selector"] == deployment["spec"]["template"]["metadata"]["labels"]

    [container] = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[:2] == ["mlflow", "server"]
    assert args[args.index("--port") + 1] == str(container["ports"][0]["containerPort"])
    # The backend store URI is read from the Secret, never written here.
    assert args[args.index("--backend-store-uri") + 1] == "$(MLFLOW_BACKEND_STORE_URI)"
    [store] = [e for e in container["env"] if e["name"] == "MLFLOW_BACKEND_STORE_URI"]
    assert store["valueFrom"]["secretKeyRef"]["name"] == "nex-database"
    assert host in args[args.index("--allowed-hosts") + 1].split(",")
    artifacts = args[args.index("--artifacts-destination") + 1]
    assert artifacts in {m["mountPath"] for m in container["volumeMounts"]}
    # The same image as the code location.
    assert container["image"] == helm.image(helm.user_deployment(vals))
