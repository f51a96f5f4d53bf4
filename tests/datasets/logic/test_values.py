"""Dates, numbers and missing values as exports write them."""

from __future__ import annotations

import pytest

from nex_assets.datasets.logic.values import Conversion, is_missing, recognise


@pytest.mark.parametrize(
    ("values", "target", "pattern"),
    [
        (["03/15/2024", "12/01/2023", "01/31/2024"], "date", "MM/DD/YYYY"),
        (["15/03/2024", "01/12/2023", "31/01/2024"], "date", "DD/MM/YYYY"),
        (["15.03.2024", "01.02.2023"], "date", "DD.MM.YYYY"),
        (["15-03-2024", "01-12-2023"], "date", "DD-MM-YYYY"),
        (["2024/03/15", "2023/12/01"], "date", "YYYY/MM/DD"),
        (["Mar 15, 2024", "Dec 1, 2023"], "date", "FMMon DD, YYYY"),
        (["March 15, 2024", "December 1, 2023"], "date", "FMMonth DD, YYYY"),
        (["15 Mar 2024", "1 Dec 2023"], "date", "DD FMMon YYYY"),
        (["03/15/2024 14:30", "12/01/2023 09:05"], "timestamp", "MM/DD/YYYY HH24:MI"),
        (["3/15/24", "12/1/23", "NA"], "date", "MM/DD/YY"),
    ],
)
def test_dates_in_every_common_order(values, target, pattern):
    found = recognise(values)
    assert (found.target, found.pattern) == (target, pattern)


def test_ambiguous_day_and_month_are_read_month_first_and_said():
    found = recognise(["01/02/2024", "03/04/2024"])
    assert found.pattern == "MM/DD/YYYY" and "month first assumed" in found.note


@pytest.mark.parametrize(
    ("values", "target", "decimal", "thousands"),
    [
        (["1.234,56", "12,5", "1.000.000,00"], "double precision", ",", "."),
        (["1,234.56", "12.5", "1,000,000.00"], "double precision", ".", ","),
        (["3,5", "12,75", "0,1"], "double precision", ",", ""),
        (["1,234", "56", "1,000,000"], "bigint", ".", ","),
        (["$1,234.50", "$12.00", "-$3.25"], "double precision", ".", ","),
        (["€12,30", "€1.234,00"], "double precision", ",", "."),
        (["12.5%", "3%", "100%"], "double precision", ".", ""),
        (["12 345,67", "1 000,5"], "double precision", ",", ""),
        (["7", "NA", "12", "-"], "bigint", ".", ""),
        (["7.5", "n/a", "12.25", "NULL"], "double precision", ".", ""),
    ],
)
def test_numbers_with_separators_symbols_and_missing_markers(values, target, decimal, thousands):
    found = recognise(values)
    assert (found.target, found.decimal, found.thousands) == (target, decimal, thousands)


@pytest.mark.parametrize(
    "values",
    [
        ["red", "green"],
        ["00123", "04567", "NA"],  # codes keep their leading zeros
        ["1", "2", "3"],  # plain numbers: COPY reads them as they are
        ["2024-03-15", "2024-03-16"],  # ISO dates too
        ["13/13/2024"],  # not a date either way
        ["A1", "B2"],
    ],
)
def test_text_and_plain_values_are_left_alone(values):
    assert recognise(values) is None


def test_missing_markers_and_the_sql_they_become():
    assert all(is_missing(v) for v in ["", " NA ", "n/a", "#N/A", "NULL", "-", "nan"])
    assert not is_missing("0")
    sql = Conversion("double precision", decimal=",", thousands=".", strip="€ ").sql('"price"')
    assert "replace(" in sql and "::double precision" in sql and "'na'" in sql
    assert Conversion("date", "DD.MM.YYYY").sql('"day"').startswith("to_date(")


def test_a_leading_zero_group_is_a_decimal_comma_not_thousands():
    found = recognise(["0,123", "0,5", "0,875"])
    assert (found.target, found.decimal) == ("double precision", ",")


def test_phone_numbers_and_other_badly_grouped_digits_stay_text():
    assert recognise(["+44 7123 456789", "+44 7999 123456"]) is None
    assert recognise(["0044 20 7946 0958"]) is None
    assert recognise(["12 345", "1 234 567"]).target == "bigint"


@pytest.mark.parametrize(
    "values",
    [
        ["03/15/2024", "12/01/2023", "NA"],
        ["15.03.2024", "01.02.2023", ""],
        ["Mar 15, 2024", "Dec 1, 2023"],
        ["March 15, 2024", "December 1, 2023"],
        ["15 Mar 2024", "1 Dec 2023"],
        ["03/15/2024 14:30", "12/01/2023 09:05"],
        ["1.234,5", "2,25", "n/a", "0,5"],
        ["$1,200", "$3", "-"],
        ["12%", "7,5%"],
        ["3", "NA", "17"],
    ],
)
def test_python_reads_each_value_as_postgresql_will_store_it(values, conn):
    import datetime as dt

    import pandas as pd

    def plain(v):
        if v is None or v is pd.NaT or (not isinstance(v, (str, dt.date)) and pd.isna(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.to_pydatetime()
        return v if isinstance(v, dt.date) else float(v)

    found = recognise(values)
    expression = found.sql("v").replace("%", "%%")  # a literal percent sign, not a placeholder
    rows = conn.execute(
        f"select {expression} from unnest(%s::text[]) with ordinality as t(v, n) order by n", (values,)
    ).fetchall()
    assert [plain(v) for v in found.apply(pd.Series(values))] == [plain(r[0]) for r in rows]
