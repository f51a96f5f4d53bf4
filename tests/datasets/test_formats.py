"""Excel, JSON, JSON Lines and Parquet through the loader, on the session's real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from pathlib import Path

import pytest

from nex_assets.datasets import load as loader
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.logic.catalog import Dataset, load_catalog


def dataset(name: str, path: Path, **extra) -> Dataset:
    return Dataset.model_validate(
        {"name": name, "source": {"path": str(path), **extra.pop("source", {})}, **extra}
    )


def column_types(conn, name: str) -> dict[str, str]:
    return dict(
        conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = %s",
            (name,),
        ).fetchall()
    )


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


ORDERS = [
    ["Order ID", "Placed", "Amount", "Paid", "Note", "Shipped at"],
    [1, dt.datetime(2024, 1, 5), 19.5, True, "+44 113 496 0000", dt.datetime(2024, 1, 6, 14, 30)],
    [2, dt.datetime(2024, 1, 6), 7, False, "@home", None],
]


def test_xlsx_keeps_cell_types_and_formula_like_text(tmp_path, database, conn, unique_name):
    book = write_workbook(tmp_path / "orders.xlsx", {"Orders": ORDERS})
    result = loader.load(dataset(unique_name, book, primary_key=["order_id"]), [book], database=database)
    assert result.rows == 2 and not result.skipped
    assert column_types(conn, unique_name) == {
        "order_id": "bigint",
        "placed": "date",
        "amount": "double precision",
        "paid": "boolean",
        "note": "text",
        "shipped_at": "timestamp without time zone",
    }
    rows = conn.execute(
        f"select note, placed, shipped_at from raw.{unique_name} order by order_id"
    ).fetchall()
    assert rows[0] == ("+44 113 496 0000", dt.date(2024, 1, 5), dt.datetime(2024, 1, 6, 14, 30))
    assert rows[1][0] == "@home" and rows[1][2] is None
    again = loader.load(dataset(unique_name, book, primary_key=["order_id"]), [book], database=database)
    assert again.skipped and again.data_version == result.data_version


def test_xlsx_one_dataset_per_sheet_or_a_named_sheet(tmp_path, database, conn, unique_name):
    (tmp_path / "data").mkdir()
    book = write_workbook(
        tmp_path / "data" / "shop.xlsx",
        {"Orders": ORDERS, "Store list": [["store", "city"], ["s1", "Leeds"], ["s2", "York"]]},
    )
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / f"{unique_name}.yaml").write_text(
        f"name: {unique_name}\nsource:\n  path: data/shop.xlsx\n  sheet: '*'\n"
    )
    (folder / "named.yaml").write_text("name: named\nsource:\n  path: data/shop.xlsx\n  sheet: Store list\n")
    catalog = {ds.name: ds for ds in load_catalog(folder)}
    assert set(catalog) == {f"{unique_name}__orders", f"{unique_name}__store_list", "named"}
    assert catalog["named"].landing.pattern == "*.xlsx"
    ds = catalog[f"{unique_name}__store_list"]
    assert loader.load(ds, [book], database=database).rows == 2
    assert conn.execute(f"select city from raw.{ds.name} order by store").fetchall() == [
        ("Leeds",),
        ("York",),
    ]
    with pytest.raises(LoadError, match=r"shop.xlsx: no sheet 'Nope'"):
        loader.load(dataset(unique_name, book, source={"sheet": "Nope"}), [book], database=database)


def test_xlsx_declared_type_that_does_not_fit_names_sheet_and_row(tmp_path, database, unique_name):
    book = write_workbook(tmp_path / "t.xlsx", {"Data": [["id", "qty"], [1, 3], [2, "three"]]})
    ds = dataset(unique_name, book, columns={"qty": {"type": "bigint"}})
    with pytest.raises(LoadError, match=r"t.xlsx: sheet 'Data' row 3: column qty: .*'three'"):
        loader.load(ds, [book], database=database)


def test_password_protected_and_corrupt_workbooks(tmp_path, database, conn, unique_name):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_workbook(tmp_path / "plain.xlsx", {"Data": [["id"], [1]]})
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as out:
        OOXMLFile(src).encrypt("s3cret", out)
    with pytest.raises(LoadError, match=r"locked.xlsx: the workbook is password-protected"):
        loader.load(dataset(unique_name, locked), [locked], database=database)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(plain.read_bytes()[:300])
    with pytest.raises(LoadError, match=r"broken.xlsx: not an Excel .xlsx workbook"):
        loader.load(dataset(unique_name, broken), [broken], database=database)
    reasons = [
        r[0] for r in conn.execute("select reason from nex.load_failures where dataset = %s", (unique_name,))
    ]
    assert len(reasons) == 2 and "password-protected" in reasons[0]


def test_json_nested_objects_flatten_into_documented_columns(tmp_path, database, conn, unique_name):
    path = tmp_path / "customers.json"
    path.write_text(
        json.dumps(
            {
                "data": [
                    {
                        "id": 1,
                        "name": "Ann",
                        "address": {"city": "Leeds", "geo": {"lat": 53.8}},
                        "tags": ["a"],
                    },
                    {"id": 2, "name": "Bo", "address": {"city": "York"}, "joined": "2024-02-01"},
                ]
            }
        )
    )
    result = loader.load(dataset(unique_name, path, primary_key=["id"]), [path], database=database)
    assert [c for c, _ in result.columns] == [
        "id",
        "name",
        "address__city",
        "address__geo__lat",
        "tags",
        "joined",
    ]
    assert "`address.city` -> `address__city`" in " ".join(result.notes)
    types = column_types(conn, unique_name)
    assert (
        types["tags"] == "jsonb"
        and types["joined"] == "date"
        and types["address__geo__lat"] == "double precision"
    )
    row = conn.execute(
        f"select address__city, tags, address__geo__lat from raw.{unique_name} where id = 1"
    ).fetchone()
    assert row == ("Leeds", ["a"], 53.8)


def test_json_lines_and_bad_json_keep_the_previous_version(tmp_path, database, conn, unique_name):
    path = tmp_path / "events.jsonl"
    path.write_text('{"id": 1, "kind": "view"}\n\n{"id": 2, "kind": "buy"}\n')
    ds = dataset(unique_name, path, primary_key=["id"])
    assert loader.load(ds, [path], database=database).rows == 2
    path.write_text('{"id": 1, "kind": "view"}\n{"id": 2, kind: buy}\n')
    with pytest.raises(LoadError, match=r"events.jsonl: line 2: not valid JSON"):
        loader.load(ds, [path], database=database)
    path.write_text('{"id": 1}\n{"id": 1}\n')
    with pytest.raises(LoadError, match=r"events.jsonl: line 1, line 2: duplicate primary key \(id\)"):
        loader.load(ds, [path], database=database)
    assert conn.execute(f"select count(*) from raw.{unique_name}").fetchone()[0] == 2
    other = tmp_path / "notjson.json"
    other.write_text("id,kind\n1,view\n")
    with pytest.raises(LoadError, match=r"notjson.json: line 1 column 1: not valid JSON"):
        loader.load(dataset(unique_name, other), [other], database=database)


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        # Deeper than Python's parser can go: a recursion error, worded.
        ("deep.json", "[" * 100_000 + "]" * 100_000, "lists or objects nest too deeply to read"),
        (
            "deep.jsonl",
            '{"id": 1}\n' + "[" * 100_000 + "]" * 100_000 + "\n",
            "line 2: lists or objects nest too deeply",
        ),
        # Parsed, but deeper than any table needs.
        (
            "nested.json",
            "[" + '{"a":' * 40 + "1" + "}" * 40 + "]",
            "record 1: objects and lists nest more than 32",
        ),
        (
            "listy.jsonl",
            '{"id": 1, "v": ' + "[" * 40 + "]" * 40 + "}\n",
            "line 1: objects and lists nest more than 32",
        ),
    ],
)
def test_deeply_nested_json_fails_clearly_is_recorded_and_keeps_the_previous_version(
    tmp_path, database, conn, unique_name, name, text, reason
):
    good = tmp_path / "good.json"
    good.write_text('[{"id": 1}]')
    loader.load(dataset(unique_name, good), [good], database=database)
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LoadError, match=re.escape(f"{name}: ") + ".*" + re.escape(reason)):
        loader.load(dataset(unique_name, path), [path], database=database)
    assert conn.execute(f"select id from raw.{unique_name}").fetchall() == [(1,)]
    (recorded,) = conn.execute(
        "select reason from nex.load_failures where dataset = %s order by id desc limit 1", (unique_name,)
    ).fetchone()
    assert reason in recorded


def test_parquet_keeps_types_and_rejects_unsupported_ones(tmp_path, database, conn, unique_name):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "id": pa.array([1, 2], pa.int32()),
            "price": pa.array([decimal.Decimal("1.25"), None], pa.decimal128(8, 2)),
            "at": pa.array(
                [dt.datetime(2024, 1, 1, 12), dt.datetime(2024, 1, 2)], pa.timestamp("us", tz="UTC")
            ),
            "day": pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 2)], pa.date32()),
            "labels": pa.array([["x", "y"], []], pa.list_(pa.string())),
            "ratio": pa.array([0.5, 1.5], pa.float32()),
            "category": pa.array(["a", "b"]).dictionary_encode(),
        }
    )
    path = tmp_path / "facts.parquet"
    pq.write_table(table, path)
    assert loader.load(dataset(unique_name, path), [path], database=database).rows == 2
    assert column_types(conn, unique_name) == {
        "id": "integer",
        "price": "numeric",
        "at": "timestamp with time zone",
        "day": "date",
        "labels": "jsonb",
        "ratio": "real",
        "category": "text",
    }
    assert conn.execute(f"select labels, price from raw.{unique_name} where id = 1").fetchone() == (
        ["x", "y"],
        decimal.Decimal("1.25"),
    )
    odd = tmp_path / "odd.parquet"
    pq.write_table(pa.table({"id": [1], "wait": pa.array([dt.timedelta(seconds=3)], pa.duration("s"))}), odd)
    with pytest.raises(LoadError, match=r"odd.parquet: column 'wait' has Parquet type duration\[s\]"):
        loader.load(dataset(unique_name, odd), [odd], database=database)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 not really")
    with pytest.raises(LoadError, match=r"junk.parquet: not a readable Parquet file"):
        loader.load(dataset(unique_name, junk), [junk], database=database)
