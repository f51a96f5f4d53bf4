"""Reading exports as well as the best sniffers do: the loader's own sniffing (encoding, delimiter,
column types, dates in other orders, decorated numbers, missing markers) against DuckDB's CSV
sniffer and pyarrow's CSV type inference, on a generated corpus of the files people export
(spreadsheets in US and European settings, R and SAS exports, Windows encodings), side by side:
columns typed right, and time. Encodings are also compared with charset-normalizer.

pyarrow has no sniffer: it is given each file's true delimiter and encoding, so it is judged on
types alone. DuckDB gets the files as they are. The truth is known because the corpus is written
here from typed values.

    .venv/bin/python benchmarks/sniffing.py [--rows 5000]

Needs the benchmark extra, which the lock leaves out: ``.venv/bin/uv pip install -e '.[bench]'`` (DuckDB;
``scripts/install.sh`` removes it again, so the environment is the lock's).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

# Canonical kinds every tool's answer is mapped to.
KINDS = ("integer", "float", "date", "timestamp", "boolean", "text")


@dataclass
class File:
    name: str
    path: Path
    delimiter: str
    encoding: str
    truth: dict[str, str]  # column -> kind


def _write(
    folder: Path,
    name: str,
    columns: dict[str, tuple[str, object]],
    rows: int,
    *,
    delimiter=",",
    encoding="utf-8",
) -> File:
    """``columns``: name -> (true kind, a function of the row number and a random generator)."""
    rng = random.Random(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(list(columns))
    for i in range(rows):
        writer.writerow([make(i, rng) for _, make in columns.values()])
    path = folder / f"{name}.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return File(name, path, delimiter, encoding, {c: kind for c, (kind, _) in columns.items()})


def corpus(folder: Path, rows: int) -> list[File]:
    start = date(2019, 1, 1)

    def day(i, rng):
        return start + timedelta(days=rng.randrange(2000))

    def amount(rng):
        return rng.uniform(-50, 250_000)

    def na(rng, value, share=0.05, marker="NA"):
        return marker if rng.random() < share else value

    files = [
        _write(
            folder,
            "plain_iso",
            {
                "id": ("integer", lambda i, r: i + 1),
                "day": ("date", lambda i, r: day(i, r).isoformat()),
                "at": (
                    "timestamp",
                    lambda i, r: datetime(2024, 1, 1, r.randrange(24), r.randrange(60)).isoformat(" "),
                ),
                "price": ("float", lambda i, r: f"{r.uniform(0.5, 99):.2f}"),
                "flag": ("boolean", lambda i, r: r.choice(["true", "false"])),
                "city": ("text", lambda i, r: r.choice(["Leeds", "York", "Hull"])),
            },
            rows,
        ),
        _write(
            folder,
            "us_spreadsheet",
            {
                "order": ("integer", lambda i, r: i + 1),
                "ordered": ("date", lambda i, r: day(i, r).strftime("%m/%d/%Y")),
                "revenue": ("float", lambda i, r: f"${amount(r):,.2f}"),
                "units": ("integer", lambda i, r: f"{r.randrange(1, 2_000_000):,}"),
                "margin": ("float", lambda i, r: f"{r.uniform(0, 60):.1f}%"),
            },
            rows,
        ),
        _write(
            folder,
            "european_spreadsheet",
            {
                "nr": ("integer", lambda i, r: i + 1),
                "datum": ("date", lambda i, r: day(i, r).strftime("%d.%m.%Y")),
                "preis": (
                    "float",
                    lambda i, r: f"{amount(r):,.2f}".replace(",", "X").replace(".", ",").replace("X", "."),
                ),
                "anteil": ("float", lambda i, r: f"{r.uniform(0, 1):.3f}".replace(".", ",")),
                "stadt": ("text", lambda i, r: r.choice(["Köln", "München", "Düsseldorf"])),
            },
            rows,
            delimiter=";",
        ),
        _write(
            folder,
            "uk_dates",
            {
                "id": ("integer", lambda i, r: i + 1),
                "opened": ("date", lambda i, r: day(i, r).strftime("%d/%m/%Y")),
                "value": ("float", lambda i, r: f"£{r.uniform(1, 900):.2f}"),
            },
            rows,
        ),
        _write(
            folder,
            "r_export",
            {
                "rownames": ("integer", lambda i, r: i + 1),
                "income": ("float", lambda i, r: na(r, f"{r.uniform(1e3, 9e4):.1f}")),
                "children": ("integer", lambda i, r: na(r, r.randrange(0, 6))),
                "region": ("text", lambda i, r: na(r, r.choice(["north", "south"]))),
            },
            rows,
        ),
        _write(
            folder,
            "sas_export",
            {
                "subject": ("integer", lambda i, r: i + 1),
                "visit": ("date", lambda i, r: day(i, r).strftime("%d %b %Y").upper()),
                "weight": ("float", lambda i, r: na(r, f"{r.uniform(40, 120):.1f}", marker=".")),
            },
            rows,
        ),
        _write(
            folder,
            "month_names",
            {
                "id": ("integer", lambda i, r: i + 1),
                "signed": ("date", lambda i, r: day(i, r).strftime("%B %d, %Y").replace(" 0", " ")),
                "shipped": ("date", lambda i, r: day(i, r).strftime("%b %d, %Y")),
            },
            rows,
        ),
        _write(
            folder,
            "latin1_tabs",
            {
                "code": ("text", lambda i, r: f"{r.randrange(100000):05d}"),  # zip codes keep zeros
                "name": ("text", lambda i, r: r.choice(["Müller", "Gómez", "Françoise"])),
                "amount": ("float", lambda i, r: f"{r.uniform(0, 100):.2f}"),
            },
            rows,
            delimiter="\t",
            encoding="latin-1",
        ),
        _write(
            folder,
            "cp1252_pipes",
            {
                "id": ("integer", lambda i, r: i + 1),
                "quote": ("text", lambda i, r: r.choice(["“fine”", "don’t", "— ok"])),
                "when": (
                    "timestamp",
                    lambda i, r: datetime(
                        2024, 3, r.randrange(1, 29), r.randrange(24), r.randrange(60)
                    ).strftime("%m/%d/%Y %H:%M"),
                ),
            },
            rows,
            delimiter="|",
            encoding="cp1252",
        ),
        _write(
            folder,
            "utf16_report",
            {
                "id": ("integer", lambda i, r: i + 1),
                "score": ("float", lambda i, r: f"{r.uniform(0, 10):.2f}"),
                "label": ("text", lambda i, r: r.choice(["α", "β", "γ"])),
            },
            rows,
            encoding="utf-16",
        ),
        _write(
            folder,
            "yes_no",
            {
                "id": ("integer", lambda i, r: i + 1),
                "active": ("boolean", lambda i, r: r.choice(["yes", "no"])),
                "score": ("float", lambda i, r: na(r, f"{r.uniform(0, 1):.4f}", marker="n/a")),
            },
            rows,
        ),
    ]
    return files


def _ours(f: File) -> tuple[dict[str, str], str, float]:
    from nex_assets.datasets.logic.delimited import read_shape

    started = time.perf_counter()
    sample = f.path.read_bytes()[: 1 << 20]
    shape = read_shape(sample, path=str(f.path), complete=len(sample) < (1 << 20))
    elapsed = time.perf_counter() - started
    kinds = {}
    for column, pg in zip(shape.columns, shape.types, strict=True):
        conv = shape.conversions.get(column)
        kinds[column] = _kind_pg(conv.target if conv else pg)
    return kinds, shape.encoding.python, elapsed


def _kind_pg(pg: str) -> str:
    return {
        "bigint": "integer",
        "integer": "integer",
        "smallint": "integer",
        "double precision": "float",
        "numeric": "float",
        "real": "float",
        "date": "date",
        "timestamp": "timestamp",
        "timestamptz": "timestamp",
        "boolean": "boolean",
    }.get(pg, "text")


def _duckdb(f: File) -> tuple[dict[str, str], float]:
    import duckdb

    started = time.perf_counter()
    try:
        row = duckdb.connect().execute("select Columns from sniff_csv(?)", [str(f.path)]).fetchone()
        found = {c["name"]: _kind_duck(c["type"]) for c in row[0]}
    except Exception:  # the sniffer refuses the file: every column counts as wrong
        found = {}
    return found, time.perf_counter() - started


def _kind_duck(t: str) -> str:
    t = t.upper()
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT"):
        return "integer"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        return "float"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    return "boolean" if t == "BOOLEAN" else "text"


def _pyarrow(f: File) -> tuple[dict[str, str], float]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    started = time.perf_counter()
    try:
        table = pcsv.read_csv(
            f.path,
            read_options=pcsv.ReadOptions(encoding=f.encoding),
            parse_options=pcsv.ParseOptions(delimiter=f.delimiter),
        )
        found = {}
        for field in table.schema:
            t = field.type
            found[field.name] = (
                "integer"
                if pa.types.is_integer(t)
                else "float"
                if pa.types.is_floating(t)
                else "date"
                if pa.types.is_date(t)
                else "timestamp"
                if pa.types.is_timestamp(t)
                else "boolean"
                if pa.types.is_boolean(t)
                else "text"
            )
    except Exception:
        found = {}
    return found, time.perf_counter() - started


def _encoding_right(f: File, guessed: str | None) -> bool:
    if not guessed:
        return False
    truth = f.path.read_bytes().decode(f.encoding)
    try:
        text = f.path.read_bytes().decode(guessed)
    except (LookupError, UnicodeDecodeError):
        return False
    return text.lstrip("\ufeff") == truth.lstrip("\ufeff")


def _charset_normalizer(f: File) -> tuple[str | None, float]:
    from charset_normalizer import from_bytes

    started = time.perf_counter()
    best = from_bytes(f.path.read_bytes()[: 1 << 20]).best()
    return (best.encoding if best else None), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nex-sniff-") as tmp:
        files = corpus(Path(tmp), args.rows)
        totals = {tool: {"right": 0, "columns": 0, "seconds": 0.0} for tool in ("nex", "duckdb", "pyarrow")}
        encodings = {"nex": 0, "charset_normalizer": 0, "nex_s": 0.0, "charset_normalizer_s": 0.0}
        print(f"{'file':22} {'cols':>4} {'nex':>5} {'duckdb':>7} {'pyarrow':>8}   wrong (nex)")
        for f in files:
            ours, encoding, our_s = _ours(f)
            duck, duck_s = _duckdb(f)
            arrow, arrow_s = _pyarrow(f)
            cn, cn_s = _charset_normalizer(f)
            encodings["nex"] += _encoding_right(f, encoding)
            encodings["charset_normalizer"] += _encoding_right(f, cn)
            encodings["nex_s"] += our_s
            encodings["charset_normalizer_s"] += cn_s
            counts = {}
            for tool, found, seconds in (
                ("nex", ours, our_s),
                ("duckdb", duck, duck_s),
                ("pyarrow", arrow, arrow_s),
            ):
                right = sum(found.get(c) == kind for c, kind in f.truth.items())
                totals[tool]["right"] += right
                totals[tool]["columns"] += len(f.truth)
                totals[tool]["seconds"] += seconds
                counts[tool] = right
            wrong = [f"{c}={ours.get(c)} (is {k})" for c, k in f.truth.items() if ours.get(c) != k]
            tally = f"{counts['nex']:>5} {counts['duckdb']:>7} {counts['pyarrow']:>8}"
            print(f"{f.name:22} {len(f.truth):>4} {tally}   " + (", ".join(wrong) or "-"))
        summary = {
            tool: {
                "columns_right": v["right"],
                "columns": v["columns"],
                "share_right": round(v["right"] / v["columns"], 3),
                "seconds": round(v["seconds"], 3),
            }
            for tool, v in totals.items()
        }
        summary["encodings"] = {
            "files": len(files),
            "nex_right": encodings["nex"],
            "charset_normalizer_right": encodings["charset_normalizer"],
            "charset_normalizer_seconds": round(encodings["charset_normalizer_s"], 3),
        }
        print(
            "\ncolumns typed right: "
            + ", ".join(
                f"{t} {v['columns_right']}/{v['columns']} in {v['seconds']:.2f}s"
                for t, v in summary.items()
                if t != "encodings"
            )
        )
        print(
            f"encodings right: nex {encodings['nex']}/{len(files)}, charset-normalizer "
            f"{encodings['charset_normalizer']}/{len(files)}"
        )
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
