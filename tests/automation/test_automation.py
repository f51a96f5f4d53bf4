"""Automation: failed runs are recorded and alerted; datasets carry freshness checks; schedules load."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from nex_assets.core.build import Catalog
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import with_resources, write_catalog


@pytest.fixture()
def webhook():
    """A real HTTP endpoint on loopback that keeps what it is sent."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_failed_run_is_recorded_and_posted(
    tmp_path, dagster_instance, unique_name, conn, webhook, monkeypatch
):
    url, received = webhook
    monkeypatch.setenv("NEX_ALERT_WEBHOOK", url)
    write_catalog(tmp_path / "datasets", unique_name, tmp_path / "missing.csv")
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    defs = with_resources(catalog)
    result = defs.resolve_job_def(f"{unique_name}__load").execute_in_process(
        instance=dagster_instance, raise_on_error=False
    )
    assert not result.success
    sensor = defs.resolve_sensor_def("run_failures")
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failures",
        dagster_instance=dagster_instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
        resources={"warehouse": WarehouseResource()},
    ).for_run_failure()
    sensor(context)
    row = conn.execute(
        "select job_name, datasets, message, alert_status from nex.run_failures where run_id = %s",
        (result.run_id,),
    ).fetchone()
    assert row[0] == f"{unique_name}__load" and row[1] == [unique_name]
    assert f"failed steps: {unique_name}__raw" in row[2]
    assert row[3] == "posted (204)"
    assert received and received[0]["run_id"] == result.run_id and received[0]["datasets"] == [unique_name]


def test_every_dataset_has_a_freshness_policy_and_the_schedules_load(tmp_path, unique_name):
    data = tmp_path / "d.csv"
    data.write_text("id\n1\n")
    write_catalog(tmp_path / "datasets", unique_name, data, monitoring="{freshness_hours: 6}")
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    graph = with_resources(catalog).resolve_asset_graph()
    policy = graph.get(dg.AssetKey([unique_name, "raw"])).freshness_policy
    assert policy.fail_window.to_timedelta() == timedelta(hours=6)
    assert policy.warn_window.to_timedelta() == timedelta(hours=4.5)
    defs = with_resources(Catalog.from_env())
    for ds in Catalog.from_env().datasets:
        assert defs.resolve_asset_graph().get(dg.AssetKey([ds.name, "raw"])).freshness_policy is not None
    assert defs.resolve_schedule_def("daily_refresh").cron_schedule == "0 5 * * *"


def test_invalid_freshness_setting_names_the_file(tmp_path, unique_name):
    write_catalog(tmp_path / "datasets", unique_name, tmp_path / "d.csv", monitoring="{freshness_hours: -1}")
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    defs = with_resources(catalog)
    # The dataset is left out and its problem named; the rest of the code location loads. (The
    # project's recipes name datasets this catalog lacks: each of them is a problem of its own.)
    (problem,) = [p for p in catalog.problems if p.kind == "dataset"]
    assert {p.kind for p in catalog.problems} <= {"dataset", "recipe"}
    assert problem.file.endswith(f"{unique_name}.yaml")
    assert "monitoring.freshness_hours must be positive" in problem.text()
    assert dg.AssetKey([unique_name, "raw"]) not in defs.resolve_asset_graph().get_all_asset_keys()
    assert dg.AssetKey(["nex", "config"]) in defs.resolve_asset_graph().get_all_asset_keys()
