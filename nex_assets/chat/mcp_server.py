"""The explorer tools as an MCP server over stdio (Claude Desktop and any other MCP client).

The same seven functions as `nex ask`, with the same read-only path; a tool's refusal or error comes
back as a tool result marked ``is_error`` so the client's model can read the reason and try again.
Nothing but protocol messages may be written to stdout: logs go to stderr.
"""

from __future__ import annotations

import json
from typing import Any

from nex_assets.chat import tools
from nex_assets.chat.context import ToolContext

SERVER_NAME = "nex"
INSTRUCTIONS = (
    "Read-only explorer of the NEX warehouse. Start with list_tables and get_table_info (dictionary "
    "descriptions), look at sample_rows or profile_table, then answer with run_query (one SELECT). "
    "Personal data is masked and cannot be queried; anything but a SELECT is refused with the reason."
)


def build_server(ctx: ToolContext):
    import mcp_types as types
    from mcp.server.lowlevel import Server

    async def list_tools(_request, _params) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=t.name, description=t.description, input_schema=t.parameters)
                for t in tools.TOOLS.values()
            ]
        )

    async def call_tool(_request, params) -> types.CallToolResult:
        out: Any = tools.call(ctx, params.name, params.arguments)
        failed = isinstance(out, dict) and set(out) == {"error"}
        return types.CallToolResult(
            content=[types.TextContent(text=json.dumps(out, default=str))],
            structured_content=out,
            is_error=failed,
        )

    return Server(
        SERVER_NAME,
        version="1",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve_stdio() -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    async def main() -> None:
        with ToolContext.open() as ctx:
            server = build_server(ctx)
            async with stdio_server() as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)
