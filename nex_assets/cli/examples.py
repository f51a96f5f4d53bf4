"""``nex examples``: answers marked right or wrong, and the review that makes a right one a verified
example, reused for questions worded like it."""

from __future__ import annotations

import argparse
import getpass
import sys


def _store():
    from nex_assets.core import db

    return db.connect(db.bootstrap(), autocommit=True)


def _who() -> str:
    return f"person:{getpass.getuser()}"


def cmd_mark(args: argparse.Namespace) -> int:
    from nex_assets.chat import examples

    with _store() as store:
        try:
            number = examples.mark(store, args.conversation, args.verdict == "right", _who())
        except examples.ExampleError as exc:
            print(f"nex examples: {exc}", file=sys.stderr)
            return 1
    if args.verdict == "right":
        print(f"example {number} suggested; `nex examples accept {number}` makes it answer alike questions")
    else:
        print(f"answer recorded as wrong (example {number}); it is never reused")
    return 0


def _review(args: argparse.Namespace, accept: bool) -> int:
    from nex_assets.chat import examples

    with _store() as store:
        try:
            examples.review(store, args.id, accept, _who())
        except examples.ExampleError as exc:
            print(f"nex examples: {exc}", file=sys.stderr)
            return 1
    print(f"example {args.id} {'verified' if accept else 'rejected'}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from nex_assets.chat import examples

    with _store() as store:
        rows = examples.listed(store, args.status)
    for r in rows:
        how = "metric query" if r["metric_query"] else "SQL"
        print(f"{r['id']:>5} {r['status']:<9} {how:<12} {r['question'][:90]}")
    print(f"{len(rows)} example(s)")
    return 0


def register(sub) -> None:
    p = sub.add_parser("examples", help="answers marked right or wrong; verified examples")
    s = p.add_subparsers(dest="examples_command", required=True, metavar="SUBCOMMAND")
    m = s.add_parser("mark", help="mark a conversation's last answer right or wrong")
    m.add_argument("conversation")
    m.add_argument("verdict", choices=["right", "wrong"])
    m.set_defaults(func=cmd_mark)
    a = s.add_parser("accept", help="a suggested example becomes verified (reused for alike questions)")
    a.add_argument("id", type=int)
    a.set_defaults(func=lambda args: _review(args, True))
    r = s.add_parser("reject", help="a suggested example is not reused")
    r.add_argument("id", type=int)
    r.set_defaults(func=lambda args: _review(args, False))
    ls = s.add_parser("list", help="every example and its status")
    ls.add_argument("--status", choices=["suggested", "verified", "wrong", "rejected"])
    ls.set_defaults(func=cmd_list)
