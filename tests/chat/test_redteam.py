"""The red-team suite: every attack is refused by the parser, and, with the parser bypassed, by the
read-only role, the READ ONLY transaction and the execution wrapper. Nothing changes either way."""

from __future__ import annotations

import psycopg
import pytest

from nex_assets.chat import readonly, tools
from nex_assets.chat.logic import sql_safety
from nex_assets.core import db as db_module
from nex_assets.datasets import reader_access
from tests.chat.redteam_cases import CASES, HARMLESS_UNWRAPPED

# Sleeping attacks meet the statement timeout; a short one keeps the suite quick.
TIMEOUT_S = 0.5


def test_the_suite_is_large_enough():
    assert len(CASES) >= 190


@pytest.fixture(scope="module")
def contacts(loaded_world, database, tmp_path_factory):
    """raw.t_chat_contacts: every column is personal data, loaded as any dataset is; then the
    setup that every new process runs, which must not open it."""
    from nex_assets.core import db
    from nex_assets.datasets import load as loader
    from nex_assets.datasets.logic.catalog import Dataset

    path = tmp_path_factory.mktemp("contacts") / "contacts.csv"
    path.write_text("full_name,email\nAnna Smith,anna@example.com\nLee Wong,lee@example.com\n")
    ds = Dataset.model_validate(
        {"name": "t_chat_contacts", "source": {"path": str(path)}, "sensitive": ["full_name", "email"]}
    )
    loader.load(ds, [path], database=database)
    _load_shapes(tmp_path_factory.mktemp("shapes") / "shapes.csv", database)
    with db.connect(database) as owner:
        owner.execute(db_module.schema_script("70_chat.sql").read_text())
        owner.commit()
    return ds


def _load_shapes(path, database) -> None:
    """raw.t_chat_shapes: personal data nobody declared, which only the values give away."""
    import csv
    import json

    from faker import Faker

    from nex_assets.datasets import load as loader
    from nex_assets.datasets.logic.catalog import Dataset

    faker = Faker("en_GB")
    faker.seed_instance(5)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["id", "customer", "reach_me", "contact", "ni", "lives_at", "born", "extra", "card", "iban",
             "seen_from", "segment"]
        )  # fmt: skip
        for i in range(80):
            writer.writerow(
                [
                    i,
                    faker.name(),
                    faker.phone_number(),
                    "unknown" if i < 30 else faker.email(),
                    faker.ssn(),
                    faker.address(),
                    faker.date_of_birth(minimum_age=18, maximum_age=90).isoformat(),
                    json.dumps({"n": i, "kin": {"who": faker.name()}}),
                    faker.credit_card_number(card_type="visa16"),
                    faker.iban(),
                    faker.ipv4(),
                    ["Value", "Premium"][i % 2],
                ]
            )
    ds = Dataset.model_validate({"name": "t_chat_shapes", "source": {"path": str(path)}})
    result = loader.load(ds, [path], database=database)
    closed = {note.split(" ")[0] for note in result.notes if "holds personal data" in note}
    assert closed == {
        "customer", "reach_me", "contact", "ni", "lives_at", "born", "extra", "card", "iban", "seen_from"
    }  # fmt: skip


