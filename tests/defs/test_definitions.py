"""All definitions load, and the asset graph is the one we mean to ship."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg

from nex_assets.core.build import Catalog, domain_modules
from tests.defs.helpers import ROOT, with_resources

SNAPSHOT = ROOT / "tests" / "defs" / "snapshots" / "asset_keys.txt"


def graph_listing(defs: dg.Definitions) -> list[str]:
    graph = defs.resolve_asset_graph()
    assets = [f"asset {k.to_user_string()}" for k in graph.get_all_asset_keys()]
    checks = [f"check {c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys]
    return sorted(assets) + sorted(checks)


def test_every_domain_builds_and_the_asset_keys_match_the_snapshot():
    assert {"datasets", "warehouse"} <= set(domain_modules())
    defs = with_resources(Catalog.from_env())
    defs.resolve_all_job_defs()
    listing = graph_listing(defs)
    if os.environ.get("NEX_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text("\n".join(listing) + "\n")
    assert listing == SNAPSHOT.read_text().splitlines(), (
        "the asset graph changed; if that is intended, rerun with NEX_UPDATE_SNAPSHOTS=1 and review the diff"
    )


def test_code_location_loads_without_heavy_libraries():
    """Great Expectations, SDV, Evidently, MLflow and torch load inside asset bodies only."""
    code = (
        "import sys, nex_assets.definitions as d; d.defs.resolve_asset_graph(); "
        "heavy = [m for m in ('great_expectations', 'sdv', 'evidently', 'mlflow', 'torch', 'xgboost', "
        "'sklearn') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_every_dataset_asset_carries_its_dataset_tag_and_group():
    defs = with_resources(Catalog.from_env())
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path[0].startswith("retail_"):
            assert node.group_name == "nex_retail"
            assert node.tags.get("nex/dataset") == key.path[0]
