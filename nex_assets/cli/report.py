"""``nex report <dataset> --format html|pdf|xlsx``: one file with everything the platform knows about a
dataset: dictionary, profile, quality trend, synthetic-data evidence, champion models, drift, insights
and knowledge gaps. Sections whose domain has not run yet say so instead of failing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nex_assets.core import env

FORMATS = ("html", "pdf", "xlsx")


def cmd_report(args: argparse.Namespace) -> int:
    from nex_assets.core import db as nexdb
    from nex_assets.core.build import Catalog
    from nex_assets.reports import html, pdf, xlsx
    from nex_assets.reports.collect import build_report

    loaded = Catalog.from_env()
    catalog = {ds.name: ds for ds in loaded.datasets}
    ds = catalog.get(args.dataset)
    if ds is None and (bad := [p for p in loaded.problems if p.kind == "dataset"]):
        print(f"nex: {'; '.join(p.text() for p in bad)}", file=sys.stderr)
    if ds is None:
        known = ", ".join(sorted(catalog)) or "none"
        print(
            f"nex: no dataset {args.dataset!r} in {env.datasets_dir()} (datasets: {known})", file=sys.stderr
        )
        return 2
    with nexdb.connect(nexdb.bootstrap()) as conn:
        report = build_report(conn, ds)
    renderer = {"html": html, "pdf": pdf, "xlsx": xlsx}[args.format]
    out = Path(args.out) if args.out else env.reports_dir() / f"{ds.name}.{args.format}"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(renderer.render(report))
    tmp.replace(out)  # a reader never sees half a report
    missing = [s.title for s in report.sections if not s.available]
    print(f"report written to {out}")
    if missing:
        print(f"not available yet: {', '.join(missing)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="a report of one dataset as HTML, PDF or an Excel workbook")
    p.add_argument("dataset")
    p.add_argument("--format", choices=FORMATS, default="html")
    p.add_argument(
        "--out", default=None, help="file to write (default: <NEX_HOME>/reports/<dataset>.<format>)"
    )
    p.set_defaults(func=cmd_report)
