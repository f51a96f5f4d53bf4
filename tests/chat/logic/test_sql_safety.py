"""The parser layer of read-only SQL, directly: what it accepts, what it refuses and why."""

from __future__ import annotations

import pytest

from nex_assets.chat.logic import sql_safety
from nex_assets.chat.logic.sql_safety import QueryRefused, Tables, check
from nex_assets.chat.settings import ChatSettings
from nex_assets.core import settings

SETTINGS = settings.load(ChatSettings)
POLICY = sql_safety.policy_from_settings(
    ["raw", "staging", "marts"],
    SETTINGS.function_allowlist,
    SETTINGS.allowed_types,
    SETTINGS.row_limit,
    SETTINGS.max_sql_chars,
)
TABLES = Tables(
    schemas_by_table={
        "retail_sales": ("raw",),
        "retail_customers": ("raw",),
        "weekly_category_sales": ("marts",),
        "dup": ("raw", "marts"),
        "contacts": ("raw",),
    },
    sensitive={
        ("raw", "retail_customers"): frozenset({"email", "phone"}),
        ("raw", "contacts"): frozenset({"email", "full_name"}),
    },
    columns={
        ("raw", "retail_sales"): ("week_start", "store_id", "sku", "price", "units", "promo", "a"),
        ("raw", "retail_customers"): ("customer_id", "email", "phone", "segment", "city"),
        ("raw", "contacts"): ("email", "full_name"),
    },
)


def refused(sql: str) -> str:
    with pytest.raises(QueryRefused) as exc:
        check(sql, POLICY, TABLES)
    return str(exc.value)


@pytest.mark.parametrize(
    "sql",
    [
        "select 1",
        "SELECT category, sum(units) FROM marts.weekly_category_sales GROUP BY 1 ORDER BY 2 DESC",
        "with s as (select * from raw.retail_sales) select count(*) from s",
        "with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) select * from r",
        "select 1 union all select 2",
        "select a from raw.retail_sales except select a from marts.weekly_category_sales",
        "select * from generate_series(1, 3) as g",
        "select price::numeric(10, 2), date_trunc('month', week_start) from raw.retail_sales",
        "select count(*) filter (where promo) from raw.retail_sales",
        "select 'drop table raw.retail_sales; --' as harmless_text",
        "select customer_id, segment from raw.retail_customers",
        "select count(*), count(distinct segment) from raw.retail_customers",
        "select x from raw.retail_sales s join lateral (select s.price as x) y on true",
        "select rank() over (partition by category order by units desc) from marts.weekly_category_sales",
        "select 1;",
        "select '%s' like '%'",
    ],
)
def test_plain_questions_pass(sql):
    assert check(sql, POLICY, TABLES).sql


def test_unqualified_tables_are_qualified_in_the_sql_that_runs():
    checked = check("select count(*) from retail_sales join weekly_category_sales on true", POLICY, TABLES)
    assert "raw.retail_sales" in checked.sql and "marts.weekly_category_sales" in checked.sql
    assert checked.tables == ("raw.retail_sales", "marts.weekly_category_sales")


