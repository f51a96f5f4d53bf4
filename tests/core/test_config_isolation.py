"""One broken people-edited file of each kind: the code location still loads, the file is named in
`nex doctor` (which exits non-zero) and in the `nex/config` asset's check, and only that file's
part of the graph is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import dagster as dg
import pytest

from nex_assets.core.env import executable as env_executable
from tests.core.helpers import ROOT

BOMB = "".join(
    [
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
        *(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)),
    ]
)
LONG = "d" * 64
LOAD = "import nex_assets.definitions as d; print(len(d.defs.resolve_asset_graph().get_all_asset_keys()))"


def broken_project(root):
    """A copy of the project's people-edited folders with one broken file of each kind."""
    for folder in (
        "datasets",
        "recipes",
        "evaluation_packs",
        "expectations",
        "documents",
        "config",
        "dictionary",
    ):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "dbt_project").symlink_to(ROOT / "dbt_project")
    (root / "data").mkdir()
    (root / "data" / "book.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    files = {
        "datasets/corrupt_book.yaml": 'name: corrupt_book\nsource: {path: data/book.xlsx, sheet: "*"}\n',
        f"datasets/{LONG}.yaml": f"name: {LONG}\nsource: {{path: data/x.csv}}\n",
        "datasets/bomb.yaml": "name: bomb\nsource: {path: data/x.csv}\ndictionary:\n  notes:\n"
        + "".join(f"    {line}\n" for line in BOMB.splitlines()),
        "datasets/escape.yaml": "name: escape\nsource: {path: ../../etc/passwd}\n",
        "datasets/bad_synthetic.yaml": "name: bad_synthetic\nsource: {path: data/x.csv}\n"
        "synthetic: {synthesizer: magic}\n",
        "recipes/broken_recipe.yaml": "name: broken_recipe\nfamily: astrology\n",
        "evaluation_packs/broken_pack.yaml": "name: broken_pack\ncriteria: 5\n",
        "documents/broken_collection.yaml": "name: broken_collection\npath: [1, 2]\n",
        "expectations/retail_offers.json": "{not json",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    # A settings file only one domain reads: that domain is left out, the others load.
    (root / "config" / "knowledge_gaps.yaml").write_text("min_rows: lots\n")
    return [root / name for name in files] + [root / "config" / "knowledge_gaps.yaml"]


@pytest.fixture()
def project(tmp_path, monkeypatch):
    root = tmp_path / "project"
    root.mkdir()
    broken = broken_project(root)
    monkeypatch.setenv("NEX_PROJECT_DIR", str(root))
    for var in ("NEX_DATASETS_DIR", "NEX_RECIPES_DIR", "NEX_EVALUATION_PACKS_DIR", "NEX_EXPECTATIONS_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("NEX_DOCUMENTS_DIR", raising=False)
    return root, broken


def test_the_code_location_loads_and_doctor_names_every_broken_file(project):
    root, broken = project
    env = {**os.environ, "NEX_PROJECT_DIR": str(root)}
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert int(loaded.stdout.strip().splitlines()[-1]) > 50
    doctor = subprocess.run(
        [env_executable("nex"), "doctor"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert doctor.returncode == 1
    for path in broken:
        if path.name == "corrupt_book.yaml":
            continue  # stays a dataset: its load says why (the workbook, not the YAML, is broken)
        assert path.name in doctor.stdout, (path.name, doctor.stdout)
    assert "bomb.yaml: aliases expand" in doctor.stdout
    assert "64 characters long" in doctor.stdout
    assert "leads outside the folders NEX reads from" in doctor.stdout
    assert "knowledge_gaps" in doctor.stdout and "min_rows" in doctor.stdout


def test_the_config_asset_check_fails_and_names_the_files(project, dagster_instance):
    from nex_assets.core.build import Catalog, build_definitions
    from nex_assets.core.resources import WarehouseResource

    catalog = Catalog.from_env()
    defs = dg.Definitions.merge(
        build_definitions(catalog), dg.Definitions(resources={"warehouse": WarehouseResource()})
    )
    graph = defs.resolve_asset_graph()
    keys = {k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    # Only the broken files' parts are missing.
    assert dg.AssetKey(["retail_sales", "raw"]) in keys
    assert dg.AssetKey(["retail_offers", "raw"]) in keys
    assert dg.AssetKey(["retail_offers", "quality"]) not in keys
    assert dg.AssetKey(["retail_sales", "quality"]) in keys
    assert dg.AssetKey(["escape", "raw"]) not in keys
    assert dg.AssetKey(["retail_sales", "knowledge_gaps"]) not in keys
    assert dg.AssetKey(["nex_retail", "price_elasticity", "model"]) in keys
    result = dg.materialize(
        [defs.get_assets_def(dg.AssetKey(["nex", "config"]))], instance=dagster_instance, raise_on_error=False
    )
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    text = check.description
    for name in ("broken_recipe.yaml", "broken_pack.yaml", "broken_collection.yaml", "retail_offers.json"):
        assert name in text
