"""Typed values from Excel, JSON and Parquet: flattening, type inference, COPY text."""

from __future__ import annotations

import datetime as dt
import decimal

from nex_assets.datasets.logic import tabular


def test_format_for_path():
    assert tabular.format_for_path("a/B.XLSX") == "xlsx"
    assert tabular.format_for_path("x.ndjson") == "jsonl"
    assert tabular.format_for_path("x.pq") == "parquet"
    assert tabular.format_for_path("sales_*.csv") == "csv"


def test_flatten_nested_objects_and_keep_lists():
    flat = tabular.flatten(
        {"id": 1, "address": {"city": "Leeds", "geo": {"lat": 1.5}}, "tags": [1], "empty": {}}
    )
    assert flat == {
        ("id",): 1,
        ("address", "city"): "Leeds",
        ("address", "geo", "lat"): 1.5,
        ("tags",): [1],
        ("empty",): {},
    }
    assert tabular.column_name(("Address", "Post Code")) == "address__post_code"


def test_infer_type_keeps_what_the_format_says():
    assert tabular.infer_type([1, None, 2]) == "bigint"
    assert tabular.infer_type([1, 2.5]) == "double precision"
    assert tabular.infer_type([1, decimal.Decimal("2.5")]) == "numeric"
    assert tabular.infer_type([True, False]) == "boolean"
    assert tabular.infer_type([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)]) == "date"
    assert tabular.infer_type([dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 9)]) == "timestamp"
    assert tabular.infer_type([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]) == "timestamptz"
    assert tabular.infer_type([["a"], {"b": 1}]) == "jsonb"
    assert tabular.infer_type(["2024-01-01", "2024-02-01"]) == "date"
    assert tabular.infer_type(["007", "008"]) == "text"
    assert tabular.infer_type([1, "one"]) == "text"
    assert tabular.infer_type([None, ""]) == "text"


def test_to_text_for_copy():
    assert tabular.to_text(None, "bigint") is None
    assert tabular.to_text("", "bigint") is None
    assert tabular.to_text("", "text") == ""
    assert tabular.to_text(True, "boolean") == "true"
    assert tabular.to_text(dt.datetime(2024, 1, 1), "date") == "2024-01-01"
    assert tabular.to_text(dt.datetime(2024, 1, 1, 9, 30), "timestamp") == "2024-01-01 09:30:00"
    assert tabular.to_text(["é", 1], "jsonb") == '["é", 1]'
    assert tabular.to_text(0.1, "double precision") == "0.1"
    assert tabular.to_text(7, "text") == "7"
    assert tabular.to_text("=1+1", "text") == "=1+1"


def test_sheet_names_reads_the_workbook_index(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "First"
    wb.create_sheet("Second sheet")
    wb.save(tmp_path / "b.xlsx")
    assert tabular.sheet_names(str(tmp_path / "b.xlsx")) == ["First", "Second sheet"]
