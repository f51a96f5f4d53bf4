"""Awkward tables: each column is handled simply with its reason in the metadata, or the run fails
with a message naming the dataset's file."""

from __future__ import annotations

import dagster as dg

from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import write_catalog
from tests.synthetic.test_assets import domain_defs


def _materialize(tmp_path, dagster_instance, name, rows: list[str]):
    data = tmp_path / f"{name}.csv"
    data.write_text("\n".join(rows) + "\n")
    write_catalog(tmp_path / "datasets", name, data, primary_key="[id]")
    catalog = Catalog(
        load_catalog(tmp_path / "datasets"), project_dir=tmp_path, landing_dir=tmp_path / "landing"
    )
    defs = domain_defs(catalog)
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance,
        asset_selection=[dg.AssetKey([name, s]) for s in ("raw", "profile", "synthetic")],
        raise_on_error=False,
    )


def test_constant_null_unique_text_and_mixed_columns_are_handled(
    tmp_path, dagster_instance, unique_name, conn
):
    header = "id,constant,empty,note,mixed,amount,colour"
    colours = ["red", "green", "blue"]
    rows = [header] + [
        f"{i},same,,free text number {i} with words,{i if i % 3 else 'n/a'},{10 + i % 17}.5,{colours[i % 3]}"
        for i in range(1, 121)
    ]
    result = _materialize(tmp_path, dagster_instance, unique_name, rows)
    assert result.success
    mat = next(
        m.materialization
        for m in result.get_asset_materialization_events()
        if m.materialization.asset_key.path[-1] == "synthetic"
    )
    columns = mat.metadata["columns"].value
    assert "one value on every row" in columns
    assert "every value is null" in columns
    assert "generated labels" in columns
    synthetic = conn.execute(
        f'select constant, empty, note, colour from synthetic."{unique_name}"'
    ).fetchall()
    assert len(synthetic) == 120
    assert {r[0] for r in synthetic} == {"same"} and {r[1] for r in synthetic} == {None}
    real_notes = {f"free text number {i} with words" for i in range(1, 121)}
    assert not {r[2] for r in synthetic} & real_notes
    assert {r[3] for r in synthetic} <= set(colours)


def test_a_single_row_fails_with_a_clear_message(tmp_path, dagster_instance, unique_name):
    result = _materialize(tmp_path, dagster_instance, unique_name, ["id,amount", "1,10"])
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert f"{unique_name}.yaml" in message and "has 1 row(s)" in message and "min_rows" in message
