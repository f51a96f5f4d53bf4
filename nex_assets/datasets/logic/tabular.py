"""Turning records from typed formats (Excel, JSON, Parquet) into one flat, typed table.

CSV carries no types, so its loader guesses them from text. These formats carry some: a cell
holds a number or a date, a JSON value is a number or a string, a Parquet column has a type. The
rules here keep those types, flatten nested JSON objects into documented column names
(``address.city`` -> ``address__city``) and keep lists as ``jsonb``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import zipfile
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree

from nex_assets.common.identifiers import to_identifier
from nex_assets.datasets.logic.delimited import infer_type as infer_text_type

FORMATS = ("csv", "xlsx", "json", "jsonl", "parquet")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
LANDING_PATTERNS = {
    "csv": "*.csv",
    "xlsx": "*.xlsx",
    "json": "*.json",
    "jsonl": "*.jsonl",
    "parquet": "*.parquet",
}
NESTED_SEPARATOR = "__"
_BIGINT = 2**63 - 1
_SHEET = re.compile(r"\{[^}]*\}sheet$")


def format_for_path(path: str) -> str:
    """The format a file name implies; delimited text when nothing more specific matches."""
    return EXTENSIONS.get(PurePath(path.lower()).suffix, "csv")


# Deeper nesting than this is refused: no table needs it, and it is how a file exhausts a parser.
MAX_NESTING = 32


class NestingError(ValueError):
    pass


def nesting_depth(value: Any) -> int:
    """How deeply lists and objects nest inside ``value`` (0 for a plain value), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_NESTING:
                return depth
            stack.extend((v, depth) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def flatten(record: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """Nested objects become paths of keys; lists stay whole (they are stored as jsonb).
    Raises ``NestingError`` beyond ``MAX_NESTING`` levels."""
    if nesting_depth(record) > MAX_NESTING:
        raise NestingError(f"objects and lists nest more than {MAX_NESTING} levels deep")
    out: dict[tuple[str, ...], Any] = {}
    # Depth first in the record's own order, without recursion: a stack of open objects.
    stack = [(iter(record.items()), ())]
    while stack:
        items, prefix = stack[-1]
        entry = next(items, None)
        if entry is None:
            stack.pop()
            continue
        key, value = entry
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            stack.append((iter(value.items()), path))
        else:
            out[path] = value
    return out


def column_name(path: tuple[str, ...]) -> str:
    """``("address", "city")`` -> ``address__city``: each part as an identifier, joined by ``__``."""
    return NESTED_SEPARATOR.join(to_identifier(p) or "_" for p in path)


def value_kind(value: Any) -> str | None:
    """The column type a single value asks for; None for a missing value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint" if abs(value) <= _BIGINT else "numeric"
    if isinstance(value, decimal.Decimal):
        return "numeric"
    if isinstance(value, float):
        return "double precision"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return "timestamptz"
        return "date" if value.time() == dt.time(0) else "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dict | list):
        return "jsonb"
    return "str"


# Kinds that widen into one another; anything else mixed becomes text.
_NUMERIC = {"bigint": 0, "numeric": 1, "double precision": 2}
_TEMPORAL = {"date": 0, "timestamp": 1}


def infer_type(values: list[Any]) -> str:
    """One PostgreSQL type for a column of Python values, keeping what the format said."""
    kinds = {k for v in values if (k := value_kind(v)) is not None}
    if not kinds:
        return "text"
    if kinds == {"str"}:
        # Strings in JSON or cells typed as text: guess as CSV does (ISO dates, numbers in text).
        guessed = infer_text_type([v for v in values if isinstance(v, str)])
        return guessed
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= _NUMERIC.keys():
        return "numeric" if "numeric" in kinds and "double precision" not in kinds else "double precision"
    if kinds <= _TEMPORAL.keys():
        return "timestamp"
    return "text"


def to_text(value: Any, pg_type: str) -> str | None:
    """The value as COPY text for a column of ``pg_type``; None stays NULL."""
    if value is None or (value == "" and pg_type != "text"):
        return None
    if pg_type == "jsonb":
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if pg_type == "date" and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def sheet_names(path: str) -> list[str]:
    """Sheet names of an .xlsx workbook in order, read from its index without loading any cells."""
    with zipfile.ZipFile(path) as z, z.open("xl/workbook.xml") as f:
        root = ElementTree.parse(f).getroot()
    return [el.attrib["name"] for el in root.iter() if _SHEET.match(el.tag) and "name" in el.attrib]
