"""The drift asset through Dagster on the platform's PostgreSQL, and the sensor it feeds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd

from nex_assets.core import env
from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from nex_assets.monitoring.assets import DriftSource, Reference, drift_asset, drift_key
from nex_assets.monitoring.logic.settings import DriftSettings
from nex_assets.monitoring.sensors import drift_sensor
from tests.core.helpers import with_resources, write_catalog


def _frame(n: int, shift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "price": rng.normal(10 + shift, 2, n).round(3),
            "units": rng.integers(0, 40, n),
            "region": rng.choice(["north", "south", "east"], n),
        }
    )


def _read_raw(name: str):
    def current(conn, reference) -> pd.DataFrame:
        cur = conn.execute(f'select * from raw."{name}"')
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    return current


def test_drift_is_measured_stored_and_starts_retraining(tmp_path, dagster_instance, unique_name, conn):
    data = tmp_path / "data.csv"
    _frame(800, 0.0, seed=11).to_csv(data, index=False)
    write_catalog(tmp_path / "datasets", unique_name, data, primary_key="[id]")
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    settings = DriftSettings(retrain_share=0.3, max_rows=500)
    train_job = f"{unique_name}__model__train"
    source = DriftSource(
        dataset=unique_name,
        recipe="model",
        features=lambda reference: ["price", "units", "region"],
        reference=lambda: Reference(_frame(1000, 0.0, seed=12), model_version="3"),
        current=_read_raw(unique_name),
        deps=[dg.AssetKey([unique_name, "raw"])],
        train_job=train_job,
    )

    @dg.op
    def train_stub():
        return None

    defs = dg.Definitions.merge(
        with_resources(catalog),
        dg.Definitions(
            assets=[drift_asset(source, settings)],
            sensors=[drift_sensor(source, settings)],
            jobs=[dg.JobDefinition(graph_def=dg.GraphDefinition(name=train_job, node_defs=[train_stub]))],
        ),
    )
    load = defs.resolve_job_def(f"{unique_name}__load")
    sensor = defs.resolve_sensor_def(f"{unique_name}__model__drift")
    key = drift_key(unique_name, "model")

    def tick(cursor):
        return sensor.evaluate_tick(
            dg.build_sensor_context(instance=dagster_instance, cursor=cursor, definitions=defs)
        )

    # The load job carries the drift asset: a new batch is measured as part of landing it. The runs
    # below keep to the load and the drift (the rest of the job is other domains', tested there).
    assert key in defs.resolve_job_def(f"{unique_name}__load").asset_layer.selected_asset_keys
    mine = [dg.AssetKey([unique_name, "raw"]), key]
    first = load.execute_in_process(instance=dagster_instance, asset_selection=mine)
    assert first.success
    mat = first.asset_materializations_for_node(f"{unique_name}__model__drift")[0]
    assert mat.metadata["drift_share"].value == 0.0 and mat.metadata["threshold_crossed"].value is False
    assert mat.metadata["reference_sample_rows"].value == 500
    assert mat.metadata["current_sample_rows"].value == 500 and mat.metadata["current_rows"].value == 800
    assert mat.metadata["model_version"].value == "3"
    calm = tick(None)
    assert not calm.run_requests and "below 30%" in calm.skip_message

    _frame(800, 3.0, seed=13).to_csv(data, index=False)
    second = load.execute_in_process(instance=dagster_instance, asset_selection=mine)
    mat = second.asset_materializations_for_node(f"{unique_name}__model__drift")[0]
    assert mat.metadata["drift_share"].value >= 1 / 3 and mat.metadata["threshold_crossed"].value is True
    assert "**drift**" in mat.metadata["columns"].value
    report = mat.metadata["report"].value
    assert report.startswith(str(env.reports_dir())) and "<html" in Path(report).read_text()[:2000].lower()
    alarmed = tick(calm.cursor)
    assert len(alarmed.run_requests) == 1
    request = alarmed.run_requests[0]
    assert request.job_name in (None, train_job) and sensor.job_name == train_job
    assert request.tags["nex/trigger"] == "drift" and request.tags["nex/dataset"] == unique_name
    assert not tick(alarmed.cursor).run_requests

    series = conn.execute(
        "select drift_share, drifted_features, features, model_version, reference_sample, current_rows "
        "from nex.drift_reports where dataset = %s order by measured_at",
        (unique_name,),
    ).fetchall()
    assert [(r[2], r[3], r[4], r[5]) for r in series] == [(3, "3", 500, 800)] * 2
    assert series[0][0] == 0 and series[1][0] == mat.metadata["drift_share"].value
    columns = dict(
        conn.execute(
            "select m.column_name, m.drifted from nex.drift_metrics m join nex.drift_reports r "
            "on r.id = m.report_id where r.dataset = %s and r.run_id = %s",
            (unique_name, second.run_id),
        ).fetchall()
    )
    assert columns["price"] is True and columns["units"] is False
