"""The dictionary's pure logic: what prompts may carry, the rule-based writer, overrides and planning."""

from __future__ import annotations

import json

import pytest

from nex_assets.dictionary.logic import facts as F
from nex_assets.dictionary.logic import plan as P
from nex_assets.dictionary.logic import rules
from nex_assets.dictionary.logic.dbt import downstream_models
from nex_assets.dictionary.logic.models import Entry, OverrideError, load_overrides, override_hash

EMAIL = {
    "column_name": "email",
    "pg_type": "text",
    "inferred_type": "identifier",
    "sensitive": True,
    "row_count": 100,
    "null_share": 0.0,
    "distinct_count": 100,
    "stats": {
        "patterns": [{"pattern": "a+9+@a+.a+", "share": 0.9}],
        "examples": ["aaaa99@aaaa.aaa"],
        "top_values": [{"value": "aaaa@aa.aa", "share": 0.01}],
        "min_length": 12,
        "max_length": 30,
        "personal_data": "email",
    },
}
BIRTH = {
    **EMAIL,
    "column_name": "birth_date",
    "pg_type": "date",
    "inferred_type": "datetime",
    "stats": {"min": "1940-01-02", "max": "2006-05-01"},
}
PRICE = {
    "column_name": "price",
    "pg_type": "double precision",
    "inferred_type": "numeric",
    "sensitive": False,
    "row_count": 1000,
    "null_share": 0.02,
    "distinct_count": 50,
    "stats": {"min": 0.5, "max": 9.99, "mean": 3.2, "q50": 2.9, "outliers": 4, "examples": ["1.19"]},
}


def test_sensitive_columns_carry_shapes_and_counts_only():
    facts = F.column_facts(EMAIL, primary_key=[])
    assert facts["value_shapes"] == ["a+9+@a+.a+"] and facts["personal_data"] == "email"
    assert not {"examples", "top_values", "min", "max"} & set(facts)
    birth = F.column_facts(BIRTH, primary_key=[])
    assert "1940" not in json.dumps(birth)


def test_other_columns_carry_statistics_unit_and_owner_note():
    facts = F.column_facts(PRICE, primary_key=[], unit="GBP", note="Price charged.")
    assert facts["min"] == 0.5 and facts["unit"] == "GBP" and facts["owner_note"] == "Price charged."
    messages = F.column_messages("retail_sales", "Weekly sales.", facts, ["price", "units_sold"])
    assert messages[0]["role"] == "system" and "`price`" in messages[1]["content"]


def test_rule_based_text_is_deterministic_and_phrased_from_facts():
    facts = F.column_facts(PRICE, primary_key=[], unit="GBP")
    text = rules.column_text("retail_sales", facts)
    assert text == rules.column_text("retail_sales", facts)
    assert "price in GBP" in text.description and "0.5 to 9.99" in text.description
    assert text.business_meaning == "The price for each sale." and "money" in text.tags
    personal = rules.column_text("retail_customers", F.column_facts(EMAIL, primary_key=[]))
    assert personal.personal_data and "personal-data" in personal.tags
    assert (
        rules.words("avg_basket_value") == "average basket value" and rules.entity("retail_stores") == "store"
    )


def test_rule_based_text_says_nothing_empty_and_nothing_wrong():
    # A year is written as a year; a word keeps its plain sense inside a longer name.
    year = {
        "column": "year",
        "kind": "numeric",
        "semantic": "year",
        "min": 1985,
        "max": 1995,
        "distinct_values": 11,
        "null_share": 0.0,
    }
    assert "From 1985 to 1995" in rules.column_text("cigarette", year, "state and year").description
    assert rules.meaning("staff_costs") == "staff costs" and rules.meaning("staff") == "number of staff"
    assert rules.meaning("pop16") == "population (people) 16"
    # Where no key says what a row is, no sentence pretends to.
    costs = {
        "column": "staff_costs",
        "kind": "numeric",
        "semantic": "amount",
        "min": 1.0,
        "max": 9.0,
        "mean": 3.0,
        "null_share": 0.0,
    }
    text = rules.column_text("sbs2000", costs, "row")
    assert text.business_meaning == "" and "for each row" not in text.description
    table = rules.table_text(
        "sbs2000", {"primary_key": [], "description": "", "rows": 60, "columns": [{"name": "staff"}]}, "row"
    )
    assert "One row per row" not in table.description and "No column or pair of columns" in table.description


def _entry(column: str, profile_hash: str, source: str = "llm", prompt_hash: str = "p") -> Entry:
    return Entry(
        dataset="d",
        column_name=column,
        kind="column",
        description="x",
        writer="w",
        source=source,
        status={"llm": "suggested", "override": "curated"}.get(source, source),
        profile_hash=profile_hash,
        prompt_hash=prompt_hash,
        author="a",
        version=1,
    )


