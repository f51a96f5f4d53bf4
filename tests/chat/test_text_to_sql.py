"""One-query answers on the real database: a computed fact answered without any model, a model's
query checked by EXPLAIN and repaired from the database's own error, and `nex ask` choosing this
path for the local model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nex_assets.chat import text_to_sql
from nex_assets.chat.ask import ask
from nex_assets.llm import LLMResource
from tests.llm_server import Reply


@pytest.fixture()
def elasticities(conn, unique_name):
    """A pricing recipe's predictions table, as the predictions asset writes it."""
    recipe = SimpleNamespace(
        name="pricing_demo", family="pricing", predictions_table=f"{unique_name}__pricing"
    )
    table = f"predictions.{recipe.predictions_table}"
    conn.execute("create schema if not exists predictions")
    conn.execute(f'create table {table} (sku text, "group" text, elasticity double precision)')
    conn.execute(
        f"insert into {table} values ('a', 'snacks', -2.1), ('b', 'snacks', -1.9), ('c', 'grocery', -0.8),"
        " ('d', 'household', -1.1)"
    )
    conn.commit()
    yield recipe
    conn.execute(f"drop table {table}")
    conn.commit()


@pytest.fixture()
def client(llm_env, database):
    c = LLMResource(max_attempts=1, timeout_s=5, use_cache=False).client(database)
    yield c
    c.close()


def test_a_computed_fact_is_answered_without_a_model(tools_ctx, elasticities):
    found = text_to_sql.answer(
        tools_ctx, "Which category responds most to price cuts?", known_recipes=[elasticities]
    )
    assert found.source == "fact" and found.fact == "pricing_demo.price_response_by_group"
    assert found.rows[0][0] == "snacks" and float(found.rows[0][1]) == -2.0
    assert "elasticity" in found.sql.lower() and found.tables == [
        f"predictions.{elasticities.predictions_table}"
    ]
    # A question no fact answers is not answered with a made-up query.
    none = text_to_sql.answer(tools_ctx, "how many stores per region?", known_recipes=[elasticities])
    assert none.source == "none" and none.sql is None


def test_a_failing_query_is_repaired_from_the_database_error(tools_ctx, client, llm_env):
    llm_env.enqueue(
        Reply.json({"sql": "select regoin, count(*) from raw.retail_stores group by 1"}),
        Reply.json(
            {"sql": "```sql\nselect region, count(*) as stores from raw.retail_stores group by 1;\n```"}
        ),
    )
    found = text_to_sql.answer(tools_ctx, "how many stores are in each region?", client, known_recipes=[])
    assert found.source == "model" and found.attempts == 2 and found.columns == ["region", "stores"]
    assert len(found.errors) == 1 and "regoin" in found.errors[0]
    first, second = llm_env.chat_requests
    assert first["response_format"]["type"] == "json_schema"
    assert "retail_stores" in first["messages"][1]["content"]
    assert "regoin" in second["messages"][-1]["content"]  # the database's words went back


def test_a_query_the_read_only_checks_refuse_never_runs(tools_ctx, client, llm_env):
    llm_env.enqueue(*[Reply.json({"sql": "delete from raw.retail_stores"})] * 3)
    found = text_to_sql.answer(tools_ctx, "remove the stores", client, known_recipes=[])
    assert not found.answered and found.attempts == 3 and all("refused" in e for e in found.errors)


def test_ask_uses_one_query_for_the_local_model(tools_ctx, client, llm_env):
    client.local = True  # as LLMResource marks NEX's own server
    llm_env.enqueue(Reply.json({"sql": "select count(*) as stores from raw.retail_stores"}))
    answer = ask(tools_ctx, "how many stores are there?", client=client)
    (query,) = answer.queries
    assert query["error"] is None and query["row_count"] == 1 and "stores" in answer.text
    (request,) = llm_env.chat_requests
    assert "tools" not in request  # no tool loop: one constrained answer
