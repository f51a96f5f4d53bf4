"""All definitions load, and the asset graph is the one we mean to ship."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg

from nex_assets.core.build import Catalog, domain_modules
from tests.core.helpers import ROOT, with_resources

SNAPSHOT = ROOT / "tests" / "core" / "snapshots" / "asset_keys.txt"


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


def test_every_node_says_whose_it_is():
    """Lineage is read by people: a dataset's assets form a group named after it and carry its tag,
    a recipe's assets a group named after the recipe, and every description starts with its owner."""
    catalog = Catalog.from_env()
    defs = with_resources(catalog)
    graph = defs.resolve_asset_graph()
    datasets = catalog.names()
    recipes = {r.name for r in catalog.recipes}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        if key.path[0] in datasets:
            assert node.group_name == key.path[0]
            assert node.tags.get("nex/dataset") == key.path[0]
            assert node.tags.get("nex/group") == "nex_retail"
            assert (node.description or "").startswith(key.path[0]), key
        elif len(key.path) == 3:
            assert node.group_name == key.path[1] and key.path[1] in recipes
            assert (node.description or "").startswith(key.path[1]), key
        else:
            assert node.group_name in {"warehouse", "nex", "nex_retail_handbook"}, key
