"""The process behind `nex run` and `nex materialize`: one Dagster run on the platform's instance.

`nex` starts this module in a session of its own and stops it with a signal (see ``supervise`` in
``nex_assets.cli.core``): Dagster turns SIGINT and SIGTERM into an orderly interrupt that stops the
step processes and ends the run as canceled or failed, so nothing goes on writing behind the user.
"""

from __future__ import annotations

import argparse
import sys

LAUNCH_TAG = "nex/launch"


def expand_selection(asset_graph, selected: set) -> tuple[set, list[str]]:
    """The selection plus the siblings of any step that computes several assets at once and cannot
    compute only some of them (a multi-table synthetic group); one note per such step."""
    keys = set(selected)
    notes = []
    for assets_def in asset_graph.assets_defs:
        own = set(assets_def.keys)
        if assets_def.can_subset or not own & keys or own <= keys:
            continue
        missing = sorted(k.to_user_string() for k in own - keys)
        picked = sorted(k.to_user_string() for k in own & keys)
        notes.append(
            f"{', '.join(picked)} is computed in one step with {', '.join(missing)}; "
            "materializing them together"
        )
        keys |= own
    return keys, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nex_assets.cli._runner")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--job")
    what.add_argument("--select")
    parser.add_argument("--launch", required=True)
    args = parser.parse_args(argv)

    import dagster as dg

    from nex_assets import definitions

    instance = dg.DagsterInstance.get()
    tags = {LAUNCH_TAG: args.launch}
    if args.job:
        recon = dg.build_reconstructable_job("nex_assets.definitions", "job_def", (args.job,))
        result = dg.execute_job(recon, instance, tags=tags)
        return 0 if result.success else 1
    graph = definitions.defs.resolve_asset_graph()
    try:
        selected = dg.AssetSelection.from_coercible(args.select.split(",")).resolve(graph)
    except Exception as exc:  # an unknown key or malformed selection: say it in one line
        print(f"nex: cannot select {args.select!r}: {exc}", file=sys.stderr)
        return 2
    if not selected:
        print(f"nex: the selection {args.select!r} matches no asset", file=sys.stderr)
        return 2
    keys, notes = expand_selection(graph, selected)
    for note in notes:
        print(f"nex: {note}", file=sys.stderr)
    recon = dg.build_reconstructable_job("nex_assets.definitions", "job_def", ("nex_main",))
    result = dg.execute_job(recon, instance, tags=tags, asset_selection=sorted(keys))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
