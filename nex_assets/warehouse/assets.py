"""dbt models as Dagster assets; dbt tests as asset checks.

The asset specs are read straight from dbt's manifest (plain JSON), so loading the code
location does not import dbt (about 1.5 s); dbt itself runs inside the step through
dagster-dbt's ``DbtCliResource``, whose events are translated to this asset's results.
The manifest is prepared when the project is set up (``nex dbt prepare``), never committed;
a missing one is prepared here once so a fresh checkout still loads.
"""

import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from psycopg import sql

from nex_assets.core import env
from nex_assets.core.resources import WarehouseResource

WAREHOUSE_PREFIX = "warehouse"
MODEL_TYPES = {"model", "seed", "snapshot"}


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


def node_key(props: Mapping[str, Any]) -> dg.AssetKey:
    """dbt sources are the datasets' raw assets; models live under ``warehouse/``."""
    if props["resource_type"] == "source":
        return dg.AssetKey([props["name"], "raw"])
    return dg.AssetKey([WAREHOUSE_PREFIX, props["name"]])


class DbtWarehouseResource(dg.ConfigurableResource):
    """Where the dbt project lives; dbt's connection comes from the warehouse resource at run time."""

    project_dir: str
    profiles_dir: str


def _model_version(node: Mapping[str, Any]) -> str:
    code = node.get("raw_code") or node.get("checksum", {}).get("checksum", "")
    blob = json.dumps([code, node.get("config", {})], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _specs(manifest: Mapping[str, Any]) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
    lookup = {**manifest["nodes"], **manifest["sources"]}
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] in MODEL_TYPES}
    specs = []
    for node in models.values():
        columns = [
            dg.TableColumn(
                name=c["name"], type=c.get("data_type") or "unknown", description=c.get("description")
            )
            for c in node.get("columns", {}).values()
        ]
        specs.append(
            dg.AssetSpec(
                key=node_key(node),
                deps=[node_key(lookup[d]) for d in node["depends_on"]["nodes"] if d in lookup],
                description=node.get("description") or None,
                group_name=WAREHOUSE_PREFIX,
                kinds={"dbt", "postgres"},
                skippable=True,
                # The model's SQL and settings: an edited model is stale in the UI and in `nex run`.
                code_version=_model_version(node),
                metadata={
                    "dagster/table_name": f"{node['schema']}.{node['alias'] or node['name']}",
                    "dagster/column_schema": dg.TableSchema(columns=columns),
                    "materialized": node["config"].get("materialized", ""),
                    "dbt_unique_id": node["unique_id"],
                },
            )
        )
    checks = [
        dg.AssetCheckSpec(
            name=test["name"],
            asset=node_key(models[test["attached_node"]]),
            description=f"dbt test `{test['name']}`",
        )
        for test in manifest["nodes"].values()
        if test["resource_type"] == "test" and test.get("attached_node") in models
    ]
    return specs, checks


def dbt_definitions(catalog) -> dg.Definitions:
    if not (env.dbt_project_dir() / "dbt_project.yml").exists():
        return dg.Definitions()
    path = manifest_path() if manifest_path().exists() else prepare_manifest()
    manifest = json.loads(path.read_text())
    # dbt reads the raw tables of these datasets; a catalog without them has no warehouse to build.
    if not {s["name"] for s in manifest["sources"].values()} <= catalog.names():
        return dg.Definitions()
    specs, checks = _specs(manifest)

    @dg.multi_asset(
        name="warehouse_dbt",
        specs=specs,
        check_specs=checks,
        can_subset=True,
        op_tags={"nex/domain": "warehouse"},
    )
    def warehouse_dbt(
        context: dg.AssetExecutionContext, dbt: DbtWarehouseResource, warehouse: WarehouseResource
    ):
        yield from run_dbt_build(context, dbt, warehouse, manifest)

    project = str(env.dbt_project_dir())
    return dg.Definitions(
        assets=[warehouse_dbt],
        resources={"dbt": DbtWarehouseResource(project_dir=project, profiles_dir=project)},
    )


def run_dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtWarehouseResource,
    warehouse: WarehouseResource,
    manifest: Mapping[str, Any],
):
    from dagster_dbt import DagsterDbtTranslator, DbtCliResource

    class Translator(DagsterDbtTranslator):
        def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
            return node_key(dbt_resource_props)

    # profiles.yml reads the connection from the environment, so credentials never reach dbt's files.
    os.environ.update(warehouse.database().dbt_env())
    selected = sorted(k.path[-1] for k in context.selected_asset_keys)
    everything = len(selected) == len(context.assets_def.keys)
    args = ["build"] if everything else ["build", "--select", *selected]
    cli = DbtCliResource(
        project_dir=dbt.project_dir, profiles_dir=dbt.profiles_dir, dbt_executable=env.executable("dbt")
    )
    invocation = cli.cli(args, manifest=manifest, dagster_dbt_translator=Translator(), raise_on_error=False)
    own_keys = set(context.selected_asset_keys)
    relations = {
        spec.key: spec.metadata["dagster/table_name"]
        for spec in context.assets_def.specs
        if spec.key in own_keys
    }
    own_checks = set(context.selected_asset_check_keys)
    for event in invocation.stream():
        if isinstance(event, dg.AssetMaterialization) and event.asset_key in own_keys:
            table = relations[event.asset_key]
            with warehouse.connect() as conn:
                query = sql.SQL("select count(*) from {}").format(sql.Identifier(*table.split(".", 1)))
                rows = conn.execute(query).fetchone()[0]
            yield dg.MaterializeResult(
                asset_key=event.asset_key, metadata={**event.metadata, "dagster/row_count": rows}
            )
        elif isinstance(event, dg.AssetCheckEvaluation) and event.asset_check_key in own_checks:
            yield dg.AssetCheckResult(
                asset_key=event.asset_key,
                check_name=event.check_name,
                passed=event.passed,
                severity=event.severity,
                metadata=event.metadata,
            )
        elif isinstance(event, dg.AssetObservation):
            yield event
    if not invocation.is_successful():
        errors = (
            "\n".join(invocation.get_error_messages()) if hasattr(invocation, "get_error_messages") else ""
        )
        raise dg.Failure(
            f"dbt {' '.join(args)} failed; see the dbt log in the step's compute logs.\n{errors}"
        )
