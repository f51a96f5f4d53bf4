"""The engine NEX_EXECUTOR names, and GPU placement from config/compute.yaml."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nex_assets.core import compute
from nex_assets.core.logic.settings import ComputeSettings, GpuPlacement
from tests.core.helpers import ROOT


def test_multiprocess_is_the_default(monkeypatch):
    monkeypatch.delenv("NEX_EXECUTOR", raising=False)
    executor = compute.executor_for()
    assert executor.name == "multiprocess"


def test_the_name_is_read_from_the_environment_in_any_case(monkeypatch):
    monkeypatch.setenv("NEX_EXECUTOR", " K8s ")
    assert compute.executor_for().name == "k8s"


def test_the_distributed_engine_is_chosen_without_reaching_a_cluster(monkeypatch, tmp_path):
    # The cluster is found (or started) when a run starts; loading the code location touches none.
    monkeypatch.setenv("NEX_EXECUTOR", "dask")
    monkeypatch.setenv("NEX_HOME", str(tmp_path))
    assert compute.executor_for().name == "dask"
    assert not (tmp_path / "dask").exists()


def test_an_unknown_engine_names_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv("NEX_EXECUTOR", "warp")
    with pytest.raises(compute.ExecutorChoiceError) as err:
        compute.executor_for()
    message = str(err.value)
    assert "NEX_EXECUTOR='warp'" in message
    assert all(name in message for name in compute.EXECUTORS)


def test_gpu_tags_come_from_one_setting(tmp_path, monkeypatch):
    (tmp_path / "compute.yaml").write_text(
        "gpu:\n  pool: accelerators\n  resources: {limits: {nvidia.com/gpu: 2}}\n"
        "  node_selector: {cloud.google.com/gke-accelerator: nvidia-l4}\n"
        "  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n"
    )
    monkeypatch.setenv("NEX_CONFIG_DIR", str(tmp_path))
    placement = compute.gpu_placement()
    assert placement["pool"] == "accelerators"
    k8s = placement["op_tags"]["dagster-k8s/config"]
    assert k8s["container_config"]["resources"] == {"limits": {"nvidia.com/gpu": "2"}}
    assert k8s["pod_spec_config"]["node_selector"] == {"cloud.google.com/gke-accelerator": "nvidia-l4"}
    assert k8s["pod_spec_config"]["tolerations"][0]["value"] == "gpu"
    assert placement["op_tags"]["nex/compute"] == "gpu"
    assert json.loads(placement["op_tags"]["dagster-dask/resource_requirements"]) == {"GPU": 1}


def test_without_a_file_a_gpu_step_asks_for_one_gpu_anywhere():
    config = ComputeSettings.parse({}).gpu.k8s_config()
    assert config == {"container_config": {"resources": {"limits": {"nvidia.com/gpu": "1"}}}}


def test_a_typo_in_the_gpu_section_is_refused():
    with pytest.raises(ValueError, match="node_selektor"):
        ComputeSettings.parse({"gpu": {"node_selektor": {"a": "b"}}})
    with pytest.raises(ValueError, match="resources"):
        GpuPlacement(resources={"limts": {"nvidia.com/gpu": 1}})


def test_the_code_location_loads_with_the_k8s_executor():
    code = (
        "import json, nex_assets.definitions as d; j = d.defs.resolve_job_def('nex_main'); "
        "print(json.dumps([j.executor_def.name, sorted(n.key.to_user_string() for n in "
        "d.defs.resolve_asset_graph().asset_nodes if 'gpu' in n.pools)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "NEX_EXECUTOR": "k8s"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    name, gpu_steps = json.loads(out.stdout.strip().splitlines()[-1])
    assert name == "k8s"
    assert gpu_steps
