"""A small NEX Retail world loaded into the warehouse once per session, for the ML tests."""

from __future__ import annotations

import dagster as dg
import pytest

from tests.core.helpers import sample_world_catalog, with_resources


@pytest.fixture(scope="session")
def ml_world(small_world, tmp_path_factory, dagster_instance):
    """Raw tables and dbt marts of the small world; returns the definitions and their catalog."""
    project = tmp_path_factory.mktemp("ml_project")
    catalog = sample_world_catalog(small_world, project)
    defs = with_resources(catalog)
    graph = defs.resolve_asset_graph()
    keys = [dg.AssetKey([ds.name, "raw"]) for ds in catalog.datasets]
    keys += [k for k in graph.get_all_asset_keys() if k.path[0] == "warehouse"]
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=keys
    )
    assert result.success
    return defs, catalog
