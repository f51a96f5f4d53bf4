"""``<dataset>/insights`` over the sample world: facts computed by code, phrased by rules or by the LLM,
statements with numbers their facts do not hold dropped."""

from __future__ import annotations

import json

from tests.dictionary.conftest import definitions, keys, materialize, metadata
from tests.llm_server import TEST_MODEL, Reply


def _latest(conn, dataset: str):
    return conn.execute(
        "select writer, facts, statements from nex.insights where dataset = %s "
        "order by generated_at desc limit 1",
        (dataset,),
    ).fetchone()


def test_insights_rule_based_then_phrased_by_the_llm(
    world_project, dagster_instance, conn, llm_env, monkeypatch
):
    catalog = world_project
    selection = keys(catalog, "raw", "profile", "dictionary")
    selection = [k for k in selection if k.path[0] in {"retail_sales", "retail_customers"}]
    insights = [k for k in keys(catalog, "insights") if k.path[0] in {"retail_sales", "retail_customers"}]
    for name in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name)
    result = materialize(definitions(catalog), dagster_instance, selection + insights)
    assert metadata(result, "retail_sales/insights")["writer"] == "rule-based"

    _, facts, statements = _latest(conn, "retail_sales")
    ids = {f["id"] for f in facts}
    assert {"summary.table", "summary.period", "metric.revenue", "metric.units_sold"} <= ids
    assert any(i.startswith("trend.") for i in ids) and any(i.startswith("corr.") for i in ids)
    revenue = next(f for f in facts if f["id"] == "metric.revenue")["values"]
    total = conn.execute("select sum(revenue)::double precision from raw.retail_sales").fetchone()[0]
    assert abs(revenue["total"] - total) < 0.01 and revenue["unit"] == "GBP"
    assert all(set(s["fact_ids"]) <= ids and s["fact_ids"] for s in statements)
    assert any(s["section"] == "recommendations" for s in statements) or len(statements) >= 5

    # No fact about personal data: nothing computed over the sensitive customer columns.
    _, customer_facts, _ = _latest(conn, "retail_customers")
    subjects = json.dumps([(f["id"], f["subject"]) for f in customer_facts])
    assert not any(c in subjects for c in ("email", "phone", "birth_date", "first_name", "last_name"))

    # The LLM phrases; its statement with an invented number is dropped, the others cite their facts.
    monkeypatch.setenv("NEX_LLM_BASE_URL", llm_env.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-secret")
    rows = next(f for f in facts if f["id"] == "summary.table")["values"]["rows"]
    llm_env.responder = lambda body: Reply.json(
        {
            "statements": [
                {
                    "section": "summary",
                    "text": f"The table has {rows:,} rows.",
                    "fact_ids": ["summary.table"],
                },
                {"section": "trends", "text": "Revenue grew 987% last year.", "fact_ids": ["metric.revenue"]},
                {"section": "summary", "text": "Made up.", "fact_ids": ["no.such.fact"]},
            ]
        }
    )
    sales = [k for k in insights if k.path[0] == "retail_sales"]
    result = materialize(definitions(catalog), dagster_instance, sales)
    meta = metadata(result, "retail_sales/insights")
    assert meta["writer"] == TEST_MODEL and meta["statements"] == 1 and meta["dropped_statements"] == 2
    sent = llm_env.chat_requests[0]["messages"][1]["content"]
    assert "summary.table" in sent
