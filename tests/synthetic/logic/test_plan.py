from __future__ import annotations

import pandas as pd

from nex_assets.synthetic.logic.plan import (
    CONSTANT,
    FAKE,
    GENERATED,
    IDENTIFIER,
    KEY,
    MODEL,
    NULL,
    ColumnInfo,
    id_regex,
    plan_table,
    sdv_table,
)


def test_id_regex_keeps_the_shape_of_keys_with_room_for_every_row():
    assert id_regex(pd.Series(["S0001", "S0002", "S0100"])) == "S[0-9]{4}"
    assert id_regex(pd.Series(range(1, 9962))) == "[1-9][0-9]{4}"
    assert id_regex(pd.Series([f"C{i}" for i in range(1, 60)])) is None  # widths differ
    assert id_regex(pd.Series(["a-1", "bb"])) is None


def test_each_column_gets_the_treatment_its_profile_calls_for():
    n = 50
    frame = pd.DataFrame(
        {
            "id": [f"K{i:03d}" for i in range(n)],
            "email": [f"p{i}@x.org" for i in range(n)],
            "constant": ["x"] * n,
            "empty": [None] * n,
            "note": [f"note {i}" for i in range(n)],
            "customer_id": [f"C{i % 40:03d}" for i in range(n)],
            "amount": [float(i) for i in range(n)],
            "day": pd.date_range("2024-01-01", periods=n),
            "colour": ["red", "blue"] * (n // 2),
            "payload": ["{}"] * n,
        }
    )
    info = {
        "id": ColumnInfo("text", "identifier"),
        "email": ColumnInfo("text", "free_text", sensitive=True, personal_kind="email"),
        "constant": ColumnInfo("text", "categorical"),
        "empty": ColumnInfo("text", "categorical"),
        "note": ColumnInfo("text", "free_text"),
        "customer_id": ColumnInfo("text", "identifier"),
        "amount": ColumnInfo("double precision", "numeric"),
        "day": ColumnInfo("date", "datetime"),
        "colour": ColumnInfo("text", "categorical"),
        "payload": ColumnInfo("jsonb", "free_text"),
    }
    plans = {p.name: p for p in plan_table(frame, info, ["id"], high_cardinality_share=0.9)}
    assert {k: p.treatment for k, p in plans.items()} == {
        "id": KEY,
        "email": FAKE,
        "constant": CONSTANT,
        "empty": NULL,
        "note": GENERATED,
        "customer_id": IDENTIFIER,
        "amount": MODEL,
        "day": MODEL,
        "colour": MODEL,
        "payload": NULL,
    }
    assert plans["email"].personal_kind == "email" and "none equal to a real one" in plans["email"].reason
    assert plans["day"].sdtype == "datetime" and plans["day"].datetime_format == "%Y-%m-%d"
    table = sdv_table(list(plans.values()))
    assert table["primary_key"] == "id"
    assert table["columns"]["id"] == {"sdtype": "id", "regex_format": "K[0-9]{3}"}
    assert set(table["columns"]) == {"id", "customer_id", "amount", "day", "colour"}


def test_parts_of_a_composite_key_are_learnt_and_say_so():
    frame = pd.DataFrame({"a": ["x", "y"] * 5, "b": list(range(10)), "v": [1.0] * 9 + [2.0]})
    info = {c: ColumnInfo("text" if c == "a" else "integer", "categorical") for c in frame}
    plans = {p.name: p for p in plan_table(frame, info, ["a", "b"], high_cardinality_share=0.9)}
    assert plans["a"].treatment == MODEL and "composite key" in plans["a"].reason


def test_yes_no_columns_in_any_spelling_are_learnt_as_booleans_and_written_back_as_they_were():
    import numpy as np

    from nex_assets.synthetic.logic.fit import sdv_frame
    from nex_assets.synthetic.logic.plan import flag_values

    frame = pd.DataFrame(
        {
            "promo": pd.array([0, 1, 1, 0, None], dtype="Int64"),
            "airco": ["yes", "no", "no", None, "yes"],
            "state": pd.array([1, 5, 5, 51, 1], dtype="Int64"),
        }
    )
    columns = {
        "promo": ColumnInfo("bigint", "boolean", semantic="flag"),
        "airco": ColumnInfo("text", "categorical", semantic="flag"),
        "state": ColumnInfo("bigint", "numeric", semantic="identifier"),
    }
    plans = {p.name: p for p in plan_table(frame, columns, [], high_cardinality_share=0.9)}
    assert plans["promo"].sdtype == "boolean" and plans["promo"].flag_values == (0, 1)
    assert plans["airco"].sdtype == "boolean" and plans["airco"].flag_values == ("no", "yes")
    # A state code is a label: never learnt as a number.
    assert plans["state"].sdtype == "categorical"
    learnt = sdv_frame(frame, list(plans.values()))
    assert learnt["promo"].tolist() == [False, True, True, False, None]
    assert learnt["airco"].tolist() == [True, False, False, None, True]
    assert flag_values(pd.Series(["Y", None])) == ("N", "Y")
    assert flag_values(pd.Series([np.int64(1), np.int64(1)])) == (0, 1)
    assert flag_values(pd.Series(["yes", "maybe"])) is None
