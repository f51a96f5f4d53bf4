"""Readers for the typed tabular formats: Excel workbooks, JSON, JSON Lines and Parquet.

Each reader turns one file into a ``Table``: SQL column names, PostgreSQL types, and rows of COPY
text. Every problem is a ``LoadError`` that names the file, where in it, and the reason, so a bad
file is reported as clearly as a bad CSV.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nex_assets.common import office
from nex_assets.common.identifiers import IdentifierError, column_identifiers
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.logic import tabular
from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.datasets.logic.delimited import ALLOWED_TYPES

PARQUET_BATCH = 65_536
_TOO_DEEP = f"NEX loads at most {tabular.MAX_NESTING} levels; flatten the file first"


@dataclass
class Table:
    columns: list[str]
    types: list[str]
    rows: Callable[[], Iterator[list[str | None]]]  # called once per load: streams COPY text
    count: int | None  # rows, when known before streaming
    where: Callable[[int], str]  # the n-th data row (1-based) as a person finds it in the file
    notes: list[str] = field(default_factory=list)


def _identifiers(path: Path, header: list[str], where: str) -> list[str]:
    try:
        return column_identifiers(header)
    except IdentifierError as exc:
        raise LoadError(f"{path}: {where}: {exc}") from exc


def _typed(path: Path, columns: list[str], values: list[list[Any]], hints: dict[str, str]) -> list[str]:
    types = []
    for name, column in zip(columns, values, strict=True):
        hinted = hints.get(name)
        if hinted and hinted not in ALLOWED_TYPES:
            raise LoadError(f"{path}: column {name!r}: unknown type hint {hinted!r}")
        types.append(hinted or tabular.infer_type(column))
    return types


def _in_memory(
    path: Path, columns: list[str], records: list[list[Any]], ds: Dataset, where: Callable[[int], str]
) -> Table:
    by_column = [[r[i] for r in records] for i in range(len(columns))]
    types = _typed(path, columns, by_column, ds.type_hints)

    def rows() -> Iterator[list[str | None]]:
        for r in records:
            yield [tabular.to_text(v, t) for v, t in zip(r, types, strict=True)]

    return Table(columns, types, rows, len(records), where)


# --- Excel -------------------------------------------------------------------------------------


def _check_workbook(path: Path) -> None:
    problem = office.package_problem(path)
    if problem == "encrypted":
        raise LoadError(f"{path}: the workbook is password-protected (encrypted); save it without a password")
    if problem == "legacy":
        raise LoadError(f"{path}: this is an old binary Excel (.xls) file, not .xlsx; save it as .xlsx")
    if problem == "corrupt":
        raise LoadError(f"{path}: not an Excel .xlsx workbook (the file is corrupt or of another kind)")


def read_xlsx(path: Path, ds: Dataset) -> Table:
    import openpyxl

    _check_workbook(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise LoadError(f"{path}: the workbook cannot be read (corrupt .xlsx): {exc}") from exc
    try:
        sheet_name = ds.source.sheet or wb.sheetnames[0]
        if sheet_name not in wb.sheetnames:
            raise LoadError(f"{path}: no sheet {sheet_name!r}; the workbook has {wb.sheetnames}")
        sheet = wb[sheet_name]
        try:
            cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        except Exception as exc:
            raise LoadError(f"{path}: sheet {sheet_name!r} cannot be read (corrupt .xlsx): {exc}") from exc
    finally:
        wb.close()
    while cells and all(v is None or v == "" for v in cells[-1]):
        cells.pop()
    if not cells:
        raise LoadError(f"{path}: sheet {sheet_name!r} is empty")
    header = list(cells[0])
    # Trailing columns with neither a header nor a value are formatting leftovers, not data.
    width = len(header)
    while (
        width
        and header[width - 1] in (None, "")
        and all(len(r) < width or r[width - 1] in (None, "") for r in cells[1:])
    ):
        width -= 1
    label = f"sheet {sheet_name!r} row 1"
    columns = _identifiers(path, ["" if h is None else str(h) for h in header[:width]], label)
    records = []
    for r in cells[1:]:
        row = (list(r) + [None] * width)[:width]
        records.append(row)
    table = _in_memory(path, columns, records, ds, lambda n: f"sheet {sheet_name!r} row {n + 1}")
    table.notes.append(f"sheet {sheet_name!r} of {path.name}")
    return table


# --- JSON --------------------------------------------------------------------------------------


def _records_from_json(path: Path, text: str) -> tuple[list[Any], str, list[str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path}: line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise LoadError(f"{path}: lists or objects nest too deeply to read ({_TOO_DEEP})") from exc
    if isinstance(data, list):
        return data, "record", []
    if isinstance(data, dict):
        lists = [k for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if len(lists) == 1:
            return data[lists[0]], f"{lists[0]}[]", [f"records read from the top-level key {lists[0]!r}"]
        return [data], "record", ["the file holds one object: loaded as one row"]
    raise LoadError(f"{path}: expected an array of objects, got a JSON {type(data).__name__}")


def _records_from_jsonl(path: Path, text: str) -> tuple[list[Any], list[int]]:
    records, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise LoadError(f"{path}: line {number}: not valid JSON: {exc.msg}") from exc
        except RecursionError as exc:
            raise LoadError(f"{path}: line {number}: lists or objects nest too deeply ({_TOO_DEEP})") from exc
        lines.append(number)
    return records, lines


def read_json(path: Path, ds: Dataset, *, lines: bool) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path}: byte {exc.start}: not UTF-8 text, so not JSON ({exc.reason})") from exc
    if not text.strip():
        raise LoadError(f"{path}: the file is empty")
    if lines:
        records, line_numbers = _records_from_jsonl(path, text)
        notes: list[str] = []

        def where(n: int) -> str:
            return f"line {line_numbers[n - 1]}"
    else:
        records, unit, notes = _records_from_json(path, text)

        def where(n: int) -> str:
            return f"{unit} {n}"

    flat: list[dict[tuple[str, ...], Any]] = []
    for n, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise LoadError(f"{path}: {where(n)}: expected an object, got {type(record).__name__}")
        try:
            flat.append(tabular.flatten(record))
        except tabular.NestingError as exc:
            raise LoadError(f"{path}: {where(n)}: {exc} ({_TOO_DEEP})") from exc
    # Columns in order of first appearance; a field missing from a record is NULL there.
    paths: dict[tuple[str, ...], None] = {}
    for record in flat:
        paths.update(dict.fromkeys(record))
    names = [tabular.column_name(p) for p in paths]
    columns = _identifiers(path, names, "field names")
    table = _in_memory(path, columns, [[r.get(p) for p in paths] for r in flat], ds, where)
    nested = [f"`{'.'.join(p)}` -> `{c}`" for p, c in zip(paths, columns, strict=True) if len(p) > 1]
    if nested:
        table.notes.append("nested fields flattened: " + ", ".join(nested))
    table.notes += notes
    return table


# --- Parquet -----------------------------------------------------------------------------------


def parquet_type(arrow_type) -> str | None:
    """The PostgreSQL type for an Arrow type, or None when NEX does not load it."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return parquet_type(arrow_type.value_type)
    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_int8(arrow_type) or t.is_int16(arrow_type) or t.is_uint8(arrow_type):
        return "smallint"
    if t.is_int32(arrow_type) or t.is_uint16(arrow_type):
        return "integer"
    if t.is_int64(arrow_type) or t.is_uint32(arrow_type):
        return "bigint"
    if t.is_uint64(arrow_type) or t.is_decimal(arrow_type):
        return "numeric"
    if t.is_float32(arrow_type):
        return "real"
    if t.is_float64(arrow_type):
        return "double precision"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        return "text"
    if t.is_date(arrow_type):
        return "date"
    if t.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if t.is_time(arrow_type):
        return "time"
    if isinstance(arrow_type, pa.ListType | pa.LargeListType | pa.StructType | pa.MapType):
        return "jsonb"
    return None


