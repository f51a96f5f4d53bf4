"""`nex mcp` answers a real MCP client session over stdio."""

from __future__ import annotations

import json
import os

import anyio

from nex_assets.core import env


async def _session(calls: list[tuple[str, dict]]):
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=env.executable("nex"), args=["mcp"], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        listed = await session.list_tools()
        results = [await session.call_tool(name, arguments) for name, arguments in calls]
        return listed, results


def test_tools_list_and_call_over_stdio(loaded_world):
    listed, (tables, answer, refused) = anyio.run(
        _session,
        [
            ("list_tables", {"schema": "raw"}),
            ("run_query", {"query": "select count(*) as stores from raw.retail_stores"}),
            ("run_query", {"query": "drop table raw.retail_sales"}),
        ],
    )
    names = {t.name for t in listed.tools}
    assert names == {
        "list_connections",
        "list_schemas",
        "list_tables",
        "get_table_info",
        "sample_rows",
        "profile_table",
        "list_metrics",
        "query_metrics",
        "run_query",
    }
    run_query = next(t for t in listed.tools if t.name == "run_query")
    assert run_query.input_schema["required"] == ["query"]
    assert not tables.is_error
    assert "raw.retail_stores" in {t["table"] for t in json.loads(tables.content[0].text)["tables"]}
    assert json.loads(answer.content[0].text)["rows"] == [[24]]
    assert refused.is_error and "refused" in json.loads(refused.content[0].text)["error"]