def test_plan_describes_only_new_and_stale_entries_and_never_regenerates_overrides(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("author: ana\ncolumns:\n  c:\n    description: By hand.\n")
    overrides = load_overrides(path, {"a", "b", "c", "gone"})
    current = {
        "a": _entry("a", "h1"),
        "b": _entry("b", "old"),
        "c": _entry("c", "old", "override", override_hash(overrides.columns["c"])),
        "gone": _entry("gone", "h"),
    }
    tasks = {
        t.column: t.reason for t in P.plan(current, {"a": "h1", "b": "h2", "c": "h3", "n": "h"}, overrides)
    }
    assert tasks == {"a": "unchanged", "b": "stale", "c": "unchanged", "n": "new", "gone": "removed"}
    assert P.stale_columns(current, {"a": "h1", "b": "h2", "c": "h3"}) == ["b", "c"]
    # An edited override is applied again; a removed one hands the entry back to the writer.
    path.write_text("columns:\n  c:\n    description: Edited by hand.\n")
    edited = load_overrides(path)
    assert P.plan({"c": current["c"]}, {"c": "old"}, edited)[0].reason == "override"
    assert P.plan({"c": current["c"]}, {"c": "old"}, load_overrides(tmp_path / "none.yaml"))[0].needs_writer


def test_what_the_rules_wrote_is_written_again_once_a_model_answers(tmp_path):
    none = load_overrides(tmp_path / "none.yaml")
    current = {"a": _entry("a", "h", "rule-based"), "b": _entry("b", "h", "llm")}
    hashes = {"a": "h", "b": "h"}
    assert {t.reason for t in P.plan(current, hashes, none)} == {"unchanged"}
    tasks = {t.column: t for t in P.plan(current, hashes, none, model="qwen")}
    assert tasks["a"].reason == P.MODEL_AVAILABLE and tasks["a"].needs_writer
    assert tasks["b"].reason == "unchanged"
    # The model that failed on an entry is not asked again for it while nothing changed.
    failed = {"a": current["a"].model_copy(update={"model": "qwen"})}
    assert P.plan(failed, {"a": "h"}, none, model="qwen")[0].reason == "unchanged"
    assert P.plan(failed, {"a": "h"}, none, model="bigger-model")[0].reason == P.MODEL_AVAILABLE


def test_a_bad_override_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "retail_sales.yaml"
    path.write_text("columns:\n  nope:\n    description: x\n")
    with pytest.raises(OverrideError, match=r"retail_sales\.yaml.*nope"):
        load_overrides(path, {"price"})
    path.write_text("columns:\n  price:\n    descripton: typo\n")
    with pytest.raises(OverrideError, match=r"retail_sales\.yaml"):
        load_overrides(path, {"price"})


def test_downstream_models_follow_the_manifest():
    manifest = {
        "sources": {"source.p.r.sales": {"name": "sales"}, "source.p.r.stores": {"name": "stores"}},
        "nodes": {
            "model.p.stg_sales": {
                "resource_type": "model",
                "name": "stg_sales",
                "schema": "staging",
                "alias": "stg_sales",
                "depends_on": {"nodes": ["source.p.r.sales"]},
                "columns": {"price": {}},
            },
            "model.p.perf": {
                "resource_type": "model",
                "name": "perf",
                "schema": "marts",
                "alias": None,
                "depends_on": {"nodes": ["model.p.stg_sales"]},
                "columns": {},
            },
            "model.p.stg_stores": {
                "resource_type": "model",
                "name": "stg_stores",
                "schema": "staging",
                "alias": "stg_stores",
                "depends_on": {"nodes": ["source.p.r.stores"]},
                "columns": {},
            },
        },
    }
    assert [(m.schema, m.relation) for m in downstream_models(manifest, "sales")] == [
        ("staging", "stg_sales"),
        ("marts", "perf"),
    ]


def test_rule_based_text_knows_composite_keys_codes_years_and_common_words():
    """The phrases a person would not be embarrassed by, on the shape of R's Cigar panel."""
    subject = rules.row_subject("cigar", ["state", "year"])
    assert subject == "state and year"
    state = {
        "column": "state",
        "kind": "numeric",
        "semantic": "identifier",
        "key_with": ["year"],
        "min": 1,
        "max": 51,
        "mean": 26.8,
        "distinct_values": 46,
        "null_share": 0.0,
    }
    text = rules.column_text("cigar", state, subject)
    assert "Identifies each state and year together with year." in text.description
    assert "mean" not in text.description and "From 1 to 51; 46 distinct values." in text.description
    cpi = {
        "column": "cpi",
        "kind": "numeric",
        "semantic": "measure",
        "min": 30.6,
        "max": 140.3,
        "mean": 73.6,
        "distinct_values": 30,
        "null_share": 0.0,
    }
    assert rules.column_text("cigar", cpi, subject).business_meaning == (
        "The consumer price index for each state and year."
    )
    assert rules.meaning("pop16") == "population (people) 16"
    assert rules.row_subject("housing", ["rownames"], row_number=True) == "row"
    assert rules.row_subject("retail_customers", ["customer_id"]) == "customer"
    assert (
        rules.row_subject("retail_sales", ["week_start", "store_id", "sku"])
        == "week start, store and stock keeping unit"
    )
