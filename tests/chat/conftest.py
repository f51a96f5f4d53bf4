"""A small NEX Retail world loaded, profiled and put in the dictionary through Dagster,
shared by the chat tests; and the loopback OpenAI-protocol server for the tool loop."""

from __future__ import annotations

import dagster as dg
import pytest

from nex_assets.chat.context import ToolContext
from tests.core.helpers import sample_world_catalog, with_resources
from tests.llm_server import llm_env, llm_server  # noqa: F401

# What questions read: every dataset and its profile, and the dictionary with its embeddings for the
# datasets the questions below are about (dbt and the rest of the graph add time, not coverage here:
# the reader's default privileges cover any table the platform's user creates, tested directly).
_DICTIONARY_DATASETS = {"retail_sales", "retail_stores"}


def _wanted(key: dg.AssetKey) -> bool:
    if len(key.path) != 2:
        return False
    dataset, step = key.path
    return step in {"raw", "profile"} or (
        step in {"dictionary", "embeddings"} and dataset in _DICTIONARY_DATASETS
    )


@pytest.fixture(scope="session")
def loaded_world(small_world, tmp_path_factory, dagster_instance, database):
    catalog = sample_world_catalog(small_world, tmp_path_factory.mktemp("chat_project"))
    defs = with_resources(catalog)
    keys = [key for key in defs.resolve_asset_graph().get_all_asset_keys() if _wanted(key)]
    job = dg.define_asset_job("chat_world", selection=dg.AssetSelection.assets(*keys).without_checks())
    defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
    result = defs.get_job_def("chat_world").execute_in_process(instance=dagster_instance)
    assert result.success
    return catalog


@pytest.fixture()
def tools_ctx(loaded_world, database):
    with ToolContext.open(database, loaded_world.datasets) as ctx:
        yield ctx


@pytest.fixture(autouse=True)
def _sql_paths_only(monkeypatch):
    """These tests are about the fact, SQL and tool paths (the metric path has tests/semantic): other
    tests of the session may have drafted semantic models of the same datasets, which would answer
    first."""
    from nex_assets.chat.settings import ChatSettings
    from nex_assets.core import settings

    monkeypatch.setattr(settings.load(ChatSettings).text_to_sql, "metric_queries", False)
