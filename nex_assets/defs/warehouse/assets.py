"""dbt models as Dagster assets through dagster-dbt; dbt tests become asset checks.

The manifest is prepared when the project is set up (``nex dbt prepare``), never committed;
a missing one is prepared here once so a fresh checkout still loads.
"""

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from nex_assets import env
from nex_assets.resources import WarehouseResource

WAREHOUSE_PREFIX = "warehouse"


def manifest_path() -> Path:
    return env.dbt_project_dir() / "target" / "manifest.json"


def prepare_manifest() -> Path:
    """Runs ``dbt parse``; it needs no database connection."""
    project = env.dbt_project_dir()
    subprocess.run(
        [
            env.executable("dbt"),
            "parse",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--quiet",
        ],
        check=True,
        cwd=project,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )
    return manifest_path()


def _source_datasets(manifest: Mapping[str, Any]) -> set[str]:
    return {s["name"] for s in manifest.get("sources", {}).values()}


def dbt_definitions(catalog) -> dg.Definitions:
    if not (env.dbt_project_dir() / "dbt_project.yml").exists():
        return dg.Definitions()
    path = manifest_path() if manifest_path().exists() else prepare_manifest()
    manifest = json.loads(path.read_text())
    # dbt reads the raw tables of these datasets; a catalog without them has no warehouse to build.
    if not _source_datasets(manifest) <= catalog.names():
        return dg.Definitions()

    from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

    class Translator(DagsterDbtTranslator):
        def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
            if dbt_resource_props["resource_type"] == "source":
                return dg.AssetKey([dbt_resource_props["name"], "raw"])
            return dg.AssetKey([WAREHOUSE_PREFIX, dbt_resource_props["name"]])

        def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
            return WAREHOUSE_PREFIX

    translator = Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    @dbt_assets(
        manifest=manifest,
        dagster_dbt_translator=translator,
        name="warehouse_dbt",
        op_tags={"nex/domain": "warehouse"},
    )
    def warehouse_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        # profiles.yml reads the connection from the environment, so credentials never reach dbt's files.
        os.environ.update(warehouse.database().dbt_env())
        yield from dbt.cli(["build"], context=context).stream()

    project = str(env.dbt_project_dir())
    return dg.Definitions(
        assets=[warehouse_dbt],
        resources={
            "dbt": DbtCliResource(
                project_dir=project, profiles_dir=project, dbt_executable=env.executable("dbt")
            )
        },
    )
