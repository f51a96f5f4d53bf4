"""Accepting a model's suggestion, as pure logic: what the override file gets, what the entry becomes
(exactly what the next build makes of the file), the file's text kept as people wrote it, and the
check that keeps a model's numbers to its facts."""

from __future__ import annotations

import pytest
import yaml

from nex_assets.dictionary.logic import numbers
from nex_assets.dictionary.logic import plan as P
from nex_assets.dictionary.logic import review as R
from nex_assets.dictionary.logic.facts import column_facts
from nex_assets.dictionary.logic.models import TABLE, Entry, load_overrides, override_status
from tests.dictionary.logic.test_dictionary_logic import PRICE

FILE = """\
# Corrections by the pricing team.
author: team:pricing
columns:
  units_sold:
    description: Units sold in the week.  # checked against the till data
    tags: [volume]
"""


def _suggested(column: str = "price") -> Entry:
    return Entry(
        dataset="retail_sales",
        column_name=column,
        kind="column" if column else "table",
        description="Price charged per unit.",
        business_meaning="What a customer pays.",
        unit="GBP" if column else None,
        tags=["numeric", "money"],
        writer="qwen",
        source="llm",
        status="suggested",
        model="qwen",
        prompt_hash="p",
        profile_hash="h",
        author="nex-dictionary",
        version=1,
    )


def test_a_named_entry_is_a_column_or_the_table():
    entries = {"", "price", "table"}
    assert R.resolve("price", entries) == "price" and R.resolve("(table)", entries) == TABLE
    # A column called `table` is that column; `(table)` still names the table's own entry.
    assert R.resolve("table", entries) == "table" and R.resolve("table", {"", "price"}) == TABLE
    assert R.resolve("nope", entries) is None and R.resolve("", entries) is None


def test_accepting_writes_the_whole_suggestion_and_the_next_build_finds_it_unchanged(tmp_path):
    path = tmp_path / "retail_sales.yaml"
    path.write_text(FILE)
    entry = _suggested()
    fields = R.override_fields(entry, None, "ana", "Shelf price of one unit.")
    assert fields == {
        "description": "Shelf price of one unit.",
        "business_meaning": "What a customer pays.",
        "unit": "GBP",
        "tags": ["numeric", "money"],
        "author": "ana",
        "accepted_from": "qwen",
    }
    text = R.set_override(path.read_text(), "retail_sales", "price", fields)
    # The person's comments, their entry and its order are kept; the accepted one is added.
    assert text.startswith(FILE.splitlines()[0]) and "# checked against the till data" in text
    assert text.index("units_sold") < text.index("price") and "tags: [numeric, money]" in text
    path.write_text(text)
    overrides = load_overrides(path, {"price", "units_sold"})
    assert overrides.columns["units_sold"].description == "Units sold in the week."
    override = overrides.columns["price"]
    assert override_status(override) == "accepted"

    accepted = R.accepted_entry(entry, override, "ana")
    assert (accepted.status, accepted.source, accepted.writer, accepted.author, accepted.version) == (
        "accepted",
        "override",
        "person:ana",
        "ana",
        2,
    )
    assert accepted.description == "Shelf price of one unit." and accepted.unit == "GBP" and accepted.reviewed
    assert not entry.reviewed
    # The plan of the next build sees the entry as the file says: nothing to write again.
    assert P.plan({"price": accepted}, {"price": "h"}, overrides)[0].reason == P.UNCHANGED


def test_a_persons_entry_is_edited_only_with_text_and_only_once_applied(tmp_path):
    path = tmp_path / "retail_sales.yaml"
    path.write_text(FILE)
    override = load_overrides(path).columns["units_sold"]
    applied = _suggested("units_sold").model_copy(
        update={"source": "override", "status": "curated", "prompt_hash": R.override_hash(override)}
    )
    assert R.override_fields(applied, override, "bo", "Units sold.") == {
        "description": "Units sold.",
        "author": "bo",
    }
    with pytest.raises(R.ReviewError, match="already a person's text"):
        R.override_fields(applied, override, "bo", None)
    # The file changed and no build applied it yet: accepting would overwrite what nobody has seen.
    with pytest.raises(R.ReviewError, match="materialize retail_sales/dictionary first"):
        R.override_fields(_suggested("units_sold"), override, "bo", "Units sold.")
    with pytest.raises(R.ReviewError, match="empty"):
        R.override_fields(_suggested(), None, "bo", "  ")
    # Edited, a person's own text stays curated: no model suggested it.
    text = R.set_override(FILE, "retail_sales", "units_sold", {"description": "Units sold.", "author": "bo"})
    path.write_text(text)
    edited = load_overrides(path).columns["units_sold"]
    assert edited.tags == ["volume"] and R.accepted_entry(applied, edited, "bo").status == "curated"


def test_a_new_file_and_the_tables_entry_read_back_as_the_platform_reads_yaml():
    table = _suggested(TABLE)
    fields = R.override_fields(table, None, "ana", "yes")
    assert "unit" not in fields
    text = R.set_override(None, "retail_sales", TABLE, fields)
    assert text.startswith("# People's corrections to the generated dictionary of retail_sales.")
    # `yes` is a string to ruamel (YAML 1.2) but a boolean to PyYAML (1.1): it is quoted.
    doc = yaml.safe_load(text)
    assert doc["table"]["description"] == "yes" and doc["table"]["accepted_from"] == "qwen"
    with pytest.raises(R.ReviewError, match="columns: expected a mapping"):
        R.set_override("columns: [a, b]\n", "retail_sales", "price", fields)


def test_a_models_numbers_must_be_its_facts_numbers():
    facts = column_facts(PRICE, primary_key=[], unit="GBP")
    known = numbers.numbers_in([facts, "retail_sales", ["price", "units_sold"]])
    assert numbers.unsupported("Ranges from 0.50 to 9.99 GBP, mean 3.2; missing in 2% of rows.", known) == []
    assert numbers.unsupported("Usually about 777 GBP, up to 9.99.", known) == [777.0]
