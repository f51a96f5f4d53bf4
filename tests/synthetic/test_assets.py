"""Synthetic copies of the sample world materialized through Dagster, with their checks."""

from __future__ import annotations

import dagster as dg
import pytest

from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets import defs as datasets
from nex_assets.synthetic import defs as synthetic
from tests.core.helpers import sample_world_catalog

RETAIL = [
    "retail_stores",
    "retail_products",
    "retail_sales",
    "retail_customers",
    "retail_offers",
    "retail_offer_events",
]
SENSITIVE = ["first_name", "last_name", "email", "phone", "birth_date"]


def domain_defs(catalog) -> dg.Definitions:
    """Only the domains these assets need, so the tests do not depend on the rest of the graph."""
    return dg.Definitions.merge(
        datasets.build(catalog),
        synthetic.build(catalog),
        dg.Definitions(resources={"warehouse": WarehouseResource()}),
    )


def _keys(names, stages):
    return [dg.AssetKey([n, s]) for n in names for s in stages]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Every store and product of the real world (their synthetic fidelity depends on having them all),
    fewer sales weeks per store and fewer customers."""
    from nex_assets.sample_world import WorldSize, generate

    out = tmp_path_factory.mktemp("synthetic_world")
    generate(
        out, seed=11, size=WorldSize(stores=100, products=60, skus_per_store=1, weeks=104, customers=800)
    )
    return out


@pytest.fixture(scope="module")
def world_run(world, tmp_path_factory, dagster_instance):
    catalog = sample_world_catalog(world, tmp_path_factory.mktemp("project"))
    defs = domain_defs(catalog)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=dagster_instance, asset_selection=_keys(RETAIL, ["raw", "profile", "synthetic"])
    )
    return defs, result


def test_every_sample_dataset_gets_a_synthetic_copy_with_passing_checks(world_run, conn):
    _, result = world_run
    assert result.success
    mats = {
        m.materialization.asset_key.path[0]: m.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key.path[-1] == "synthetic"
    }
    assert set(mats) == set(RETAIL)
    checks = [c for c in result.get_asset_check_evaluations() if c.asset_key.path[-1] == "synthetic"]
    failed = [(c.asset_key.to_user_string(), c.check_name, c.description) for c in checks if not c.passed]
    assert not failed
    assert {c.check_name for c in checks} >= {
        "diagnostic",
        "quality",
        "dcr_baseline_protection",
        "exact_copies",
        "train_synthetic_test_real",
    }
    for name, meta in mats.items():
        assert meta["diagnostic"].value == 1.0, name
        assert meta["mlflow_run"].value.startswith("http"), name
        rows = conn.execute(f"select count(*) from synthetic.{name}").fetchone()[0]
        assert rows == meta["dagster/row_count"].value > 0
    recorded = conn.execute(
        "select count(distinct dataset) from nex.synthetic_runs "
        "where checks_passed and mlflow_run_id is not null"
    ).fetchone()[0]
    assert recorded >= len(RETAIL)


def test_sensitive_values_are_generated_never_copied(world_run, conn):
    for column in SENSITIVE:
        real = {r[0] for r in conn.execute(f"select {column}::text from raw.retail_customers")}
        fake = {r[0] for r in conn.execute(f"select {column}::text from synthetic.retail_customers")}
        assert fake and not (real & fake), column
    emails = [r[0] for r in conn.execute("select email from synthetic.retail_customers limit 20")]
    assert all("@" in e for e in emails)


def test_multi_table_children_reference_synthetic_parents(world_run, conn):
    orphans = conn.execute(
        """select count(*) from synthetic.retail_sales s
            where not exists (select 1 from synthetic.retail_stores t where t.store_id = s.store_id)
               or not exists (select 1 from synthetic.retail_products p where p.sku = s.sku)"""
    ).fetchone()[0]
    assert orphans == 0
    real_ids = {r[0] for r in conn.execute("select store_id from raw.retail_stores")}
    synthetic_ids = {r[0] for r in conn.execute("select store_id from synthetic.retail_stores")}
    assert len(synthetic_ids) == len(real_ids) and all(i.startswith("S") for i in synthetic_ids)


def test_the_fitted_synthesizer_and_scores_are_in_mlflow(world_run, conn):
    import mlflow
    from nex_assets.ml import tracking

    run_id = conn.execute(
        "select mlflow_run_id from nex.synthetic_runs where dataset = 'retail_customers' "
        "order by created_at desc"
    ).fetchone()[0]
    tracking.configure()
    run = mlflow.get_run(run_id)
    assert run.data.params["synthesizer"] == "gaussian_copula"
    assert {"quality", "dcr_baseline_protection", "exact_copy_share"} <= set(run.data.metrics)
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run_id, "synthesizer")}
    assert "synthesizer/synthesizer.pkl" in artifacts


def test_the_same_seed_gives_the_same_table(world_run, dagster_instance, conn):
    defs, _ = world_run
    query = "select * from synthetic.retail_customers order by customer_id"
    first = conn.execute(query).fetchall()
    conn.rollback()  # the run replaces the table: no read lock of ours may stand in its way
    again = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=[dg.AssetKey(["retail_customers", "synthetic"])]
    )
    assert again.success
    assert conn.execute(query).fetchall() == first
