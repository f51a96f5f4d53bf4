"""The landing-folder sensor: a new or changed file starts one run, and only one."""

from __future__ import annotations

import os

import dagster as dg

from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import with_resources, write_catalog


def test_landing_file_starts_one_run_per_version(tmp_path, dagster_instance, unique_name):
    base = tmp_path / "base.csv"
    base.write_text("id,v\n1,a\n")
    # A few rows are below synthetic.min_rows: these tests are about loading, not synthesis.
    write_catalog(tmp_path / "datasets", unique_name, base, primary_key="[id]", synthetic="{enabled: false}")
    landing = tmp_path / "landing"
    catalog = Catalog(load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=landing)
    defs = with_resources(catalog)
    sensor = defs.resolve_sensor_def(f"{unique_name}__landing")

    def tick(cursor):
        ctx = dg.build_sensor_context(instance=dagster_instance, cursor=cursor, definitions=defs)
        return sensor.evaluate_tick(ctx)

    empty = tick(None)
    assert not empty.run_requests

    (landing / unique_name).mkdir(parents=True)
    batch = landing / unique_name / "batch1.csv"
    batch.write_text("id,v\n1,a\n2,b\n")
    (landing / unique_name / ".partial.csv").write_text("id,v\n")
    first = tick(None)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert sensor.job_name == f"{unique_name}__load" and "batch1.csv" in request.tags["nex/landing_files"]

    again = tick(first.cursor)
    assert not again.run_requests

    batch.write_text("id,v\n1,a\n2,b\n3,c\n")
    os.utime(batch, ns=(batch.stat().st_atime_ns, batch.stat().st_mtime_ns + 10**9))
    changed = tick(again.cursor)
    assert len(changed.run_requests) == 1 and changed.run_requests[0].run_key != request.run_key

    job = defs.resolve_job_def(f"{unique_name}__load")
    result = job.execute_in_process(instance=dagster_instance, tags=changed.run_requests[0].tags)
    assert result.success
    mat = result.get_asset_materialization_events()[0].materialization
    assert mat.metadata["dagster/row_count"].value == 3
