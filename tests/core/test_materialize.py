"""Materializing through Dagster on the platform's PostgreSQL: the Python API and the CLI."""

from __future__ import annotations

import json
import os
import subprocess

import dagster as dg
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from nex_assets.core import env
from nex_assets.core.build import Catalog
from nex_assets.core.dagster import FORCE_TAG
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import ROOT, sample_world_catalog, with_resources, write_catalog


def run_all(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)


def test_sample_world_end_to_end_with_dbt(small_world, tmp_path, dagster_instance, conn):
    catalog = sample_world_catalog(small_world, tmp_path)
    defs = with_resources(catalog)
    result = run_all(defs, dagster_instance)
    assert result.success
    keys = {
        m.asset_key.to_user_string()
        for m in result.get_asset_materialization_events()
        for m in [m.materialization]
    }
    assert {
        "retail_sales/raw",
        "retail_sales/profile",
        "warehouse/stg_retail__sales",
        "warehouse/sku_weekly_sales",
        "warehouse/store_performance",
    } <= keys
    marts = {
        m.materialization.asset_key.path[-1]: m.materialization.metadata["dagster/row_count"].value
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key.path[0] == "warehouse"
    }
    assert marts["store_performance"] == 24 and marts["stg_retail__sales"] > 0
    # Every dbt model carries its description as a PostgreSQL comment, on the relation and its columns.
    for relation in ("marts.store_performance", "staging.stg_retail__customers"):
        described = conn.execute(
            """select obj_description(%(r)s::regclass, 'pg_class'),
                      bool_and(col_description(%(r)s::regclass, a.attnum) is not null)
                 from pg_attribute a where a.attrelid = %(r)s::regclass and a.attnum > 0""",
            {"r": relation},
        ).fetchone()
        assert described[0] and described[1], relation
    checks = result.get_asset_check_evaluations()
    # Train-on-synthetic/test-on-real is a statistical bar: on this 24-store world it swings around
    # its threshold from one fit to the next, so here it only has to be evaluated; tests/synthetic
    # holds it to its bar on a larger world.
    utility = [c for c in checks if c.check_name == "train_synthetic_test_real"]
    failed = [(c.asset_key.to_user_string(), c.check_name, c.description) for c in checks if not c.passed]
    assert utility and checks and not [f for f in failed if f[1] != "train_synthetic_test_real"], failed
    assert any(c.asset_key.path == ["warehouse", "stg_retail__sales"] for c in checks)
    truth = json.loads((small_world / "ground_truth.json").read_text())
    assert conn.execute("select count(*) from raw.retail_sales").fetchone()[0] == truth["files"]["sales.csv"]
    assert (
        conn.execute("select count(*) from marts.store_performance").fetchone()[0]
        == truth["files"]["stores.csv"]
    )
    # Personal data stays in raw: staging drops the contact columns.
    staged = {
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'staging' "
            "and table_name = 'stg_retail__customers'"
        )
    }
    assert not staged & {"first_name", "last_name", "email", "phone", "birth_date"}
    profile = dict(
        conn.execute(
            "select column_name, inferred_type from nex.column_profiles where dataset = 'retail_customers'"
        ).fetchall()
    )
    assert profile["customer_id"] == "identifier" and profile["segment"] == "categorical"
    sensitive = {
        r[0]
        for r in conn.execute(
            "select column_name from nex.column_profiles where dataset = 'retail_customers' and sensitive"
        )
    }
    assert {"email", "phone", "first_name", "last_name"} <= sensitive
    # ... and the read-only role of `nex ask` cannot read those columns at the database.
    customers_profile = next(
        m.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key.to_user_string() == "retail_customers/profile"
    )
    assert sensitive <= set(customers_profile["closed_to_reader"].value.split(", "))
    examples = conn.execute(
        "select stats->'examples' from nex.column_profiles where dataset = 'retail_customers' "
        "and column_name = 'email'"
    ).fetchone()[0]
    assert examples and all(
        "@" in e
        and not any(ch.isdigit() for ch in e.split("@")[0].replace("9", ""))
        and set(e.split("@")[0]) <= {"a", "A", "9", ".", "_", "-", "+"}
        for e in examples
    )


def test_unchanged_input_is_not_reloaded_and_nothing_goes_stale(tmp_path, dagster_instance, unique_name):
    data = tmp_path / "data.csv"
    data.write_text("id,city,amount\n1,Leeds,10\n2,York,20\n")
    # A few rows are below synthetic.min_rows: these tests are about loading, not synthesis.
    write_catalog(tmp_path / "datasets", unique_name, data, primary_key="[id]", synthetic="{enabled: false}")
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    defs = with_resources(catalog)
    first = run_all(defs, dagster_instance)
    raw_key = dg.AssetKey([unique_name, "raw"])
    (v1,) = [
        e.materialization.tags["dagster/data_version"]
        for e in first.get_asset_materialization_events()
        if e.materialization.asset_key == raw_key
    ]
    second = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=[raw_key]
    )
    mat = second.get_asset_materialization_events()[0].materialization
    assert mat.metadata["reloaded"].value is False
    assert mat.tags["dagster/data_version"] == v1
    # `--force` reloads the same content (and its version stays the content's).
    forced = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=[raw_key], tags={FORCE_TAG: "true"}
    )
    mat = forced.get_asset_materialization_events()[0].materialization
    assert mat.metadata["reloaded"].value is True and mat.tags["dagster/data_version"] == v1
    resolver = CachingStaleStatusResolver(
        dagster_instance, defs.resolve_asset_graph(), LoadingContextForTest(dagster_instance)
    )
    assert resolver.get_status(dg.AssetKey([unique_name, "profile"])) == StaleStatus.FRESH
    data.write_text("id,city,amount\n1,Leeds,10\n2,York,25\n")
    third = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=[raw_key]
    )
    assert third.get_asset_materialization_events()[0].materialization.metadata["reloaded"].value is True
    resolver = CachingStaleStatusResolver(
        dagster_instance, defs.resolve_asset_graph(), LoadingContextForTest(dagster_instance)
    )
    assert resolver.get_status(dg.AssetKey([unique_name, "profile"])) == StaleStatus.STALE


def test_dagster_asset_materialize_cli_uses_the_postgres_instance(
    tmp_path, dagster_instance, database, unique_name, conn
):
    data = tmp_path / "data.csv"
    data.write_text("id,v\n1,a\n2,b\n3,c\n")
    # A few rows are below synthetic.min_rows: these tests are about loading, not synthesis.
    write_catalog(tmp_path / "datasets", unique_name, data, primary_key="[id]", synthetic="{enabled: false}")
    cli_env = {
        **os.environ,
        "NEX_DATASETS_DIR": str(tmp_path / "datasets"),
        "NEX_PROJECT_DIR": str(ROOT),
        "DAGSTER_HOME": os.environ["DAGSTER_HOME"],
    }
    out = subprocess.run(
        [
            env.executable("dagster"),
            "asset",
            "materialize",
            "-m",
            "nex_assets.definitions",
            "--select",
            f"{unique_name}/raw+",
        ],
        cwd=ROOT,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert conn.execute(f'select count(*) from raw."{unique_name}"').fetchone() == (3,)
    record = dagster_instance.get_latest_materialization_event(dg.AssetKey([unique_name, "profile"]))
    assert record is not None and record.asset_materialization.metadata["dagster/row_count"].value == 3
