"""The dataset catalog: YAML files validated at load time, and the files each dataset loads."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from nex_assets.common.problems import Problems
from nex_assets.datasets.logic.catalog import CatalogError, load_catalog, load_dataset

VALID = """\
name: shop_sales
description: Weekly sales.
group: retail
owner: team:analytics
source:
  path: data/sales/*.csv
  encoding: latin-1
  delimiter: ";"
primary_key: [Week Start, store_id]
sensitive: [Customer Email]
columns:
  Unit Price: {type: numeric, unit: GBP}
  phone: {sensitive: true, description: Contact number}
  week_start: {type: date}
landing:
  mode: append
  pattern: "*.txt"
tags: {domain: retail}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def minimal(name: str, source: str = "path: data/x.csv", extra: str = "") -> str:
    return f"name: {name}\nsource:\n  {source}\n{extra}"


def touch(path: Path, mtime: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a\n1\n", encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


# --- load_dataset ------------------------------------------------------------------------------


def test_valid_dataset_is_loaded_with_normalised_names(tmp_path):
    path = write(tmp_path, "shop_sales.yaml", VALID)
    ds = load_dataset(path)
    assert ds.name == "shop_sales"
    assert ds.file == str(path)
    assert ds.group == "retail"
    assert ds.source.path == "data/sales/*.csv"
    assert ds.source.delimiter == ";"
    assert ds.primary_key == ["week_start", "store_id"]
    assert set(ds.columns) == {"unit_price", "phone", "week_start"}
    assert ds.columns["unit_price"].unit == "GBP"
    assert ds.type_hints == {"unit_price": "numeric", "week_start": "date"}
    assert ds.landing.mode == "append"
    assert ds.tags == {"domain": "retail"}


def test_defaults(tmp_path):
    ds = load_dataset(write(tmp_path, "plain.yaml", minimal("plain")))
    assert ds.group == "datasets"
    assert ds.primary_key == []
    assert ds.allow_empty is False
    assert ds.landing.mode == "replace"
    assert ds.landing.pattern == "*.csv"
    assert ds.source.format == "csv"


def test_sensitive_columns_are_the_union_of_list_and_column_flags(tmp_path):
    ds = load_dataset(write(tmp_path, "shop_sales.yaml", VALID))
    assert ds.sensitive_columns == {"customer_email", "phone"}


def test_invalid_yaml(tmp_path):
    path = write(tmp_path, "broken.yaml", "name: broken\nsource: [unclosed\n")
    with pytest.raises(CatalogError, match=r"broken\.yaml: not valid YAML"):
        load_dataset(path)


@pytest.mark.parametrize(("text", "kind"), [("- a\n- b\n", "list"), ("just text\n", "str"), ("", "NoneType")])
def test_not_a_mapping(tmp_path, text, kind):
    path = write(tmp_path, "odd.yaml", text)
    with pytest.raises(CatalogError, match=rf"odd\.yaml: expected a mapping .* got {kind}"):
        load_dataset(path)


def test_unknown_top_level_key_names_the_file_and_field(tmp_path):
    path = write(tmp_path, "typo.yaml", minimal("typo", extra="primary_keys: [id]\n"))
    with pytest.raises(CatalogError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "primary_keys" in message


def test_unknown_nested_key_names_its_path(tmp_path):
    path = write(tmp_path, "typo.yaml", minimal("typo", source="path: x.csv\n  sep: ';'"))
    with pytest.raises(CatalogError, match=r"typo\.yaml: source\.sep: "):
        load_dataset(path)


@pytest.mark.parametrize(
    "source",
    ["path: data/x.csv\n  table: public.x", "encoding: utf-8"],
    ids=["both", "neither"],
)
def test_source_needs_exactly_one_of_path_or_table(tmp_path, source):
    path = write(tmp_path, "src.yaml", minimal("src", source=source))
    with pytest.raises(CatalogError, match=r"src\.yaml: source: .*exactly one of `path` or `table`"):
        load_dataset(path)


def test_table_source_is_accepted_and_has_no_files(tmp_path):
    ds = load_dataset(write(tmp_path, "tbl.yaml", minimal("tbl", source="table: public.orders")))
    assert ds.source.table == "public.orders"
    assert ds.source_files(tmp_path) == []


def test_url_env_needs_a_table_source(tmp_path):
    path = write(tmp_path, "src.yaml", minimal("src", source="path: x.csv\n  url_env: SRC_URL"))
    with pytest.raises(CatalogError, match="`url_env` applies to a `table` source only"):
        load_dataset(path)


def test_delimiter_must_be_one_character(tmp_path):
    path = write(tmp_path, "src.yaml", minimal("src", source="path: x.csv\n  delimiter: ';;'"))
    with pytest.raises(CatalogError, match="`delimiter` must be one character"):
        load_dataset(path)


@pytest.mark.parametrize("name", ["Shop Sales", "shop-sales", "9lives"])
def test_bad_dataset_name(tmp_path, name):
    path = write(tmp_path, "whatever.yaml", minimal(f"'{name}'"))
    with pytest.raises(CatalogError, match=r"whatever\.yaml: name: .*lower-case snake_case"):
        load_dataset(path)


def test_file_name_must_match_the_dataset_name(tmp_path):
    path = write(tmp_path, "sales.yaml", minimal("shop_sales"))
    with pytest.raises(CatalogError, match=r"sales\.yaml: the file must be named after its dataset") as info:
        load_dataset(path)
    assert "(shop_sales.yaml)" in str(info.value)


def test_unknown_column_type_hint(tmp_path):
    path = write(tmp_path, "hints.yaml", minimal("hints", extra="columns:\n  price: {type: varchar}\n"))
    with pytest.raises(CatalogError, match=r"hints\.yaml: columns\.price\.type: .*unknown type 'varchar'"):
        load_dataset(path)


def test_unknown_landing_mode(tmp_path):
    path = write(tmp_path, "land.yaml", minimal("land", extra="landing: {mode: merge}\n"))
    with pytest.raises(CatalogError, match=r"land\.yaml: landing\.mode"):
        load_dataset(path)


# --- load_catalog ------------------------------------------------------------------------------


def test_load_catalog_reads_yaml_and_yml_sorted(tmp_path):
    folder = tmp_path / "datasets"
    write(folder, "b_set.yaml", minimal("b_set"))
    write(folder, "a_set.yaml", minimal("a_set"))
    write(folder, "c_set.yml", minimal("c_set"))
    write(folder, "notes.txt", "not a dataset")
    assert [ds.name for ds in load_catalog(folder)] == ["a_set", "b_set", "c_set"]


def test_load_catalog_rejects_a_dataset_defined_twice(tmp_path):
    folder = tmp_path / "datasets"
    first = write(folder, "dup.yaml", minimal("dup"))
    second = write(folder, "dup.yml", minimal("dup"))
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    message = str(info.value)
    assert message.startswith(f"{second}: dataset 'dup' is already defined in {first}")


def test_load_catalog_of_a_missing_folder_is_empty(tmp_path):
    assert load_catalog(tmp_path / "nowhere") == []


def test_load_catalog_propagates_a_bad_file(tmp_path):
    folder = tmp_path / "datasets"
    write(folder, "good.yaml", minimal("good"))
    write(folder, "bad.yaml", minimal("bad", extra="colour: blue\n"))
    with pytest.raises(CatalogError, match=r"bad\.yaml: colour"):
        load_catalog(folder)


# --- files -------------------------------------------------------------------------------------


def test_source_files_for_a_glob_are_sorted_files_only(tmp_path):
    ds = load_dataset(write(tmp_path / "datasets", "shop_sales.yaml", VALID))
    data = tmp_path / "data" / "sales"
    touch(data / "2024-02.csv", 100)
    touch(data / "2024-01.csv", 200)
    touch(data / "readme.txt", 100)
    (data / "archive.csv").mkdir()
    assert ds.source_files(tmp_path) == [data / "2024-01.csv", data / "2024-02.csv"]


def test_source_files_for_a_plain_path_is_that_path_even_if_missing(tmp_path):
    ds = load_dataset(write(tmp_path, "plain.yaml", minimal("plain", source="path: data/plain.csv")))
    assert ds.source_files(tmp_path) == [tmp_path / "data" / "plain.csv"]


def test_source_files_for_an_absolute_path(tmp_path):
    target = touch(tmp_path / "elsewhere" / "abs.csv", 100)
    ds = load_dataset(write(tmp_path, "abs.yaml", minimal("abs", source=f"path: '{target}'")))
    assert ds.source_files(tmp_path / "project") == [target]


def landing_setup(tmp_path: Path, mode: str) -> tuple:
    project = tmp_path / "project"
    ds = load_dataset(
        write(project / "datasets", "drops.yaml", minimal("drops", extra=f"landing: {{mode: {mode}}}\n"))
    )
    source = touch(project / "data" / "x.csv", 50)
    landing = tmp_path / "landing"
    older = touch(landing / "drops" / "b_older.csv", 100)
    newer = touch(landing / "drops" / "a_newer.csv", 300)
    touch(landing / "drops" / ".hidden.csv", 999)
    touch(landing / "drops" / "notes.txt", 999)
    touch(landing / "other" / "z.csv", 999)
    return ds, project, landing, source, older, newer


def test_replace_mode_loads_only_the_newest_landing_file(tmp_path):
    ds, project, landing, _source, _older, newer = landing_setup(tmp_path, "replace")
    assert ds.files_to_load(project, landing) == [newer]


def test_append_mode_loads_source_and_all_landing_files(tmp_path):
    ds, project, landing, source, older, newer = landing_setup(tmp_path, "append")
    assert ds.landing_files(landing) == [newer, older]  # by name
    assert ds.files_to_load(project, landing) == [source, newer, older]


def test_dot_files_are_never_landing_files(tmp_path):
    ds, _project, landing, *_ = landing_setup(tmp_path, "append")
    assert all(not p.name.startswith(".") for p in ds.landing_files(landing))
    assert (landing / "drops" / ".hidden.csv").exists()


def test_replace_mode_without_landing_files_loads_the_source(tmp_path):
    ds, project, _landing, source, *_ = landing_setup(tmp_path, "replace")
    assert ds.files_to_load(project, tmp_path / "empty_landing") == [source]


def test_replace_mode_breaks_mtime_ties_by_name(tmp_path):
    ds, project, landing, *_ = landing_setup(tmp_path, "replace")
    tie_a = touch(landing / "drops" / "m.csv", 500)
    touch(landing / "drops" / "k.csv", 500)
    assert ds.files_to_load(project, landing) == [tie_a]


def _write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\n{body}")
    return path


@pytest.mark.parametrize(
    "source",
    ["{path: ../outside.csv}", "{path: /etc/passwd}", "{path: 'data/../../outside/*.csv'}"],
)
def test_a_source_path_that_leaves_the_project_is_refused_naming_the_file(tmp_path, source):
    project = tmp_path / "project"
    _write(project / "datasets", "escape", f"source: {source}\n")
    with pytest.raises(
        CatalogError, match=r"escape.yaml: source.path .* leads outside the folders NEX reads"
    ):
        load_catalog(project / "datasets")


def test_a_symbolic_link_out_of_the_project_is_refused(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    (project / "data" / "link.csv").symlink_to(secret)
    _write(project / "datasets", "linked", "source: {path: data/link.csv}\n")
    with pytest.raises(CatalogError, match=r"linked.yaml: source.path 'data/link.csv' leads outside"):
        load_catalog(project / "datasets")
    # A link made after the catalog was read is caught when the files are listed for a load.
    (project / "data" / "inside.csv").write_text("a\n1\n")
    _write(project / "datasets", "linked", "source: {path: 'data/*.csv'}\n")
    (ds,) = load_catalog(project / "datasets")
    with pytest.raises(CatalogError, match=r"link.csv resolves to .*secret.csv, outside the folders"):
        ds.source_files(project)


def test_a_folder_listed_in_the_settings_may_hold_sources(tmp_path):
    project, shared = tmp_path / "project", tmp_path / "shared"
    shared.mkdir()
    _write(project / "datasets", "elsewhere", f"source: {{path: {shared}/data.csv}}\n")
    (ds,) = load_catalog(project / "datasets", source_roots=[shared])
    assert ds.source_files(project) == [shared / "data.csv"]


def test_with_problems_a_bad_file_is_left_out_and_the_rest_load(tmp_path):
    folder = tmp_path / "datasets"
    _write(folder, "good", "source: {path: data/a.csv}\n")
    _write(folder, "bad", "source: {path: data/b.csv}\nprimary_key: 5\n")
    (folder / "bomb.yaml").write_text(
        "name: bomb\nsource: {path: x.csv}\n"
        + "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)
        )
    )
    long_name = "d" * 64
    _write(folder, long_name, "source: {path: data/c.csv}\n")
    problems = Problems()
    datasets = load_catalog(folder, problems=problems)
    assert [d.name for d in datasets] == ["good"]
    messages = {Path(p.file).name: p.text() for p in problems}
    assert "bad.yaml: primary_key" in messages["bad.yaml"]
    assert "aliases expand" in messages["bomb.yaml"]
    assert "64 characters long; at most 63" in messages[f"{long_name}.yaml"]


def test_sheets_of_a_corrupt_workbook_stay_one_dataset_whose_load_says_why(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "book.xlsx").write_bytes(b"PK\x03\x04 this is no workbook")
    _write(tmp_path / "datasets", "book", 'source: {path: data/book.xlsx, sheet: "*"}\n')
    (ds,) = load_catalog(tmp_path / "datasets", problems=Problems())
    assert ds.name == "book"
