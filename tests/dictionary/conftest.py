"""Definitions of the sample world with the LLM resource tuned for tests (short timeouts and backoff)."""

from __future__ import annotations

import shutil

import dagster as dg
import pytest
import yaml

from nex_assets.llm import LLMResource
from tests.core.helpers import ROOT, sample_world_catalog, with_resources
from tests.llm_server import llm_env, llm_server  # noqa: F401

DICTIONARY_TABLES = ("nex.dictionary_entries", "nex.dictionary_versions", "nex.embeddings")


def definitions(catalog, **llm) -> dg.Definitions:
    base = with_resources(catalog)
    resources = {**base.resources, "llm": LLMResource(backoff_base_s=0.01, **llm)}
    return dg.Definitions(
        assets=list(base.assets), asset_checks=list(base.asset_checks or []), resources=resources
    )


def keys(catalog, *suffixes: str) -> list[dg.AssetKey]:
    return [dg.AssetKey([ds.name, s]) for ds in catalog.datasets for s in suffixes]


def run(defs: dg.Definitions, instance, selection: list[dg.AssetKey]) -> dg.ExecuteInProcessResult:
    """These assets alone, without the asset checks other domains attach to them."""
    job = dg.define_asset_job(
        "dictionary_test", selection=dg.AssetSelection.assets(*selection).without_checks()
    )
    merged = dg.Definitions(
        assets=list(defs.assets),
        asset_checks=list(defs.asset_checks or []),
        jobs=[job],
        resources=defs.resources,
    )
    return merged.resolve_job_def("dictionary_test").execute_in_process(
        instance=instance, raise_on_error=False
    )


def materialize(defs: dg.Definitions, instance, selection: list[dg.AssetKey]) -> dg.ExecuteInProcessResult:
    result = run(defs, instance, selection)
    assert result.success
    return result


def metadata(result: dg.ExecuteInProcessResult, key: str) -> dict:
    for event in result.get_asset_materialization_events():
        m = event.materialization
        if m.asset_key.to_user_string() == key:
            return {k: getattr(v, "value", v) for k, v in m.metadata.items()}
    raise KeyError(key)


@pytest.fixture()
def world_project(small_world, tmp_path, conn):
    """The sample world in a project folder of its own, with the project's override files, and no
    dictionary left from earlier tests of the session (they share its database)."""
    catalog = sample_world_catalog(small_world, tmp_path)
    shutil.copytree(ROOT / "dictionary" / "overrides", tmp_path / "dictionary" / "overrides")
    # The project's settings, with Dagster's step retries quick so that a failing test fails fast.
    settings = yaml.safe_load((ROOT / "config" / "dictionary.yaml").read_text())
    settings["retry"] = {"max_retries": 1, "delay_s": 0.1}
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "dictionary.yaml").write_text(yaml.safe_dump(settings))
    names = [ds.name for ds in catalog.datasets]
    for table in DICTIONARY_TABLES:
        conn.execute(f"delete from {table} where dataset = any(%s)", (names,))
    conn.commit()
    return catalog
