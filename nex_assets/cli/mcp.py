"""`nex mcp`: the read-only explorer tools for MCP clients, over stdio."""

from __future__ import annotations

import argparse


def cmd_mcp(args: argparse.Namespace) -> int:
    from nex_assets.chat.mcp_server import serve_stdio

    serve_stdio()
    return 0


def register(sub) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve the read-only data-explorer tools to MCP clients over stdio (e.g. Claude Desktop)",
    )
    mcp.set_defaults(func=cmd_mcp)
