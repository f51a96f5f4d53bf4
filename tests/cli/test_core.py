"""The core `nex` commands against the session's embedded server."""

from __future__ import annotations

import sqlalchemy

from nex_assets.cli import main, parser


def test_db_url_prints_a_url_other_processes_can_use(database, capsys):
    assert main(["db", "url"]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("postgresql+psycopg2://")
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        schemas = {r[0] for r in conn.exec_driver_sql("select schema_name from information_schema.schemata")}
        assert {"raw", "staging", "marts", "nex", "synthetic"} <= schemas
        assert conn.exec_driver_sql("select extname from pg_extension where extname = 'vector'").scalar()
    engine.dispose()


def test_db_url_names_the_side_databases(database, capsys):
    assert main(["db", "url", "--database", "dagster"]) == 0
    assert "/dagster?" in capsys.readouterr().out


def test_db_status_reports_the_embedded_server(database, capsys):
    assert main(["db", "status"]) == 0
    assert capsys.readouterr().out.startswith("embedded: postgresql+psycopg2://")


def test_every_command_group_registers():
    commands = set(parser()._subparsers._group_actions[0].choices)
    assert {"db", "env", "sample", "dbt", "run", "materialize", "dev"} <= commands


def test_sample_writes_the_world(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "w")]) == 0
    assert (tmp_path / "w" / "ground_truth.json").exists()
    assert "sales.csv (104,000 rows)" in capsys.readouterr().out
