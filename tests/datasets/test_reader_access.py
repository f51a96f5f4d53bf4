"""Column privileges of the read-only role: personal columns closed at the database, reopened when a
column stops being personal, and kept across a reload that swaps the table."""

import psycopg
import pytest
from psycopg import sql

from nex_assets.chat import readonly
from nex_assets.datasets import reader_access


@pytest.fixture()
def people(conn, unique_name):
    table = sql.Identifier("raw", unique_name)
    conn.execute(sql.SQL("create table {} (id int, email text, city text)").format(table))
    conn.execute(sql.SQL("insert into {} values (1, 'a@b.co', 'Leeds')").format(table))
    conn.commit()
    yield unique_name
    conn.execute(sql.SQL("drop table if exists {}").format(table))
    conn.commit()


def _read(database, query: str) -> list:
    with readonly.connect_reader(database) as reader:
        try:
            return reader.execute(query).fetchall()
        finally:
            reader.rollback()


def test_personal_columns_are_closed_and_the_rest_stay_readable(database, conn, people):
    with conn.transaction(), conn.cursor() as cur:
        assert reader_access.restrict_reader(cur, "raw", people, {"email", "not_a_column"}) == ["email"]
    assert _read(database, f"select id, city from raw.{people}") == [(1, "Leeds")]
    for query in (f"select email from raw.{people}", f"select * from raw.{people}"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _read(database, query)
    # The column is no longer personal: the whole table opens again.
    with conn.transaction(), conn.cursor() as cur:
        assert reader_access.restrict_reader(cur, "raw", people, set()) == []
    assert _read(database, f"select * from raw.{people}") == [(1, "a@b.co", "Leeds")]


def test_detected_personal_columns_join_the_declared_ones(conn, unique_name):
    conn.execute(
        """insert into nex.column_profiles (dataset, column_name, data_version, ordinal, pg_type,
               inferred_type, sensitive, row_count, null_count, null_share, distinct_count, stats,
               profile_hash)
           values (%s, 'contact', 'v1', 1, 'text', 'text', true, 1, 0, 0, 1, '{}', 'h'),
                  (%s, 'city', 'v1', 2, 'text', 'text', false, 1, 0, 0, 1, '{}', 'h')""",
        (unique_name, unique_name),
    )
    with conn.cursor() as cur:
        assert reader_access.known_personal_columns(cur, unique_name, {"email"}) == {"email", "contact"}
    conn.rollback()


def test_setting_the_database_up_again_keeps_the_restriction(database, conn, people):
    """Every process re-runs the idempotent setup, which grants the reader the warehouse schemas;
    it must not reopen a table whose personal columns were closed."""
    from nex_assets.core import db as db_module

    with conn.transaction(), conn.cursor() as cur:
        reader_access.restrict_reader(cur, "raw", people, {"email"})
    conn.execute(db_module.schema_script("70_chat.sql").read_text())
    conn.commit()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _read(database, f"select email from raw.{people}")
    assert _read(database, f"select city from raw.{people}") == [("Leeds",)]


def test_the_reader_profiles_only_the_columns_open_to_it(database, conn, people):
    from nex_assets.datasets import profiler

    with conn.transaction(), conn.cursor() as cur:
        reader_access.restrict_reader(cur, "raw", people, {"email"})
    with readonly.connect_reader(database) as reader:
        entries = profiler.profile_table(reader, "raw", people, primary_key=[], sensitive=set())
        reader.rollback()
    assert [e["column_name"] for e in entries] == ["id", "city"]
    assert entries[1]["row_count"] == 1


def _setup_again(conn) -> None:
    from nex_assets.core import db as db_module

    conn.execute(db_module.schema_script("70_chat.sql").read_text())
    conn.commit()


def test_a_table_of_only_personal_columns_stays_closed_through_setup(database, conn, unique_name):
    table = sql.Identifier("raw", unique_name)
    conn.execute(sql.SQL("create table {} (email text, full_name text)").format(table))
    conn.execute(sql.SQL("insert into {} values ('a@b.co', 'Ann Lee')").format(table))
    with conn.transaction(), conn.cursor() as cur:
        assert reader_access.restrict_reader(cur, "raw", unique_name, {"email", "full_name"}) == [
            "email",
            "full_name",
        ]
    conn.commit()
    _setup_again(conn)
    _setup_again(conn)
    for query in (f"select * from raw.{unique_name}", f"select count(*) from raw.{unique_name}"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _read(database, query)


def test_setup_narrows_a_wider_grant_to_the_decision_and_never_widens(database, conn, people):
    with conn.transaction(), conn.cursor() as cur:
        reader_access.restrict_reader(cur, "raw", people, {"email"})
    # Someone grants the whole table by hand; the recorded decision wins at the next setup.
    conn.execute(sql.SQL("grant select on {} to nex_reader").format(sql.Identifier("raw", people)))
    conn.commit()
    assert _read(database, f"select email from raw.{people}") == [("a@b.co",)]
    _setup_again(conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _read(database, f"select email from raw.{people}")
    assert _read(database, f"select id, city from raw.{people}") == [(1, "Leeds")]


def test_a_new_column_stays_closed_until_a_decision_opens_it(database, conn, people):
    with conn.transaction(), conn.cursor() as cur:
        reader_access.restrict_reader(cur, "raw", people, set())
    conn.execute(sql.SQL("alter table {} add column phone text").format(sql.Identifier("raw", people)))
    conn.commit()
    _setup_again(conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _read(database, f"select phone from raw.{people}")


def test_personal_data_found_at_load_is_closed_before_the_profile_runs(tmp_path, database, unique_name):
    """The load itself reads its first rows for personal data, so an undeclared e-mail column is
    never readable, not even between the load and its profile (which blocking checks may hold)."""
    from nex_assets.datasets import load as loader
    from nex_assets.datasets.logic.catalog import Dataset

    path = tmp_path / "people.csv"
    path.write_text("id,contact,city\n1,ann@example.com,Leeds\n2,bo@example.org,York\n")
    ds = Dataset.model_validate({"name": unique_name, "source": {"path": str(path)}})
    loader.load(ds, [path], database=database)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _read(database, f"select contact from raw.{unique_name}")
    assert _read(database, f"select id, city from raw.{unique_name} order by id") == [
        (1, "Leeds"),
        (2, "York"),
    ]


def test_a_column_declared_sensitive_is_closed_at_the_next_load_even_with_unchanged_content(
    tmp_path, database, unique_name
):
    """Declaring a column sensitive in the catalog takes effect at the next load, which finds the
    file unchanged and reloads nothing, not only at the next profile."""
    from nex_assets.datasets.load import load
    from nex_assets.datasets.logic.catalog import Dataset

    path = tmp_path / "notes.csv"
    path.write_text("id,remark,city\n1,likes tea,Leeds\n2,prefers post,York\n")
    spec = {"name": unique_name, "source": {"path": str(path)}, "primary_key": ["id"]}
    load(Dataset.model_validate(spec), [path], database=database)
    assert _read(database, f"select remark from raw.{unique_name} order by id") == [
        ("likes tea",),
        ("prefers post",),
    ]
    result = load(Dataset.model_validate({**spec, "sensitive": ["remark"]}), [path], database=database)
    assert result.skipped
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _read(database, f"select remark from raw.{unique_name}")
    assert _read(database, f"select city from raw.{unique_name} order by id") == [("Leeds",), ("York",)]
