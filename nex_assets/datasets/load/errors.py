"""Turning load failures into messages that name the file, the line and the reason."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg

from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.datasets.logic.delimited import FileShape, copy_error_location

MAX_REPORTED = 5


class LoadError(RuntimeError):
    """A dataset could not be loaded; the previous version is untouched."""


def describe_copy_error(exc: psycopg.Error) -> tuple[int | None, str | None, str | None]:
    return copy_error_location(exc.diag.context)


def _scan_keys(path: Path, shape: FileShape, key: list[str]) -> tuple[list[int], dict[tuple, list[int]]]:
    """Line numbers of rows with a missing key part, and of every occurrence of each key."""
    positions = [shape.columns.index(k) for k in key]
    nulls: list[int] = []
    seen: dict[tuple, list[int]] = {}
    csv.field_size_limit(1 << 30)
    with path.open("r", encoding=shape.encoding.python, newline="") as f:
        if shape.encoding.bom and shape.encoding.python == "utf-8":
            f.read(1)
        reader = csv.reader(f, delimiter=shape.delimiter)
        next(reader, None)
        for row in reader:
            if not row:
                continue
            values = tuple(row[i] if i < len(row) else "" for i in positions)
            if any(v == "" for v in values):
                if len(nulls) < MAX_REPORTED:
                    nulls.append(reader.line_num)
                continue
            seen.setdefault(values, []).append(reader.line_num)
    return nulls, {k: v for k, v in seen.items() if len(v) > 1}


def find_key_problems(ds: Dataset, files: list[Path], shape: FileShape, exc: psycopg.Error) -> str:
    key = ", ".join(ds.primary_key)
    problems: list[str] = []
    for path in files:
        nulls, dups = _scan_keys(path, shape, ds.primary_key)
        if nulls:
            problems.append(f"{path}: line(s) {', '.join(map(str, nulls))}: primary key ({key}) is missing")
        for value, lines in list(dups.items())[:MAX_REPORTED]:
            shown = ", ".join(map(str, lines[:MAX_REPORTED]))
            problems.append(f"{path}: lines {shown}: duplicate primary key ({key}) = {value}")
    if not problems:
        # Duplicates across files of a glob, or values equal only after type conversion.
        problems.append(f"{files[0]}: primary key ({key}) violated: {exc.diag.message_detail or exc}")
    return "; ".join(problems)
