"""The loader against the bad-input corpus: every file loads correctly or fails with the file,
the line and the reason, and the previously loaded version stays intact."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nex_assets.datasets.load import load, load_dataset
from nex_assets.datasets.load.errors import LoadError
from nex_assets.datasets.logic.catalog import Dataset

CORPUS = Path(__file__).parent / "corpus"


def dataset(name: str, path: Path, **extra) -> Dataset:
    return Dataset.model_validate(
        {"name": name, "source": {"path": str(path), **extra.pop("source", {})}, **extra}
    )


def rows(conn, name: str) -> list[tuple]:
    return conn.execute(f'select * from raw."{name}" order by 1').fetchall()


@pytest.fixture()
def loaded(tmp_path, database, conn, unique_name):
    """A dataset with a good version loaded, so each failure can be checked to leave it intact."""
    path = tmp_path / "data.csv"
    shutil.copy(CORPUS / "good.csv", path)
    ds = dataset(unique_name, path, primary_key=["id"])
    load(ds, [path], database=database)
    before = rows(conn, unique_name)
    assert len(before) == 3
    return ds, path, before


FAILING = {
    "empty.csv": "the file is empty",
    "header_only.csv": "line 2: the file has a header but no data rows",
    "ragged.csv": "line 4: 2 fields where the header has 3",
    "binary.csv": "looks binary",
    "duplicate_columns.csv": "line 1: columns 2 and 3 have the same name 'Price'",
    "blank_column.csv": "line 1: column 2 has a blank or unusable name",
    "missing_pk.csv": "line(s) 3: primary key (id) is missing",
    "duplicate_pk.csv": "lines 2, 4: duplicate primary key (id)",
    "system_column.csv": "line 1: column 2 name 'xmin' is the name of a PostgreSQL system column",
    "oid_column.csv": "line 1: column 2 name 'Oid' is the name of a PostgreSQL system column",
    "bom_only.csv": "the file holds no text",
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_bad_file_fails_clearly_and_keeps_previous_version(name, loaded, conn):
    ds, path, before = loaded
    shutil.copy(CORPUS / name, path)
    with pytest.raises(LoadError) as err:
        load(ds, [path], database=None)
    message = str(err.value)
    assert str(path) in message
    assert FAILING[name] in message
    assert rows(conn, ds.name) == before
    failure = conn.execute(
        "select reason from nex.load_failures where dataset = %s order by id desc limit 1", (ds.name,)
    ).fetchone()
    assert failure and FAILING[name] in failure[0]


LOADED = {
    "latin1.csv": [(1, "Málaga", 10), (2, "Zürich", 20), (3, "Besançon", 30)],
    "cp1252.csv": [(1, "\u201cgood\u201d \u2013 fine", 10), (2, "plain", 20)],
    "utf16_bom.csv": [(1, "Málaga", 10), (2, "東京", 20)],
    "utf16_nobom.csv": [(1, "Málaga", 10), (2, "Kraków", 20)],
    "utf8_bom.csv": [(1, "Málaga", 10), (2, "Kraków", 20)],
    # Semicolon files are written where the comma is the decimal mark: read as numbers.
    "semicolon.csv": [(1, "a", 10.5), (2, "b", 20.25)],
    "quoted_multiline.csv": [(1, "line one\nline two", 10), (2, 'has "quotes", and commas', 20)],
}


def test_more_columns_than_postgresql_allows_fail_clearly_and_are_recorded(loaded, conn):
    ds, path, before = loaded
    header = ",".join(["id"] + [f"c{i}" for i in range(1, 1601)])
    path.write_text(header + "\n" + ",".join(["9"] * 1601) + "\n")
    with pytest.raises(LoadError, match=r"line 1: 1,601 columns; a PostgreSQL table holds at most 1,600"):
        load(ds, [path], database=None)
    assert rows(conn, ds.name) == before
    (reason,) = conn.execute(
        "select reason from nex.load_failures where dataset = %s order by id desc limit 1", (ds.name,)
    ).fetchone()
    assert "1,601 columns" in reason and str(path) in reason


def test_a_failure_no_loader_foresaw_is_worded_and_recorded(loaded, conn, monkeypatch):
    """Whatever a file or the database throws leaves as a LoadError naming the source."""
    from nex_assets.datasets.load import csv_files as loader_module

    ds, path, before = loaded
    path.write_text("id,v\n1,a\n")

    def exhausted(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(loader_module, "read_shapes", exhausted)
    with pytest.raises(LoadError, match=r"data.csv: the data nests too deeply to read; nothing was loaded"):
        load(ds, [path], database=None)
    assert rows(conn, ds.name) == before
    (reason,) = conn.execute(
        "select reason from nex.load_failures where dataset = %s order by id desc limit 1", (ds.name,)
    ).fetchone()
    assert "nests too deeply" in reason


@pytest.mark.parametrize("name", sorted(LOADED))
def test_encodings_and_dialects_load_correctly(name, database, conn, unique_name):
    ds = dataset(unique_name, CORPUS / name, primary_key=["id"])
    result = load(ds, [CORPUS / name], database=database)
    assert [c for c, _ in result.columns] == ["id", *[c for c, _ in result.columns][1:2], "amount"]
    assert rows(conn, unique_name) == LOADED[name]


def test_formula_like_cells_are_kept_verbatim_as_text(database, conn, unique_name):
    ds = dataset(unique_name, CORPUS / "formula_cells.csv", primary_key=["id"])
    load(ds, [CORPUS / "formula_cells.csv"], database=database)
    notes = [r[1] for r in rows(conn, unique_name)]
    assert notes == ["=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "-7"]


def test_mixed_types_in_sample_become_text(database, conn, unique_name):
    ds = dataset(unique_name, CORPUS / "mixed_types.csv", primary_key=["id"])
    result = load(ds, [CORPUS / "mixed_types.csv"], database=database)
    assert dict(result.columns)["code"] == "text"
    assert dict(result.columns)["amount"] == "double precision"
    assert [r[1] for r in rows(conn, unique_name)] == ["10", "20", "abc", "40"]


def test_mixed_types_after_the_sample_widen_the_column_with_a_note(tmp_path, database, conn, unique_name):
    path = tmp_path / "late.csv"
    lines = ["id,code"] + [f"{i},{i * 10}" for i in range(1, 30_001)] + ["30001,n/a"]
    path.write_text("\n".join(lines) + "\n")
    result = load(dataset(unique_name, path, primary_key=["id"]), [path], database=database)
    assert dict(result.columns)["code"] == "text"
    assert any("line 30002" in n and "code" in n for n in result.notes)
    assert conn.execute(f'select code from raw."{unique_name}" where id = 30001').fetchone() == ("n/a",)


def test_declared_type_is_enforced_with_file_and_line(tmp_path, database, unique_name):
    path = tmp_path / "typed.csv"
    path.write_text("id,amount\n1,10\n2,ten\n")
    ds = dataset(unique_name, path, columns={"amount": {"type": "bigint"}})
    with pytest.raises(LoadError, match=r"typed.csv: line 3: column amount: invalid input syntax"):
        load(ds, [path], database=database)


def test_ragged_row_after_the_sample_is_reported_by_copy(loaded, conn):
    ds, path, before = loaded
    lines = ["id,name,amount"] + [f"{i},n{i},{i}" for i in range(1, 25_001)] + ["25001,x,1,extra"]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=r"line 25002: extra data after last expected column"):
        load(ds, [path])
    assert rows(conn, ds.name) == before


def test_invalid_utf8_after_the_sample_names_the_line(loaded, conn):
    ds, path, before = loaded
    body = "".join(f"{i},n{i},{i}\n" for i in range(1, 60_001)).encode()
    path.write_bytes(b"id,name,amount\n" + body + b"60001,caf\xe9,1\n")
    with pytest.raises(LoadError, match=r"line 60002: invalid byte sequence"):
        load(ds, [path])
    assert rows(conn, ds.name) == before


def test_wrong_declared_delimiter_is_named(loaded, conn):
    ds, path, before = loaded
    shutil.copy(CORPUS / "semicolon.csv", path)
    ds = ds.model_copy(update={"source": ds.source.model_copy(update={"delimiter": ","})})
    with pytest.raises(LoadError, match=r"line 1: the header has no ',' delimiter .*';'"):
        load(ds, [path])
    assert rows(conn, ds.name) == before


def test_ten_megabyte_single_field(tmp_path, database, conn, unique_name):
    path = tmp_path / "big.csv"
    big = "x" * (10 << 20)
    path.write_text(f"id,blob\n1,{big}\n2,small\n")
    load(dataset(unique_name, path, primary_key=["id"]), [path], database=database)
    lengths = conn.execute(f'select id, length(blob) from raw."{unique_name}" order by id').fetchall()
    assert lengths == [(1, 10 << 20), (2, 5)]


def test_file_truncated_while_read_fails_and_keeps_previous(loaded, conn):
    ds, path, before = loaded
    path.write_text("id,name,amount\n" + "".join(f"{i},n{i},{i}\n" for i in range(10, 200_000)))

    def truncate(p, sent):
        if p.stat().st_size > 0:
            os.truncate(p, 0)

    with pytest.raises(LoadError, match="changed while it was read"):
        load(ds, [path], progress=truncate)
    assert rows(conn, ds.name) == before


def test_missing_file_is_named(loaded, conn):
    ds, path, before = loaded
    path.unlink()
    with pytest.raises(LoadError, match=r"data.csv: the file does not exist"):
        load(ds, [path])
    assert rows(conn, ds.name) == before


def test_unchanged_content_is_not_reloaded(loaded, conn):
    ds, path, _ = loaded
    first = conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (ds.name,)
    ).fetchone()
    result = load(ds, [path])
    assert result.skipped
    again = conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (ds.name,)
    ).fetchone()
    assert again == first


def test_new_version_swaps_in_and_views_survive(loaded, conn):
    ds, path, _ = loaded
    conn.execute(f'create view staging."{ds.name}_v" as select id, name from raw."{ds.name}"')
    conn.execute(f"comment on column raw.\"{ds.name}\".name is 'Display name, curated by a person.'")
    conn.commit()
    path.write_text("id,name,amount\n1,alpha,10\n2,beta,20\n3,gamma,30\n4,delta,40\n")
    result = load(ds, [path])
    assert not result.skipped and result.rows == 4
    assert conn.execute(f'select count(*) from staging."{ds.name}_v"').fetchone() == (4,)
    comment = conn.execute(f"select col_description('raw.\"{ds.name}\"'::regclass, 2)").fetchone()[0]
    assert comment == "Display name, curated by a person."


def test_glob_of_files_loads_as_one_table(tmp_path, database, conn, unique_name):
    for i in range(3):
        (tmp_path / f"part{i}.csv").write_text(f"id,v\n{i * 2},a\n{i * 2 + 1},b\n")
    ds = dataset(unique_name, tmp_path / "part*.csv", primary_key=["id"])
    files = ds.source_files(tmp_path)
    assert len(files) == 3
    assert load(ds, files, database=database).rows == 6


def test_no_matching_file_is_named(tmp_path, database, unique_name):
    ds = dataset(unique_name, tmp_path / "nothing*.csv")
    with pytest.raises(LoadError, match=r"no file matches source"):
        load(ds, ds.source_files(tmp_path), database=database)


def test_table_source_on_the_same_server(database, conn, unique_name):
    conn.execute(
        f'create table public."{unique_name}_src" (id int primary key, city text, amount numeric(8,2))'
    )
    conn.execute(f"insert into public.\"{unique_name}_src\" values (2, 'York', 2.50), (1, 'Leeds', 10)")
    conn.commit()
    ds = Dataset.model_validate(
        {"name": unique_name, "source": {"table": f"public.{unique_name}_src"}, "primary_key": ["id"]}
    )
    first = load_dataset(ds, (Path("."), Path(".")), database=database)
    assert not first.skipped and first.rows == 2
    assert dict(first.columns)["amount"] == "numeric(8,2)"
    assert rows(conn, unique_name) == [(1, "Leeds", 10), (2, "York", 2.5)]
    again = load_dataset(ds, (Path("."), Path(".")), database=database)
    assert again.skipped and again.data_version == first.data_version
    conn.execute(f"insert into public.\"{unique_name}_src\" values (3, 'Bath', 1)")
    conn.commit()
    third = load_dataset(ds, (Path("."), Path(".")), database=database)
    assert not third.skipped and third.rows == 3


def test_table_source_from_another_server_named_by_an_env_var(database, conn, unique_name, monkeypatch):
    conn.execute(f'create table public."{unique_name}_src" (id int, v text)')
    conn.execute(f"insert into public.\"{unique_name}_src\" values (1, 'a')")
    conn.commit()
    ds = Dataset.model_validate(
        {"name": unique_name, "source": {"table": f"{unique_name}_src", "url_env": "NEX_TEST_SOURCE_URL"}}
    )
    with pytest.raises(LoadError, match=r"NEX_TEST_SOURCE_URL .* is not set"):
        load_dataset(ds, (Path("."), Path(".")), database=database)
    monkeypatch.setenv("NEX_TEST_SOURCE_URL", database.sqlalchemy_url())
    assert load_dataset(ds, (Path("."), Path(".")), database=database).rows == 1


def test_missing_source_table_is_named(database, unique_name):
    ds = Dataset.model_validate({"name": unique_name, "source": {"table": "public.nowhere_at_all"}})
    with pytest.raises(LoadError, match=r"source table public\.nowhere_at_all does not exist"):
        load_dataset(ds, (Path("."), Path(".")), database=database)


def test_two_loads_of_one_dataset_at_once_queue_and_nothing_is_corrupted(
    tmp_path, database, conn, unique_name
):
    from concurrent.futures import ThreadPoolExecutor

    paths = []
    for n in (20_000, 30_000):
        path = tmp_path / f"v{n}.csv"
        path.write_text("id,v\n" + "".join(f"{i},{n}\n" for i in range(n)))
        paths.append(path)
    ds = dataset(unique_name, paths[0], primary_key=["id"])
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda p: load(ds, [p], database=database), paths))
    assert sorted(r.rows for r in results) == [20_000, 30_000]
    count, distinct_v, max_v = conn.execute(
        f'select count(*), count(distinct v), max(v) from raw."{unique_name}"'
    ).fetchone()
    assert distinct_v == 1 and count == max_v
    versions = conn.execute(
        "select count(*) from nex.dataset_versions where dataset = %s", (unique_name,)
    ).fetchone()
    assert versions == (2,)


def test_exported_dates_numbers_and_missing_markers_load_typed(tmp_path, database, conn, unique_name):
    """A spreadsheet export: US and European dates, decimal commas, thousands separators, currency,
    percentages and R's NA; each column lands with its type, converted inside PostgreSQL."""
    path = tmp_path / "export.csv"
    path.write_text(
        "id;ordered;delivered;price;revenue;share;visits;note\n"
        "1;03/15/2024;15.03.2024;1.234,56;$1,200.00;12,5%;7;first\n"
        "2;12/01/2023;01.12.2023;12,5;$35.10;3%;NA;-\n"
        "3;01/31/2024;31.01.2024;0,99;-$3.25;100%;12;third\n",
        encoding="utf-8",
    )
    result = load(dataset(unique_name, path, primary_key=["id"]), [path], database=database)
    types = dict(result.columns)
    assert types["ordered"] == types["delivered"] == "date"
    assert types["price"] == types["revenue"] == types["share"] == "double precision"
    assert types["visits"] == "bigint" and types["note"] == "text"
    assert any("ordered: read as date (MM/DD/YYYY)" in n for n in result.notes)
    got = conn.execute(
        f'select ordered::text, delivered::text, price, revenue, share, visits from raw."{unique_name}" '
        "order by id"
    ).fetchall()
    assert got == [
        ("2024-03-15", "2024-03-15", 1234.56, 1200.0, 12.5, 7),
        ("2023-12-01", "2023-12-01", 12.5, 35.1, 3.0, None),
        ("2024-01-31", "2024-01-31", 0.99, -3.25, 100.0, 12),
    ]


def test_a_value_that_does_not_convert_keeps_the_column_as_text_with_a_note(
    tmp_path, database, conn, unique_name
):
    path = tmp_path / "late_dates.csv"
    lines = ["id,day"] + [f"{i},03/{(i % 28) + 1:02d}/2024" for i in range(1, 25_001)] + ["25001,03/45/2024"]
    path.write_text("\n".join(lines) + "\n")
    result = load(dataset(unique_name, path, primary_key=["id"]), [path], database=database)
    assert dict(result.columns)["day"] == "text"
    assert any("day: kept as text" in n for n in result.notes)
    assert conn.execute(f'select count(*) from raw."{unique_name}"').fetchone() == (25001,)
