"""Suite files: parsed without GX, grouped into checks, and rejected with the file and index named."""

from __future__ import annotations

import json

import pytest

from nex_assets.quality.logic.suite import SuiteError, find_suite, load_suite, parse_suite
from tests.core.helpers import ROOT

DATASETS = (
    "retail_customers",
    "retail_offer_events",
    "retail_offers",
    "retail_products",
    "retail_sales",
    "retail_stores",
)


def _suite(*expectations: dict) -> dict:
    return {"name": "shop", "expectations": list(expectations)}


def test_groups_follow_columns_and_split_by_severity():
    suite = parse_suite(
        _suite(
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "email"}},
            {
                "type": "expect_column_values_to_be_unique",
                "kwargs": {"column": "email"},
                "meta": {"severity": "warn"},
            },
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["a", "b"]}},
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
            {
                "type": "unexpected_rows_expectation",
                "kwargs": {
                    "unexpected_rows_query": "select * from {batch} where x not in (select x from raw.t)"
                },
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "age", "min_value": 0},
                "meta": {"group": "person", "dimension": "validity", "note": "kept"},
            },
        ),
        dataset="shop",
        file="shop.json",
    )
    groups = {g.name: g for g in suite.groups()}
    assert set(groups) == {"email", "email_warn", "a__b", "table", "references", "person"}
    assert groups["email"].blocking and not groups["email_warn"].blocking
    assert [e.dimension for e in groups["email_warn"].expectations] == ["uniqueness"]
    assert groups["references"].expectations[0].dimension == "consistency"
    person = groups["person"].expectations[0]
    assert person.dimension == "validity" and person.meta["note"] == "kept"
    assert suite.to_gx_dict()["expectations"][1]["meta"]["severity"] == "warn"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON: Expecting property name"),
        ("[]", "expected a JSON object"),
        (json.dumps({"name": "other", "expectations": []}), "`name` is 'other'"),
        (
            json.dumps(_suite({"type": "expect_magic", "kwargs": {}})),
            "expectations.0.type: Value error, unsupported",
        ),
        (
            json.dumps(
                _suite(
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}, {"kind": 1}
                )
            ),
            "expectations.1.type: Field required",
        ),
        (
            json.dumps(_suite({"type": "expect_column_values_to_be_unique", "kwargs": {}})),
            "expectations.0: Value error, kwargs must name the column",
        ),
        (
            json.dumps(
                _suite(
                    {
                        "type": "expect_column_values_to_be_unique",
                        "kwargs": {"column": "a"},
                        "meta": {"severity": "fatal"},
                    }
                )
            ),
            "expectations.0.meta.severity: Input should be 'error' or 'warn'",
        ),
        (
            json.dumps(
                _suite(
                    {"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": "select 1"}}
                )
            ),
            "must be a SQL string that reads from {batch}",
        ),
        (
            json.dumps(
                _suite(
                    {
                        "type": "expect_column_values_to_be_unique",
                        "kwargs": {"column": "a"},
                        "meta": {"dimension": "beauty"},
                    }
                )
            ),
            "unknown dimension 'beauty'",
        ),
    ],
)
def test_malformed_suites_name_the_file_and_the_place(tmp_path, content, message):
    path = tmp_path / "shop.json"
    path.write_text(content)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_no_suite_is_none_and_suggestions_are_never_read(tmp_path):
    (tmp_path / "suggested").mkdir()
    (tmp_path / "suggested" / "shop.json").write_text(json.dumps(_suite()))
    assert find_suite(tmp_path, "shop") is None


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_sample_world_suite_parses(dataset):
    suite = find_suite(ROOT / "expectations", dataset)
    assert suite is not None and len(suite.expectations) >= 10
    groups = suite.groups()
    assert any(g.blocking for g in groups)
    assert len({g.name for g in groups}) == len(groups)
