"""Ingestion: the platform's loader against pandas ``to_sql`` and a bare COPY, on the same CSV.

Each method runs in a child process of its own so its peak memory is its own. Prints rows/s
for the three and the ratios; the last line is one JSON object.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    ("id", "bigint"),
    ("event_time", "timestamp"),
    ("event_date", "date"),
    ("category", "text"),
    ("city", "text"),
    ("amount", "double precision"),
    ("price", "double precision"),
    ("discount", "double precision"),
    ("score", "double precision"),
    ("quantity", "bigint"),
    ("is_member", "boolean"),
    ("comment", "text"),
]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    cities = np.array(["London", "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast", "York", "Bath"])
    cats = np.array(["grocery", "beverages", "household", "personal_care", "snacks"])
    words = np.array(
        ["fresh", "value", "weekly", "order", "return", "promo", "gift", "bulk", "online", "store"]
    )
    chunk = 50_000
    with path.open("w") as f:
        f.write(",".join(c for c, _ in COLUMNS) + "\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            ids = np.arange(start + 1, start + n + 1)
            secs = rng.integers(0, 730 * 86400, n)
            ts = np.datetime64("2023-01-01T00:00:00") + secs.astype("timedelta64[s]")
            ts_text = np.datetime_as_string(ts, unit="s")
            ts_text = np.char.replace(ts_text, "T", " ")
            dates = np.datetime_as_string(ts, unit="D")
            comment = np.char.add(np.char.add(rng.choice(words, n), " "), rng.choice(words, n))
            comment = np.char.add(
                np.char.add(comment, " customer note; reference #"),
                rng.integers(10**9, 10**10, n).astype(str),
            )
            cols = [
                ids.astype(str),
                ts_text,
                dates,
                rng.choice(cats, n),
                rng.choice(cities, n),
                np.round(rng.gamma(2.0, 30.0, n), 2).astype(str),
                np.round(rng.uniform(0.5, 99, n), 2).astype(str),
                np.round(rng.uniform(0, 0.5, n), 3).astype(str),
                np.round(rng.normal(0, 1, n), 6).astype(str),
                rng.integers(1, 20, n).astype(str),
                np.where(rng.random(n) < 0.4, "true", "false"),
                comment,
            ]
            lines = cols[0]
            for c in cols[1:]:
                lines = np.char.add(np.char.add(lines, ","), c)
            f.write("\n".join(lines.tolist()) + "\n")


def child(method: str, path: str, name: str) -> None:
    """Runs one method and prints {"seconds", "rows", "peak_rss_mb"} as JSON."""
    from psycopg import sql

    from nex_assets.core import db, env

    database = db.bootstrap()
    started = time.perf_counter()
    if method == "loader":
        from nex_assets.datasets.load import load
        from nex_assets.datasets.logic.catalog import Dataset

        ds = Dataset.model_validate({"name": name, "source": {"path": path}, "primary_key": ["id"]})
        rows = load(ds, [Path(path)], database=database, force=True).rows
    elif method == "copy":
        with db.connect(database) as conn, conn.cursor() as cur:
            table = sql.Identifier("raw", name)
            cur.execute(sql.SQL("drop table if exists {}").format(table))
            cur.execute(
                sql.SQL("create table {} ({})").format(
                    table, sql.SQL(", ").join(sql.SQL(f"{c} {t}") for c, t in COLUMNS)
                )
            )
            conn.commit()
            started = time.perf_counter()
            with (
                cur.copy(sql.SQL("copy {} from stdin (format csv, header true)").format(table)) as copy,
                open(path, "rb") as f,
            ):
                while data := f.read(1 << 20):
                    copy.write(data)
            rows = cur.rowcount
            conn.commit()
    elif method == "to_sql":
        import pandas as pd
        import sqlalchemy

        engine = sqlalchemy.create_engine(database.sqlalchemy_url(env.WAREHOUSE_DB))
        rows = 0
        with engine.begin() as conn:
            conn.exec_driver_sql(f'drop table if exists raw."{name}"')
        for i, frame in enumerate(pd.read_csv(path, chunksize=50_000)):
            frame.to_sql(
                name,
                engine,
                schema="raw",
                if_exists="replace" if i == 0 else "append",
                index=False,
                chunksize=10_000,
            )
            rows += len(frame)
        engine.dispose()
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's high-water mark since exec (ru_maxrss would include the parent's before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(method: str, path: Path, name: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, str(path), name],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--child", nargs=3, metavar=("METHOD", "PATH", "NAME"))
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        print(f"CSV: {args.rows:,} rows x {len(COLUMNS)} columns, {size_mb:.0f} MiB")
        results = {}
        for method in ("copy", "loader", "to_sql"):
            results[method] = r = run_child(method, path, f"bench_ingest_{method}")
            assert r["rows"] == args.rows, (method, r)
            print(
                f"{method:>7}: {r['seconds']:7.2f} s  {args.rows / r['seconds']:>10,.0f} rows/s  "
                f"peak RSS {r['peak_rss_mb']:.0f} MiB"
            )
    rate = {m: args.rows / r["seconds"] for m, r in results.items()}
    figures = {
        "rows_per_s": round(rate["loader"]),
        "to_sql_rows_per_s": round(rate["to_sql"]),
        "copy_rows_per_s": round(rate["copy"]),
        "ratio_vs_to_sql": round(rate["loader"] / rate["to_sql"], 2),
        "ratio_vs_copy": round(rate["loader"] / rate["copy"], 2),
        "peak_rss_mb": round(results["loader"]["peak_rss_mb"], 1),
        "csv_mb": round(size_mb, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