def test_cte_names_are_not_tables():
    assert check("with retail_x as (select 1 as a) select a from retail_x", POLICY, TABLES).tables == ()


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("", "empty query"),
        ("   ;  ", "exactly one statement"),
        ("select 1; select 2", "exactly one statement"),
        ("select 1 /* ; */; drop table x", "exactly one statement"),
        ("values (1)", "only SELECT"),
        ("(select 1)", "only SELECT"),
        ("insert into raw.retail_sales values (1)", "only SELECT"),
        ("explain select 1", "only SELECT"),
        ("show search_path", "only SELECT"),
        ("vacuum raw.retail_sales", "only SELECT"),
        ("listen x", "only SELECT"),
        ("notify x", "only SELECT"),
        ("prepare p as select 1", "only SELECT"),
        ("call raw.p()", "only SELECT"),
        ("select * into t from raw.retail_sales", "INTO"),
        ("with d as (update raw.retail_sales set price = 0 returning *) select * from d", "UPDATE"),
        ("select * from raw.retail_sales for no key update", "row locks"),
        ("select nextval('raw.s')", "nextval"),
        ("select ts_stat('select 1')", "ts_stat"),
        ("select * from ts_stat('select datname::tsvector from pg_database')", "ts_stat"),
        ("select ts_rewrite('a'::tsquery, 'select 1')", "ts_rewrite"),
        ("select query_to_xml('select version()', true, true, '')", "query_to_xml"),
        ("select current_user", "currentuser"),
        ("select current_database()", "current_database"),
        ("select current_setting('server_version')", "current_setting"),
        ("select has_table_privilege('raw.retail_sales', 'select')", "has_table_privilege"),
        ("select to_regclass('raw.retail_sales')", "to_regclass"),
        ("select xmlelement(name x, 1)", "xmlelement"),
        ("select 'pg_authid'::regclass", "type REGCLASS"),
        ("select cast('postgres' as regrole)", "type REGROLE"),
        ("select raw.upper(sku) from raw.retail_sales", "functions of schema raw"),
        ("select s.pg_column_size from raw.retail_sales s", "has no column pg_column_size"),
        ("select pg_advisory_lock(1)", "pg_advisory_lock"),
        ("select pg_terminate_backend(1)", "pg_terminate_backend"),
        ("select PG_CATALOG.PG_SLEEP(1)", "pg_sleep"),
        ("select lo_get(1)", "lo_get"),
        ("select loread(0, 1)", "loread"),
        ("select dblink_exec('x', 'drop table y')", "dblink_exec"),
        ("select version()", "version()"),
        ("select table_to_xml('raw.retail_sales', true, true, '')", "table_to_xml"),
        ("select * from retail_sales_typo", "not a table of the readable schemas"),
        ("select * from dup", "several schemas"),
        ("select * from information_schema.tables", "schema information_schema is not readable"),
        ("select * from public.secrets", "schema public is not readable"),
        ('select * from "RAW".retail_sales', "schema RAW is not readable"),
        ("select * from nex.chat_messages", "schema nex is not readable"),
        ("select * from other.raw.retail_sales", "other databases"),
        ("select U&'\\0064rop'", "Unicode-escaped"),
        ("select 'a\x00b'", "NUL"),
        ("select ((", "could not parse"),
        ("select 1 " + "+ 1 " * 6000, "characters long"),
    ],
)
def test_refusals_say_why(sql, reason):
    assert reason in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select email from raw.retail_customers",
        "select lower(EMAIL) from raw.retail_customers",
        "select count(*) from raw.retail_customers where email like '%@example.com'",
        "select c.phone from raw.retail_customers c",
        "select * from raw.retail_customers",
        "select c.* from raw.retail_customers c",
        "select row_to_json(c) from raw.retail_customers c",
        "select retail_customers from raw.retail_customers",
        "select x.* from (select * from retail_customers) x",
        # alias lists rename columns by position; both names stay closed
        "select x.b from raw.retail_customers as x(a, b)",
        "select x.mail from raw.retail_customers as x(id, mail)",
        # whole rows, whatever the syntax
        "select c.row_to_json from raw.retail_customers c",
        "select to_jsonb(c) from raw.retail_customers c",
        "select json_agg(c) from raw.retail_customers c",
        "select (c).email from raw.retail_customers c",
        "select (c.*)::text from raw.retail_customers c",
        "select row(c.*) from raw.retail_customers c",
        "select c::text from raw.retail_customers c",
        # joins that compare columns nobody named
        "select count(*) from raw.retail_customers natural join raw.retail_sales",
        "select count(*) from raw.retail_sales s join raw.retail_customers using (email)",
        # a table with nothing but personal data
        "select count(*) from raw.contacts",
        "select 1 from raw.contacts",
    ],
)
def test_personal_data_cannot_leave_through_a_query(sql):
    assert "personal data" in refused(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select x.a, x.d from raw.retail_customers as x(a, b, c, d)",
        "select count(*) from raw.retail_customers c join raw.retail_sales s on s.store_id = c.city",
        "select pg_catalog.upper(city) from raw.retail_customers",
        "select j->>'a', jsonb_array_length(j), x ~* 'a' from raw.retail_sales",
    ],
)
def test_what_personal_data_does_not_reach_still_runs(sql):
    assert check(sql, POLICY, TABLES).sql


