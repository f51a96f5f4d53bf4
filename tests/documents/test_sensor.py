"""A collection's sensor: an added, changed or removed file starts one run, and only one; workbooks
dropped in a dataset's landing folder start its load like CSV files do."""

from __future__ import annotations

import dagster as dg

from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import with_resources
from tests.datasets.test_formats import ORDERS, write_workbook


def _ticker(defs, name, instance):
    sensor = defs.resolve_sensor_def(name)

    def tick(cursor):
        return sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
        )

    return sensor, tick


def test_document_changes_start_one_run_each(handbook, tmp_path, monkeypatch, dagster_instance, unique_name):
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / f"{unique_name}.yaml").write_text(f"name: {unique_name}\npath: {handbook}\n")
    monkeypatch.setenv("NEX_DOCUMENTS_DIR", str(docs))
    defs = with_resources(Catalog([], project_dir=tmp_path, landing_dir=tmp_path / "landing"))
    sensor, tick = _ticker(defs, f"{unique_name}__files", dagster_instance)
    first = tick(None)
    assert len(first.run_requests) == 1 and sensor.job_name == f"{unique_name}__embed"
    assert not tick(first.cursor).run_requests
    (handbook / ".draft.md").write_text("still being written")
    assert not tick(first.cursor).run_requests
    (handbook / "contacts.txt").unlink()
    removed = tick(first.cursor)
    assert len(removed.run_requests) == 1 and removed.run_requests[0].run_key != first.run_requests[0].run_key


def test_a_workbook_in_the_landing_folder_starts_the_load(tmp_path, dagster_instance, database, unique_name):
    from nex_assets.datasets import load as loader

    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / f"{unique_name}.yaml").write_text(
        f"name: {unique_name}\nsource:\n  path: base.xlsx\nlanding:\n  mode: append\n"
    )
    write_workbook(tmp_path / "base.xlsx", {"Orders": ORDERS[:2]})
    landing = tmp_path / "landing"
    catalog = Catalog(load_catalog(folder), project_dir=tmp_path, landing_dir=landing)
    [ds] = catalog.datasets
    assert ds.landing.pattern == "*.xlsx"
    _, tick = _ticker(with_resources(catalog), f"{unique_name}__landing", dagster_instance)
    (landing / unique_name).mkdir(parents=True)
    (landing / unique_name / "notes.csv").write_text("a\n1\n")
    assert not tick(None).run_requests
    write_workbook(landing / unique_name / "more.xlsx", {"Orders": [ORDERS[0], ORDERS[2]]})
    assert len(tick(None).run_requests) == 1
    files = ds.files_to_load(tmp_path, landing)
    assert [p.name for p in files] == ["base.xlsx", "more.xlsx"]
    assert loader.load(ds, files, database=database).rows == 2