def read_parquet(path: Path, ds: Dataset) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise LoadError(f"{path}: not a readable Parquet file (corrupt or another format): {exc}") from exc
    schema = pf.schema_arrow
    columns = _identifiers(path, list(schema.names), "schema")
    types = []
    for name, column, f in zip(schema.names, columns, schema, strict=True):
        pg = ds.type_hints.get(column) or parquet_type(f.type)
        if pg is None:
            raise LoadError(
                f"{path}: column {name!r} has Parquet type {f.type}, which NEX does not load "
                "(numbers, booleans, strings, dates, times, timestamps, decimals, lists and structs are)"
            )
        types.append(pg)

    def rows() -> Iterator[list[str | None]]:
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH):
                values = [c.to_pylist() for c in batch.columns]
                for i in range(batch.num_rows):
                    yield [tabular.to_text(values[j][i], types[j]) for j in range(len(columns))]
        except (pa.ArrowException, OSError) as exc:
            raise LoadError(f"{path}: the Parquet data cannot be read (corrupt file): {exc}") from exc

    return Table(columns, types, rows, pf.metadata.num_rows, lambda n: f"row {n}")


def read_table(path: Path, ds: Dataset) -> Table:
    try:
        fmt = ds.source.format
        if fmt == "xlsx":
            return read_xlsx(path, ds)
        if fmt in ("json", "jsonl"):
            return read_json(path, ds, lines=fmt == "jsonl")
        if fmt == "parquet":
            return read_parquet(path, ds)
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: the file does not exist (or disappeared before it was read)") from exc
    except IsADirectoryError as exc:
        raise LoadError(f"{path}: is a folder, not a file") from exc
    raise LoadError(f"{ds.file}: format {fmt!r} is not read by this loader")
