"""``nex quality``: draft a suite from a profile, build and adopt automatic suites, check suite files,
show a dataset's score history."""

from __future__ import annotations

import argparse
import sys

from nex_assets.core import env


def _fail(message: str) -> int:
    print(f"nex quality: {message}", file=sys.stderr)
    return 1


def _dataset(name: str):
    from nex_assets.core.build import Catalog

    found = {d.name: d for d in Catalog.from_env().datasets}
    if name not in found:
        raise LookupError(f"unknown dataset {name!r}; known: {', '.join(sorted(found)) or 'none'}")
    return found[name]


def cmd_suggest(args: argparse.Namespace) -> int:
    from nex_assets.core import db
    from nex_assets.quality.drafts import NoProfile, write_suggestion

    try:
        ds = _dataset(args.dataset)
        with db.connect(db.bootstrap()) as conn:
            path, suite = write_suggestion(conn, ds.name, ds.primary_key, env.expectations_dir())
    except (LookupError, NoProfile) as exc:
        return _fail(str(exc))
    print(f"{len(suite['expectations'])} suggested expectations written to {path}")
    print(f"Review them, then adopt by moving the file to {env.expectations_dir() / (ds.name + '.json')}.")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from nex_assets.quality import auto
    from nex_assets.quality.logic.suite import SuiteError

    try:
        ds = _dataset(args.dataset)
        target = auto.accept(env.expectations_dir(), ds.name, force=args.force)
    except (LookupError, FileNotFoundError, FileExistsError, SuiteError) as exc:
        return _fail(str(exc))
    print(f"adopted: {target}")
    print(
        "Its rules still warn; set meta.severity to error on those that must block. The next run of "
        f"{ds.name}/quality checks it group by group (reload the code location if one is running)."
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from nex_assets.core import db
    from nex_assets.quality import auto
    from nex_assets.quality.drafts import NoProfile

    try:
        ds = _dataset(args.dataset)
        with db.connect(db.bootstrap()) as conn:
            path, suite, seconds = auto.build(conn, ds.name, list(ds.primary_key), env.expectations_dir())
    except (LookupError, NoProfile) as exc:
        return _fail(str(exc))
    discovered = [e for e in suite["expectations"] if e["meta"].get("group") == "discovered"]
    print(f"{path}: {len(suite['expectations'])} rules, {len(discovered)} discovered ({seconds:.2f}s)")
    for e in discovered:
        print(f"  {e['description']}: {e['meta']['note']}")
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Checks suite files as the quality assets will (GX included), without touching the database."""
    from nex_assets.quality.logic.suite import SuiteError, load_suite
    from nex_assets.quality.validate import gx_suite

    folder = env.expectations_dir()
    paths = [folder / f"{n}.json" for n in args.datasets] or sorted(folder.glob("*.json"))
    failures = 0
    for path in paths:
        try:
            suite = load_suite(path)
            gx_suite(suite)
        except SuiteError as exc:
            failures += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        checks = suite.groups()
        blocking = sum(g.blocking for g in checks)
        print(
            f"ok: {path} ({len(suite.expectations)} expectations, {len(checks)} checks, {blocking} blocking)"
        )
    return 1 if failures else 0


def cmd_scores(args: argparse.Namespace) -> int:
    from nex_assets.common import markdown
    from nex_assets.core import db
    from nex_assets.quality.store import HISTORY_COLUMNS, history

    with db.connect(db.bootstrap()) as conn:
        rows = history(conn, args.dataset, args.limit)
    if not rows:
        return _fail(f"no quality scores for {args.dataset!r} yet; materialize {args.dataset}/quality")
    shown = [
        [f"{r[0]:%Y-%m-%d %H:%M:%S}", *("" if v is None else f"{v:.1f}" for v in r[1:8]), r[8], r[9]]
        for r in rows
    ]
    print(markdown.table(list(HISTORY_COLUMNS), shown))
    return 0


def register(sub) -> None:
    quality = sub.add_parser("quality", help="data quality: suites, suggestions, scores")
    qsub = quality.add_subparsers(dest="quality_command", required=True, metavar="ACTION")
    suggest = qsub.add_parser(
        "suggest",
        help="write expectations/suggested/<dataset>.json from the newest profile (never the adopted suite)",
    )
    suggest.add_argument("dataset")
    suggest.set_defaults(func=cmd_suggest)
    accept = qsub.add_parser(
        "accept",
        help="adopt expectations/auto/<dataset>.json as the dataset's suite expectations/<dataset>.json",
    )
    accept.add_argument("dataset")
    accept.add_argument("--force", action="store_true", help="replace an existing suite")
    accept.set_defaults(func=cmd_accept)
    rebuild = qsub.add_parser(
        "auto",
        help="(re)build expectations/auto/<dataset>.json from the newest profile (the old one to history/)",
    )
    rebuild.add_argument("dataset")
    rebuild.set_defaults(func=cmd_rebuild)
    lint = qsub.add_parser("lint", help="check suite files in expectations/ (all, or the datasets named)")
    lint.add_argument("datasets", nargs="*")
    lint.set_defaults(func=cmd_lint)
    scores = qsub.add_parser("scores", help="a dataset's quality score over time, newest first")
    scores.add_argument("dataset")
    scores.add_argument("--limit", type=int, default=20)
    scores.set_defaults(func=cmd_scores)