def test_every_allowed_function_is_named_in_the_settings_file():
    """The allowlist is the file people read: groups of plain names, nothing with a schema."""
    names = SETTINGS.function_allowlist
    assert {"count", "sum", "date_trunc", "coalesce", "jsonextractscalar"} <= names
    assert not {n for n in names if "." in n or n.startswith("pg_")}
    assert not names & {"query_to_xml", "ts_stat", "ts_rewrite", "version", "set_config", "current_setting"}


def test_star_over_tables_without_personal_data_is_fine():
    assert check(
        "select * from raw.retail_sales s join marts.weekly_category_sales w on true", POLICY, TABLES
    )


LONG = "a" * 63


@pytest.mark.parametrize(
    "sql",
    [
        # PostgreSQL folds only A-Z: unquoted É is the alias "É", so this reads email.
        'select É from raw.retail_customers as t(customer_id, "É")',
        'select "É" from raw.retail_customers as t(customer_id, É)',
        'select Éé from raw.retail_customers as t(customer_id, "Éé")',
        # Names past 63 bytes are cut: both aliases are one column to the database.
        f"select {LONG}_x from raw.retail_customers as t(customer_id, {LONG}_y)",
        f'select "{LONG}_x" from raw.retail_customers as t(customer_id, "{LONG}_y")',
        # Cut at a whole character: 31 two-byte letters and one more make 64 bytes.
        f"select {'é' * 31}é_x from raw.retail_customers as t(customer_id, {'é' * 31}é_y)",
        f"with c({LONG}_1) as (select email from raw.retail_customers) select {LONG}_2 from c",
    ],
)
def test_names_are_resolved_as_postgresql_resolves_them(sql):
    assert "personal data" in refused(sql)


def test_names_postgresql_keeps_apart_stay_apart():
    # Unquoted ÉMAIL is "Émail" to PostgreSQL, not "ÉMAIL": the database itself refuses the name.
    check('select ÉMAIL from raw.retail_customers as t(customer_id, "ÉMAIL")', POLICY, TABLES)
    assert sql_safety.pg_name("ÉMAIL", quoted=False) == "Émail"
    assert sql_safety.pg_name("ÉMAIL", quoted=True) == "ÉMAIL"
    assert sql_safety.pg_name(LONG + "xyz", quoted=False) == LONG
    assert sql_safety.pg_name("é" * 40, quoted=True) == "é" * 31  # 62 bytes: the 32nd would be cut in half


@pytest.mark.parametrize(
    "sql",
    ["select user", "select current_role", "select system_user", "select user from raw.retail_sales"],
)
def test_keywords_that_are_calls_are_refused_as_calls(sql):
    assert "PostgreSQL's function" in refused(sql)


def test_a_quoted_or_qualified_column_of_such_a_name_is_a_column():
    tables = Tables(schemas_by_table={"t": ("raw",)}, columns={("raw", "t"): ("user", "n")})
    check('select "user", t.user from raw.t', POLICY, tables)


@pytest.mark.parametrize(
    "sql",
    [
        "select " + "(" * 700 + "1" + ")" * 700,
        "select 1 from raw.retail_sales where " + "not " * 1500 + "true",
        "select 1 where " + " ".join(["- -"] * 2000) + " 1 > 0",
    ],
)
def test_deep_nesting_is_a_refusal_not_a_crash(sql):
    assert len(sql) <= POLICY.max_sql_chars
    assert "nest" in refused(sql)
