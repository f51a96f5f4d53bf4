"""`nex workers`: the dask cluster that runs steps when ``NEX_EXECUTOR=dask`` (docs/deploy.md)."""

from __future__ import annotations

import argparse
import os
import sys


def cmd_workers(args: argparse.Namespace) -> int:
    from nex_assets.core import dask_cluster
    from nex_assets.core.distributed import ADDRESS_VAR

    elsewhere = os.environ.get(ADDRESS_VAR, "").strip()
    if args.action in ("start", "stop") and elsewhere:
        print(f"nex: {ADDRESS_VAR}={elsewhere} names a cluster nex does not manage", file=sys.stderr)
        return 1
    if args.action == "stop":
        print("stopped" if dask_cluster.stop() else "not running")
        return 0
    if args.action == "start":
        if dask_cluster.address():
            print("already running (nex workers stop, then start, to change its workers)")
        try:
            at = dask_cluster.start(workers=args.workers, gpu_workers=args.gpu_workers)
        except dask_cluster.ClusterError as exc:
            print(f"nex: {exc}", file=sys.stderr)
            return 1
    else:
        at = elsewhere or dask_cluster.address()
        if at is None:
            print(f"not running (nex workers start, or set {ADDRESS_VAR})")
            return 1
    cluster = dask_cluster.describe(at)
    print(f"scheduler {cluster['address']}  dashboard {cluster['dashboard']}")
    for worker in cluster["workers"]:
        declared = ", ".join(f"{r}={n:g}" for r, n in worker["resources"].items()) or "-"
        print(f"  {worker['name']:<10} {worker['address']:<24} threads {worker['nthreads']}  {declared}")
    return 0


def register(sub) -> None:
    workers = sub.add_parser(
        "workers", help="the local dask cluster of NEX_EXECUTOR=dask (a scheduler and its workers)"
    )
    workers.add_argument("action", choices=["start", "stop", "status"])
    workers.add_argument(
        "--workers", type=int, default=None, help="CPU workers (default: dask.local in config/compute.yaml)"
    )
    workers.add_argument(
        "--gpu-workers",
        type=int,
        default=None,
        help="workers that declare gpu.dask_resources (default: one per GPU, at least one)",
    )
    workers.set_defaults(func=cmd_workers)
