"""`nex query` and `nex ask` from the command line, on the session's database."""

from __future__ import annotations

import json

from nex_assets.cli import main, parser
from tests.llm_server import Reply


def test_chat_commands_register():
    assert {"query", "ask", "mcp"} <= set(parser()._subparsers._group_actions[0].choices)


def test_query_prints_rows(loaded_world, capsys):
    assert main(["query", "select count(*) as stores from retail_stores"]) == 0
    out = capsys.readouterr()
    assert out.out.split() == ["stores", "------", "24"] and "1 rows" in out.err


def test_query_json_and_limit(loaded_world, capsys):
    assert main(["query", "--json", "--limit", "3", "select store_id from raw.retail_stores order by 1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["row_count"] == 3 and out["truncated"] and out["sql"].startswith("SELECT store_id")


def test_query_refusal_exits_non_zero_with_the_reason(loaded_world, capsys):
    assert main(["query", "delete from raw.retail_sales"]) == 1
    assert "query refused: only SELECT queries are allowed" in capsys.readouterr().err
    assert main(["query", "select missing_column from raw.retail_sales"]) == 1
    assert "the database refused the query (42703)" in capsys.readouterr().err


def test_ask_prints_the_answer_sql_and_entries(loaded_world, llm_env, capsys):
    sql = "select count(*) as stores from raw.retail_stores"
    llm_env.enqueue(
        Reply.tool_call("run_query", {"query": sql}), Reply.text("There are 24 stores [retail_stores].")
    )
    assert main(["ask", "how many stores are there?"]) == 0
    out = capsys.readouterr().out
    assert "There are 24 stores [retail_stores]." in out
    assert "SQL:\n  SELECT COUNT(*) AS stores FROM raw.retail_stores;  -- 1 rows" in out
    assert "Dictionary entries relied on:\n  [retail_stores]" in out
    assert "nex ask --conversation" in out


def test_ask_without_a_model_helps_anyway(loaded_world, monkeypatch, capsys):
    for var in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    # A question no metric fits: the closest entries and a query to start from.
    assert main(["ask", "what should I look at first in weekly sales?"]) == 0
    out = capsys.readouterr().out
    assert "I cannot answer that from these tables." in out
    assert "No LLM is configured" in out and "A starting query" in out and "raw.retail_sales" in out


def test_ask_names_a_missing_persona_or_conversation(loaded_world, capsys):
    assert main(["ask", "x", "--persona", "nobody-such"]) == 1
    assert "nobody-such" in capsys.readouterr().err
    assert main(["ask", "x", "--conversation", "00000000-0000-0000-0000-000000000000"]) == 1
    assert "no conversation" in capsys.readouterr().err
