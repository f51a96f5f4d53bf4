"""Definitions of the datasets and quality domains alone over a small world: enough to see checks
block ``<dataset>/profile`` and scores accumulate, without building the rest of the graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from nex_assets.core.build import Catalog
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets import defs as datasets
from nex_assets.datasets.logic.catalog import load_catalog
from nex_assets.quality import defs as quality
from tests.core.helpers import ROOT
from tests.llm_server import llm_env, llm_server  # noqa: F401


def quality_definitions(world: Path, project: Path) -> dg.Definitions:
    target = project / "data" / "sample" / "retail"
    shutil.copytree(world, target, dirs_exist_ok=True)
    catalog = Catalog(
        load_catalog(ROOT / "datasets"), project_dir=project, landing_dir=project / "data" / "landing"
    )
    return dg.Definitions.merge(
        datasets.build(catalog),
        quality.build(catalog),
        dg.Definitions(resources={"warehouse": WarehouseResource()}),
    )


def run_all(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance, raise_on_error=False
    )


@pytest.fixture()
def docs_dir(tmp_path, monkeypatch) -> Path:
    """Data Docs of this test only, so assertions about them never see another test's site."""
    folder = tmp_path / "data_docs"
    monkeypatch.setenv("NEX_DATA_DOCS_DIR", str(folder))
    return folder
