"""`nex report` on the sample world: every format, charts, "not available" sections, safe spreadsheets."""

from __future__ import annotations

import io
import json

import dagster as dg
import pytest

from nex_assets.cli import main
from nex_assets.reports.spreadsheet import neutralise
from tests.core.helpers import sample_world_catalog, with_resources


@pytest.fixture()
def stores_materialized(small_world, tmp_path, dagster_instance, conn):
    catalog = sample_world_catalog(small_world, tmp_path)
    keys = [dg.AssetKey(["retail_stores", s]) for s in ("raw", "profile", "knowledge_gaps", "insights")]
    result = (
        with_resources(catalog)
        .resolve_implicit_global_asset_job_def()
        .execute_in_process(instance=dagster_instance, asset_selection=keys)
    )
    assert result.success
    # The session's database is shared: other tests may have documented retail_stores. Without its
    # dictionary, the report shows how a section that has not run yet reads.
    conn.execute("delete from nex.dictionary_entries where dataset = 'retail_stores'")
    # Two scores of the quality domain's table, so the trend has a line to draw.
    conn.execute("delete from nex.quality_scores where dataset = 'retail_stores'")
    for day, score in ((1, 0.81), (2, 0.93)):
        conn.execute(
            """insert into nex.quality_scores (dataset, scored_at, score, completeness, checks_passed,
                   expectations, failed, details) values ('retail_stores', %s, %s, 1.0, true, 12, 0, %s)""",
            (f"2026-01-0{day} 10:00+00", score, json.dumps({})),
        )
    conn.commit()


def test_neutralise():
    assert [neutralise(v) for v in ("=1+1", "+44", "-3", "@SUM(A1)", "\tx", "\rx", "ok", 5, -3.5, None)] == [
        "'=1+1",
        "'+44",
        "'-3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        5,
        -3.5,
        None,
    ]


def test_report_in_every_format(stores_materialized, tmp_path, capsys):
    out = {fmt: tmp_path / f"stores.{fmt}" for fmt in ("html", "pdf", "xlsx")}
    for fmt, path in out.items():
        assert main(["report", "retail_stores", "--format", fmt, "--out", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "not available yet:" in printed and "Data dictionary" in printed

    page = out["html"].read_text()
    assert "<h2>Quality score and trend</h2>" in page and "data:image/png;base64," in page
    assert "store_location" in page and "ready" in page  # the knowledge gaps section
    # Insights are the statements a person reads, each with the facts it cites.
    assert "<h2>Insights</h2>" in page and "facts cited" in page and "summary.table" in page
    assert "dagster_run_id" not in page.split("<h2>Insights</h2>")[1].split("<h2>")[0]
    assert "Not available: no dictionary yet: materialize retail_stores/dictionary." in page
    assert page.count("<img") >= 2  # empty-value shares and the quality trend

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(out["pdf"]).pages)
    assert "Column profile" in text and "annual_revenue" in text and "Not available" in text

    import openpyxl

    wb = openpyxl.load_workbook(out["xlsx"])
    assert {"Summary", "Overview", "Column profile", "Quality score and trend", "Knowledge gaps"} <= set(
        wb.sheetnames
    )
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=6, values_only=True)}
    assert summary["Data dictionary"].startswith("not available")
    assert wb["Quality score and trend"]._images
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_spreadsheet_cells_from_data_never_run(tmp_path, database, conn, monkeypatch, unique_name):
    from nex_assets.datasets import load as loader
    from nex_assets.datasets.logic.catalog import load_dataset

    folder = tmp_path / "datasets"
    folder.mkdir()
    csv = tmp_path / "evil.csv"
    csv.write_text('id,cmd\n1,=HYPERLINK("http://x")\n2,@SUM(A1)\n')
    (folder / f"{unique_name}.yaml").write_text(
        f"name: {unique_name}\ndescription: '=cmd|\" /C calc\"!A0'\nsource:\n  path: {csv}\n"
    )
    monkeypatch.setenv("NEX_DATASETS_DIR", str(folder))
    loader.load(load_dataset(folder / f"{unique_name}.yaml"), [csv], database=database)
    out = tmp_path / "evil.xlsx"
    assert main(["report", unique_name, "--format", "xlsx", "--out", str(out)]) == 0
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb["Summary"]["A2"].value == '\'=cmd|" /C calc"!A0'
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert main(["report", "no_such_dataset", "--format", "html", "--out", str(out)]) == 2
