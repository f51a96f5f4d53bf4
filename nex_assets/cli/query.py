"""`nex query "SQL"`: one query through exactly the read-only path the `run_query` tool uses."""

from __future__ import annotations

import argparse
import json
import sys


def render_rows(columns: list[str], rows: list[list], width: int = 40) -> str:
    """An aligned text table for the terminal."""

    def text(value: object) -> str:
        s = "" if value is None else str(value)
        s = s.replace("\n", " ")
        return s if len(s) <= width else s[: width - 1] + "…"

    cells = [[text(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def cmd_query(args: argparse.Namespace) -> int:
    from nex_assets.chat import tools
    from nex_assets.chat.context import ToolContext

    sql = sys.stdin.read() if args.sql == "-" else args.sql
    with ToolContext.open() as ctx:
        try:
            out = tools.run_query(ctx, sql, limit=args.limit)
        except tools.ToolError as exc:
            print(f"nex: {exc}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(out, default=str))
        return 0
    print(render_rows(out["columns"], out["rows"]))
    why = "the query returns more" if out.get("truncated_by") != "bytes" else "the size cap was reached"
    more = f" (cut at {out['row_count']}: {why})" if out["truncated"] else ""
    print(f"\n{out['row_count']} rows in {out['elapsed_ms']:.0f} ms{more}", file=sys.stderr)
    return 0


def register(sub) -> None:
    query = sub.add_parser(
        "query",
        help="run one read-only SELECT over the warehouse (as the nex_reader role); '-' reads it from stdin",
    )
    query.add_argument("sql")
    query.add_argument("--limit", type=int, default=None, help="rows at most (capped by config/chat.yaml)")
    query.add_argument("--json", action="store_true", help="print the result as one JSON object")
    query.set_defaults(func=cmd_query)
