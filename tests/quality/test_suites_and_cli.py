"""Malformed suites fail with the file named (at load, in GX's own validation, and in `nex quality
lint`); `nex quality suggest` drafts a suite beside the adopted one."""

from __future__ import annotations

import json
import re
import shutil

import dagster as dg
import pytest

from nex_assets.cli import main
from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from nex_assets.quality import defs as quality
from nex_assets.quality.logic.suite import SuiteError, load_suite
from nex_assets.quality.validate import gx_suite
from tests.core.helpers import ROOT


def _catalog(tmp_path) -> Catalog:
    return Catalog(load_catalog(ROOT / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing")


def _broken_copy(tmp_path, edit) -> tuple:
    folder = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", folder)
    path = folder / "retail_offers.json"
    suite = json.loads(path.read_text())
    edit(suite)
    path.write_text(json.dumps(suite))
    return folder, path


def test_a_malformed_suite_is_named_and_only_its_dataset_loses_its_checks(tmp_path, monkeypatch):
    folder, path = _broken_copy(
        tmp_path, lambda s: s["expectations"][3].update(type="expect_offers_to_sparkle")
    )
    monkeypatch.setenv("NEX_EXPECTATIONS_DIR", str(folder))
    catalog = _catalog(tmp_path)
    defs = quality.build(catalog)
    (problem,) = catalog.problems
    assert problem.kind == "suite"
    assert re.match(rf"^{path}: expectations\.3\.type: .*unsupported expectation type", problem.text())
    keys = {key for assets_def in defs.assets for key in assets_def.keys}
    assert dg.AssetKey([path.stem, "quality"]) not in keys
    assert dg.AssetKey(["retail_sales", "quality"]) in keys


def test_kwargs_that_gx_rejects_name_the_file_and_index(tmp_path):
    def edit(suite):
        suite["expectations"][9]["kwargs"]["max_value"] = "a hundred"

    _, path = _broken_copy(tmp_path, edit)
    with pytest.raises(SuiteError) as err:
        gx_suite(load_suite(path))
    message = str(err.value)
    assert message.startswith(f"{path}: expectations.9 (expect_column_values_to_be_between): ")
    assert "max_value" in message


def test_lint_reports_clean_errors_without_a_traceback(tmp_path, monkeypatch, capsys):
    folder, path = _broken_copy(tmp_path, lambda s: s.update(expectations="none"))
    monkeypatch.setenv("NEX_EXPECTATIONS_DIR", str(folder))
    assert main(["quality", "lint"]) == 1
    out = capsys.readouterr()
    assert f"error: {path}: expectations: Input should be a valid list" in out.err
    assert "Traceback" not in out.err
    assert "ok: " in out.out and "retail_sales.json" in out.out


def test_suggest_writes_a_suite_that_passes_on_the_data_it_was_drawn_from(
    tmp_path, conn, database, unique_name
):
    from nex_assets.datasets import profiler
    from nex_assets.quality.drafts import write_suggestion
    from nex_assets.quality.logic.suite import parse_suite
    from nex_assets.quality.validate import run_suite

    conn.execute(
        f'create table raw."{unique_name}" as select i as id, '
        "case when i % 3 = 0 then 'north' else 'south' end as region, i * 1.5 as price, "
        "'S' || lpad(i::text, 4, '0') as code from generate_series(1, 60) i"
    )
    entries = profiler.profile_table(conn, "raw", unique_name, primary_key=["id"], sensitive=set())
    profiler.store_profiles(conn, unique_name, "v1", entries)
    conn.commit()
    adopted = tmp_path / "expectations"
    path, suite = write_suggestion(conn, unique_name, ["id"], adopted)
    assert path == adopted / "suggested" / f"{unique_name}.json"
    assert not (adopted / f"{unique_name}.json").exists()
    assert json.loads(path.read_text()) == suite
    parsed = parse_suite(suite, dataset=unique_name, file=str(path))
    run = run_suite(
        parsed, database, table=("raw", unique_name), sensitive=set(), docs_root=tmp_path / "docs"
    )
    assert all(o.success for o in run.outcomes), [o for o in run.outcomes if not o.success]
    assert {e.type for e in parsed.expectations} >= {
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
    }
    assert (tmp_path / "docs" / unique_name / "index.html").is_file()