@pytest.fixture(scope="module")
def world_state(loaded_world, contacts, database):
    """What an attack could change, read by the platform's own user on a connection of its own."""
    from nex_assets.core import db

    owner = db.connect(database, autocommit=True)

    def snapshot() -> tuple:
        return owner.execute(
            """select (select count(*) from raw.retail_sales),
                      (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')),
                      (select count(*) from pg_roles),
                      (select count(*) from pg_largeobject_metadata)"""
        ).fetchone()

    yield snapshot
    owner.close()


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_by_the_parser(case, tools_ctx, contacts):
    tools_ctx.refresh()
    with pytest.raises(sql_safety.QueryRefused):
        sql_safety.check(CASES[case], tools_ctx.policy(), tools_ctx.tables())
    assert "refused" in tools.call(tools_ctx, "run_query", {"query": CASES[case]})["error"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_by_the_database_without_the_parser(case, tools_ctx, world_state):
    before = world_state()
    conn = tools_ctx.reader()
    with pytest.raises(readonly.QueryFailed) as refused:
        readonly.execute(conn, CASES[case], limit=10, timeout_s=TIMEOUT_S)
    assert "the database refused the query" in str(refused.value)
    assert world_state() == before
    # The same connection still answers as the read-only role afterwards.
    assert conn.execute("select current_user, current_setting('transaction_read_only')").fetchone() == (
        "nex_reader",
        "on",
    )
    conn.rollback()


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_by_role_and_transaction_even_sent_bare(case, tools_ctx, world_state):
    """No parser and no wrapper: the text goes to the server as is, stacked statements and all, in the
    reader's READ ONLY transaction after its snapshot. The role and the transaction alone hold."""
    before = world_state()
    conn = tools_ctx.reader()
    try:
        conn.execute("select set_config('statement_timeout', %s, true)", (f"{int(TIMEOUT_S * 1000)}ms",))
        if case in HARMLESS_UNWRAPPED:
            conn.execute(CASES[case])
        else:
            with pytest.raises(psycopg.Error):
                conn.execute(CASES[case])
    finally:
        conn.rollback()
    assert world_state() == before
    assert conn.execute("select current_user").fetchone() == ("nex_reader",)
    conn.rollback()


def test_reader_role_has_no_power_beyond_select(tools_ctx, conn):
    attrs = conn.execute(
        "select rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication from pg_roles "
        "where rolname = 'nex_reader'"
    ).fetchone()
    assert attrs == (False, False, False, False, False)
    # Whole tables outside raw, single columns in raw (raw tables open column by column).
    privileges = conn.execute(
        """select privilege_type from information_schema.role_table_grants where grantee = 'nex_reader'
           union
           select privilege_type from information_schema.role_column_grants where grantee = 'nex_reader'"""
    ).fetchall()
    assert privileges == [("SELECT",)]
    nex_tables = conn.execute(
        "select count(*) from information_schema.role_table_grants where grantee = 'nex_reader' "
        "and table_schema = 'nex'"
    ).fetchone()[0]
    assert nex_tables == 0


def test_a_reload_keeps_the_reader_grant(tools_ctx, database):
    """The loader swaps a new table in under the old name and opens it to the reader by decision."""
    from nex_assets.core import db

    with db.connect(database) as owner:
        owner.execute("create table raw.t_chat_swap_new as select 1 as x")
        owner.execute("alter table raw.t_chat_swap_new rename to t_chat_swap")
        reader_access.restrict_reader(owner.cursor(), "raw", "t_chat_swap", set())
        owner.commit()
    try:
        out = readonly.execute(tools_ctx.reader(), "select x from raw.t_chat_swap", limit=5, timeout_s=5)
        assert out.rows == [[1]]
    finally:
        with db.connect(database) as owner:
            owner.execute("drop table raw.t_chat_swap")
            owner.commit()


def test_a_raw_table_nobody_opened_stays_closed(tools_ctx, database):
    """raw holds personal data: a table created there by anything but a load is closed to the
    reader, and the setup every process runs does not open it."""
    from nex_assets.core import db

    with db.connect(database) as owner:
        owner.execute("create table raw.t_chat_unknown as select 1 as x, 'a@b.co' as mail")
        owner.execute(db_module.schema_script("70_chat.sql").read_text())
        owner.commit()
    try:
        with pytest.raises(readonly.QueryFailed, match="permission denied"):
            readonly.execute(tools_ctx.reader(), "select x from raw.t_chat_unknown", limit=5, timeout_s=5)
    finally:
        with db.connect(database) as owner:
            owner.execute("drop table raw.t_chat_unknown")
            owner.commit()


def test_the_reader_reaches_no_other_database_temp_object_or_session_even_bare(tools_ctx, database):
    """As nex_reader, with no parser and no wrapper: Dagster's and MLflow's databases refuse it, it
    cannot create temporary objects, its temporary files are capped, other sessions' SQL is hidden."""
    from nex_assets.core import env

    reader = env.reader_database(database)
    for name in (env.DAGSTER_DB, env.MLFLOW_DB):
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(reader.conninfo(name)).close()
    conn = tools_ctx.reader()
    try:
        conn.execute("set transaction read write")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create temporary table t_reader_temp (x int)")
        conn.rollback()
        assert conn.execute("show temp_file_limit").fetchone() == ("100MB",)
        conn.execute("set work_mem = '64kB'")
        with pytest.raises(psycopg.errors.ConfigurationLimitExceeded, match="temp_file_limit"):
            conn.execute(
                "select count(*) from (select g from generate_series(1, 8000000) g order by g desc) s"
            )
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select query from pg_stat_activity")
    finally:
        conn.rollback()
        conn.close()
