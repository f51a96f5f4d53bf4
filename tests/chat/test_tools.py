"""The seven explorer tools over the loaded sample world, as the read-only role."""

from __future__ import annotations

import pytest

from nex_assets.chat import tools
from nex_assets.core import db


@pytest.fixture()
def staged_table(tools_ctx, database):
    """A table and a view created by the platform's user after the reader's grants were made."""
    with db.connect(database) as owner:
        owner.execute(
            "create table staging.t_chat_units as "
            "select * from (values ('a', 1), ('a', 2), ('b', 3)) v(category, units)"
        )
        owner.execute("create view staging.t_chat_view as select * from staging.t_chat_units")
        owner.commit()
    tools_ctx.refresh()
    yield "staging.t_chat_units"
    with db.connect(database) as owner:
        owner.execute("drop view staging.t_chat_view")
        owner.execute("drop table staging.t_chat_units")
        owner.commit()


def test_connections_and_schemas_show_only_the_warehouse(tools_ctx):
    conn = tools.list_connections(tools_ctx)["connections"][0]
    assert conn["role"] == "nex_reader" and conn["read_only"]
    assert {"raw", "staging", "marts", "synthetic"} <= set(conn["readable_schemas"])
    assert "nex" not in conn["readable_schemas"] and "public" not in conn["readable_schemas"]
    schemas = {s["schema"]: s["tables"] for s in tools.list_schemas(tools_ctx)["schemas"]}
    assert schemas["raw"] >= 6 and "nex" not in schemas


def test_list_tables_names_every_dataset(tools_ctx):
    tables = {t["table"]: t for t in tools.list_tables(tools_ctx)["tables"]}
    assert {f"raw.{d}" for d in tools_ctx.datasets} <= set(tables)
    assert not any(t.startswith("nex.") for t in tables)
    assert tables["raw.retail_sales"]["description"].startswith("Weekly")
    only_raw = tools.list_tables(tools_ctx, schema="raw")["tables"]
    assert only_raw and all(t["table"].startswith("raw.") for t in only_raw)
    assert "error" in tools.call(tools_ctx, "list_tables", {"schema": "nex"})


def test_table_info_carries_catalog_facts_and_personal_flags(tools_ctx):
    info = tools.get_table_info(tools_ctx, "retail_customers")
    assert info["table"] == "raw.retail_customers" and info["primary_key"] == ["customer_id"]
    columns = {c["name"]: c for c in info["columns"]}
    assert columns["email"]["personal_data"] and not columns["segment"]["personal_data"]
    assert columns["avg_basket_value"]["unit"] == "GBP"


def test_sample_rows_mask_personal_data(tools_ctx):
    out = tools.sample_rows(tools_ctx, "raw.retail_customers", n=3)
    assert out["row_count"] == 3 and "email" in out["masked_columns"]
    email = out["rows"][0][out["columns"].index("email")]
    assert "@" in email and not any(ch.isalpha() and ch not in "aA" for ch in email)


def test_profile_table_stored_and_computed(tools_ctx, staged_table):
    stored = tools.profile_table(tools_ctx, "raw.retail_sales")
    assert stored["source"] == "nex.column_profiles"
    assert {c["column"] for c in stored["columns"]} >= {"price", "units_sold"}
    computed = tools.profile_table(tools_ctx, staged_table)
    assert computed["source"] == "computed now"
    assert {c["column"]: c["distinct"] for c in computed["columns"]} == {"category": 2, "units": 3}
    customers = tools.profile_table(tools_ctx, "raw.retail_customers")["columns"]
    emails = next(c for c in customers if c["column"] == "email")
    assert emails["personal_data"] and set(emails) & {"top_values", "min", "max"} == set()


def test_views_and_tables_created_later_are_readable(tools_ctx, staged_table):
    """The loader's swap, dbt and other domains create tables as the platform's user after the grants
    ran; the reader's default privileges must cover them."""
    info = tools.get_table_info(tools_ctx, "staging.t_chat_view")
    assert [c["name"] for c in info["columns"]] == ["category", "units"]
    out = tools.run_query(
        tools_ctx, "select category, sum(units) from staging.t_chat_view group by 1 order by 1"
    )
    assert out["rows"] == [["a", 3], ["b", 3]]


def test_run_query_returns_rows_and_the_sql_that_ran(tools_ctx):
    out = tools.run_query(
        tools_ctx, "select promo, sum(units_sold) as units from retail_sales group by 1 order by 2 desc"
    )
    assert out["columns"] == ["promo", "units"] and out["row_count"] == 2
    assert "raw.retail_sales" in out["sql"] and out["tables"] == ["raw.retail_sales"]
    limited = tools.run_query(tools_ctx, "select * from raw.retail_sales", limit=5)
    assert limited["row_count"] == 5 and limited["truncated"]
    assert tools.run_query(tools_ctx, "select '50%' like '%\\%' as escaped")["rows"] == [[True]]


def test_call_reports_failures_as_errors(tools_ctx):
    assert "refused" in tools.call(tools_ctx, "run_query", {"query": "drop table raw.retail_sales"})["error"]
    assert "error" in tools.call(
        tools_ctx, "run_query", {"query": "select no_such_column from raw.retail_sales"}
    )
    assert "unknown tool" in tools.call(tools_ctx, "drop_everything", {})["error"]
    assert "missing" in tools.call(tools_ctx, "get_table_info", {})["error"]
    assert "error" in tools.call(tools_ctx, "get_table_info", {"table": "nex.column_profiles"})
