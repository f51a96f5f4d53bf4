"""``<dataset>/knowledge_gaps`` on the sample world, phrased by the (loopback) LLM where configured."""

from __future__ import annotations

import shutil

import dagster as dg

from tests.core.helpers import ROOT, sample_world_catalog, with_resources
from tests.llm_server import Reply

DATASETS = (
    "retail_sales",
    "retail_products",
    "retail_stores",
    "retail_customers",
    "retail_offers",
    "retail_offer_events",
)


MARGIN_RECIPE = """
name: sales_margin
dataset: retail_sales
family: pricing
level: intermediate
description: A recipe on the raw sales table alone, which lacks the products' costs and categories.
target: units_sold
roles: {price: price, cost: unit_cost, groups: [category], time: week_start}
algorithm: log_log_regression
evaluation_packs: [pricing_standard]
"""


def test_knowledge_gaps_on_the_sample_world(
    small_world, tmp_path, dagster_instance, conn, llm_env, monkeypatch
):
    # The project's recipes, and one on the raw sales table that cannot work without the products.
    recipes = tmp_path / "recipes"
    shutil.copytree(ROOT / "recipes", recipes)
    (recipes / "sales_margin.yaml").write_text(MARGIN_RECIPE)
    monkeypatch.setenv("NEX_RECIPES_DIR", str(recipes))
    catalog = sample_world_catalog(small_world, tmp_path)
    defs = with_resources(catalog)
    keys = [dg.AssetKey([d, step]) for d in DATASETS for step in ("raw", "profile")]
    # The marts the sample world's recipes read.
    keys += [dg.AssetKey(["warehouse", m]) for m in ("sku_weekly_sales", "store_performance")]
    keys += [dg.AssetKey([d, "knowledge_gaps"]) for d in ("retail_sales", "retail_stores", "retail_products")]
    llm_env.enqueue(*[Reply.json({"summary": "Pricing needs product data: join the products first."})] * 1)
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=keys
    )
    assert result.success
    rows = {
        (d, r): (readiness, writer, gaps, summary)
        for d, r, readiness, writer, gaps, summary in conn.execute(
            "select dataset, recipe, readiness, writer, gaps, summary from nex.knowledge_gaps"
        )
    }
    readiness, _, gaps, _ = rows[("retail_sales", "sales_margin")]
    assert readiness == "blocked"
    missing = {g["column"]: g["suggestion"] for g in gaps if g["problem"] == "missing"}
    assert missing["category"] == "join retail_products on sku: it holds `category`"
    assert missing["unit_cost"] == "join retail_products on sku: it holds `unit_cost`"
    # The sample world's recipes read dbt marts: they are judged on the marts, where all is there.
    readiness, _, _, summary = rows[("retail_sales", "price_elasticity")]
    assert readiness == "ready" and "marts.sku_weekly_sales" in summary
    assert rows[("retail_stores", "store_location")][0] == "ready"
    assert "marts.store_performance" in rows[("retail_stores", "store_location")][3]
    assert not [k for k in rows if k[0] == "retail_products"]
    # Only blocked or warned recipes are phrased: the loopback model wrote one summary, the rest are rules.
    writers = {k: v[1] for k, v in rows.items()}
    assert writers[("retail_stores", "store_location")] == "rule-based"
    assert "nex-test-model" in writers.values()
    phrased = conn.execute(
        "select summary from nex.knowledge_gaps where writer = 'nex-test-model'"
    ).fetchall()
    assert ("Pricing needs product data: join the products first.",) in phrased
    assert all("retail_sales" in body for body in [str(r) for r in llm_env.chat_requests])
