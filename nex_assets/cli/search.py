"""``nex search QUERY``: the dictionary (and documents) by meaning."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def cmd_search(args: argparse.Namespace) -> int:
    from nex_assets.core import db as nexdb
    from nex_assets.search import search

    kinds = tuple(args.kind) if args.kind else None
    with nexdb.connect(nexdb.bootstrap(), autocommit=True) as conn:
        hits = search(conn, args.query, dataset=args.dataset, k=args.k, kinds=kinds)
    if args.json:
        print(json.dumps([asdict(h) for h in hits], indent=2, default=str))
        return 0
    if not hits:
        print("no matches (is the dictionary embedded? materialize <dataset>/embeddings)", file=sys.stderr)
        return 1
    for i, h in enumerate(hits, start=1):
        where = f"{h.dataset}.{h.column}" if h.column else (h.ref if h.kind != "table" else h.dataset)
        marks = ", ".join(m for m in ("curated" if h.curated else "", f"quality {h.quality}") if m)
        print(f"{i:>2}. {where}  [{h.kind}]  score {h.score:.3f}  ({marks})")
        print(f"    {h.text}")
        print(f"    written by {h.source}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("search", help="search the data dictionary by meaning")
    p.add_argument("query")
    p.add_argument("--dataset", default=None, help="only this dataset")
    p.add_argument("-k", type=int, default=10, help="number of hits (default 10)")
    p.add_argument("--kind", action="append", help="only these kinds (table, column, document); repeatable")
    p.add_argument("--json", action="store_true", help="hits as JSON")
    p.set_defaults(func=cmd_search)
