"""``nex dictionary``: export a dataset's dictionary, show an entry's version history, review what a
model suggested and accept it (as written or edited)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

_ALL = "all"


def _connect():
    from nex_assets.core import db as nexdb

    return nexdb.connect(nexdb.bootstrap(), autocommit=True)


def cmd_export_or_history(args: argparse.Namespace) -> int:
    from nex_assets.dictionary import export, store

    with _connect() as conn:
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
                    f"\t{row['reason']}\t{row['status']}\t{row['source']}: {row['writer']}"
                    f"\tby {row['author']}"
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


def cmd_review(args: argparse.Namespace) -> int:
    status = None if args.status == _ALL else args.status
    with _connect() as conn:
        if args.insights:
            from nex_assets.insights import review

            rows = review.latest(conn, args.dataset, status)
        else:
            from nex_assets.dictionary import store

            rows = [
                {**e.model_dump(), "ref": e.ref, "updated_at": at}
                for e, at in store.for_review(conn, args.dataset, status, args.limit)
            ]
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not rows:
        print(f"nothing to review (status {args.status})", file=sys.stderr)
        return 0
    for r in rows:
        if args.insights:
            by = f"\tby {r['reviewed_by']}" if r["reviewed_by"] else ""
            print(f"{r['generated_at']:%Y-%m-%d %H:%M}\t{r['dataset']}\t{r['status']}\t{r['writer']}{by}")
            for s in r["statements"]:
                print(f"    [{s['section']}] {s['text']}")
        else:
            print(
                f"{r['updated_at']:%Y-%m-%d %H:%M}\t{r['dataset']}\t{r['ref']}\t{r['status']}\t{r['writer']}"
                f"\tv{r['version']}\t{r['description']}"
            )
    what = "<dataset> --insights" if args.insights else "<dataset> <column|(table)> [--text '...']"
    print(f"accept one with: nex dictionary accept {what}", file=sys.stderr)
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    by = args.by or os.environ.get("USER")
    if not by:
        print("nex: say who accepts with --by (no $USER here)", file=sys.stderr)
        return 2
    if args.insights:
        return _accept_insights(args.dataset, by)
    if args.entry is None:
        print("nex: name the entry to accept: a column, or (table)", file=sys.stderr)
        return 2
    from nex_assets.core import env
    from nex_assets.dictionary import review
    from nex_assets.dictionary.logic.review import ReviewError

    with _connect() as conn:
        try:
            done = review.accept(
                conn,
                project_dir=env.project_dir(),
                dataset=args.dataset,
                name=args.entry,
                by=by,
                text=args.text,
            )
        except ReviewError as exc:
            print(f"nex: {exc}", file=sys.stderr)
            return 1
        e = done.entry
        print(f"{done.reason} {e.dataset}.{e.ref}: v{e.version}, {e.status} by {e.author}; wrote {done.path}")
        if not args.no_search:
            review.refresh_search(conn, args.dataset)
    return 0


def _accept_insights(dataset: str, by: str) -> int:
    from nex_assets.insights import review

    with _connect() as conn:
        row = review.accept(conn, dataset, by)
    if row is None:
        print(f"nex: no insights for {dataset!r}; materialize {dataset}/insights first", file=sys.stderr)
        return 1
    print(
        f"accepted the insights of {dataset} written by {row['writer']}"
        f" at {row['generated_at']:%Y-%m-%d %H:%M}"
    )
    return 0


def register(sub) -> None:
    from nex_assets.dictionary.logic.models import STATUSES, SUGGESTED

    p = sub.add_parser(
        "dictionary",
        help="the data dictionary: export it, its version history, review and accept suggestions",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="a dataset's dictionary as Markdown or JSON")
    export.add_argument("dataset")
    export.add_argument("--format", choices=["md", "json"], default="md", help="export format")
    export.add_argument("--out", default=None, help="write the export to this file instead of stdout")
    export.set_defaults(func=cmd_export_or_history)
    history = actions.add_parser("history", help="every version of a dataset's entries")
    history.add_argument("dataset")
    history.add_argument("--column", default=None, help="history of one column only")
    history.set_defaults(func=cmd_export_or_history)
    review = actions.add_parser("review", help="entries (or insights) by status, newest first")
    review.add_argument("--dataset", default=None, help="only this dataset")
    review.add_argument(
        "--status", choices=[*STATUSES, _ALL], default=SUGGESTED, help="default: suggested (a model wrote it)"
    )
    review.add_argument("--insights", action="store_true", help="the newest insights of each dataset instead")
    review.add_argument("--limit", type=int, default=100, help="at most this many entries (default 100)")
    review.add_argument("--json", action="store_true", help="as JSON")
    review.set_defaults(func=cmd_review)
    accept = actions.add_parser(
        "accept",
        help="accept an entry as suggested (or --text to edit it): written to "
        "dictionary/overrides/<dataset>.yaml and versioned",
    )
    accept.add_argument("dataset")
    accept.add_argument("entry", nargs="?", help="a column, or (table) for the table's own entry")
    accept.add_argument("--text", default=None, help="the description as edited (default: as suggested)")
    accept.add_argument("--by", default=None, help="who accepts (default: $USER)")
    accept.add_argument(
        "--insights", action="store_true", help="accept the dataset's newest insights instead"
    )
    accept.add_argument(
        "--no-search", action="store_true", help="leave the search index to the next <dataset>/embeddings"
    )
    accept.set_defaults(func=cmd_accept)
