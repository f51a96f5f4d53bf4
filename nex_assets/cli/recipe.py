"""`nex recipe suggest`: a recipe drafted from a dataset's newest profile, ready to train."""

from __future__ import annotations

import argparse
import sys


def cmd_suggest(args: argparse.Namespace) -> int:
    from nex_assets.core import db as nexdb
    from nex_assets.core import env
    from nex_assets.ml.logic.suggest import SuggestError, draft, to_yaml
    from nex_assets.ml.suggest import gather

    try:
        with nexdb.connect(nexdb.bootstrap()) as conn:
            facts = gather(conn, args.dataset, args.target)
        found = draft(facts, family=args.family, target=args.target)
    except SuggestError as exc:
        print(f"nex recipe suggest: {exc}", file=sys.stderr)
        return 1
    folder = env.recipes_dir()
    path = folder / f"{args.name or found.name}.yaml"
    if args.name:
        found.fields["name"] = args.name
    if path.exists() and not args.force:
        print(f"nex recipe suggest: {path} exists; pass --force to replace it, or --name", file=sys.stderr)
        return 1
    text = to_yaml(found, f"the profile of {args.dataset}")
    if args.dry_run:
        print(text, end="")
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path} ({found.family}); it trains with the next run of the main job:\n")
    print(text, end="")
    return 0


def register(sub) -> None:
    recipe = sub.add_parser("recipe", help="model recipes")
    actions = recipe.add_subparsers(dest="action", required=True)
    suggest = actions.add_parser("suggest", help="draft recipes/<name>.yaml from a dataset's newest profile")
    suggest.add_argument("dataset")
    suggest.add_argument(
        "--family",
        choices=["regression", "classification", "forecasting", "pricing", "next_best_action", "scoring"],
    )
    suggest.add_argument("--target", help="the column to predict")
    suggest.add_argument("--name", help="the recipe's name (default <dataset>_<family>)")
    suggest.add_argument("--force", action="store_true", help="replace an existing recipe file")
    suggest.add_argument("--dry-run", action="store_true", help="print the draft without writing it")
    suggest.set_defaults(func=cmd_suggest)
