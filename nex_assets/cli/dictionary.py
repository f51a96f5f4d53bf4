"""``nex dictionary``: export a dataset's dictionary, or show an entry's version history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_dictionary(args: argparse.Namespace) -> int:
    from nex_assets.core import db as nexdb
    from nex_assets.dictionary import export, store

    with nexdb.connect(nexdb.bootstrap(), autocommit=True) as conn:
        entries = store.load_entries(conn, args.dataset)
        if not entries:
            print(
                f"nex: no dictionary for {args.dataset!r}; materialize {args.dataset}/dictionary first",
                file=sys.stderr,
            )
            return 1
        if args.action == "history":
            for row in store.history(conn, args.dataset, args.column):
                print(
                    f"{row['column_name'] or '(table)'}\tv{row['version']}"
                    f"\t{row['changed_at']:%Y-%m-%d %H:%M}"
                    f"\t{row['reason']}\t{row['source']}: {row['writer']}\tby {row['author']}"
                    f"\tprompt {row['prompt_hash'] or '-'}\tprofile {row['profile_hash']}"
                )
            return 0
    ordered = sorted(entries.values(), key=lambda e: (e.column_name != "", e.column_name))
    text = (
        export.to_json(args.dataset, ordered)
        if args.format == "json"
        else export.to_markdown(args.dataset, ordered)
    )
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def register(sub) -> None:
    p = sub.add_parser("dictionary", help="the data dictionary: export it, or show its version history")
    p.add_argument("action", choices=["export", "history"])
    p.add_argument("dataset")
    p.add_argument("--format", choices=["md", "json"], default="md", help="export format")
    p.add_argument("--out", default=None, help="write the export to this file instead of stdout")
    p.add_argument("--column", default=None, help="history of one column only")
    p.set_defaults(func=cmd_dictionary)
