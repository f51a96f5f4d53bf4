"""The suites run as checks on every load: the clean sample world passes, injected defects are caught by
the right check, block what is downstream, and lower the score in the right dimension."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from urllib.parse import unquote

import dagster as dg

from nex_assets.cli import main
from nex_assets.studio import links
from tests.quality.conftest import quality_definitions, run_all

DATASETS = (
    "retail_stores",
    "retail_products",
    "retail_sales",
    "retail_customers",
    "retail_offers",
    "retail_offer_events",
)


def _checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(c.asset_key.path[0], c.check_name): c for c in result.get_asset_check_evaluations()}


def _materialized(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetMaterialization]:
    return {
        e.materialization.asset_key.to_user_string(): e.materialization
        for e in result.get_asset_materialization_events()
    }


def _latest_scores(conn, dataset: str) -> dict:
    row = conn.execute(
        "select score, completeness, consistency, accuracy, validity, uniqueness, checks_passed "
        "from nex.quality_scores where dataset = %s order by scored_at desc, id desc limit 1",
        (dataset,),
    ).fetchone()
    keys = ("score", "completeness", "consistency", "accuracy", "validity", "uniqueness", "checks_passed")
    return dict(zip(keys, row, strict=True))


def _edit(path: Path, edits: dict[int, dict[str, str]]) -> None:
    """Rewrites data rows (0-based) of a CSV with the given column values."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, values in edits.items():
        rows[i].update(values)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_clean_world_passes_every_check_and_scores_accumulate(
    small_world, tmp_path, dagster_instance, conn, docs_dir, capsys
):
    defs = quality_definitions(small_world, tmp_path)
    first = run_all(defs, dagster_instance)
    assert first.success
    checks = _checks(first)
    assert {ds for ds, _ in checks} == set(DATASETS)
    failed = {k: c.metadata.get("expectations") for k, c in checks.items() if not c.passed}
    assert not failed
    # Cross-table rules are checks too, and they read the other raw tables.
    assert ("retail_sales", "references") in checks and ("retail_offer_events", "references") in checks
    assert checks[("retail_customers", "email")].blocking is True
    assert checks[("retail_customers", "email_warn")].blocking is False
    mats = _materialized(first)
    for ds in DATASETS:
        meta = mats[f"{ds}/quality"].metadata
        assert meta["score"].value >= 99.9
        assert meta["checks_passed"].value is True
        # Served by Studio (a browser refuses file:// links from an http page): the link names the file.
        docs = meta["data_docs"].value
        assert docs.startswith(f"{links.studio_url()}/files/data-docs/")
        page = docs_dir / unquote(docs.split("/files/data-docs/", 1)[1])
        assert page.is_file() and page.is_relative_to(docs_dir / ds)
    assert (docs_dir / "retail_sales" / "index.html").is_file()
    assert 'href="retail_sales/index.html"' in (docs_dir / "index.html").read_text()
    scores = _latest_scores(conn, "retail_sales")
    assert scores["checks_passed"] and scores["consistency"] == 100.0

    second = run_all(defs, dagster_instance)
    assert second.success
    meta = _materialized(second)["retail_sales/quality"].metadata
    assert meta["previous_score"].value == scores["score"]
    assert meta["trend"].value.count("| pass |") >= 2
    history = "select count(*) from nex.quality_scores where dataset = 'retail_sales'"
    assert conn.execute(history).fetchone()[0] >= 2
    assert main(["quality", "scores", "retail_sales", "--limit", "2"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("| scored_at | score | completeness") and listing.count("| True |") == 2


def test_defects_are_caught_block_downstream_and_lower_the_right_dimension(
    small_world, tmp_path, dagster_instance, conn, docs_dir
):
    world = tmp_path / "world"
    shutil.copytree(small_world, world)
    customers = world / "customers.csv"
    with customers.open() as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    _edit(
        customers,
        {
            3: {"email": "not-an-email"},
            4: {"email": rows[5]["email"]},
            6: {"segment": "vip"},
            7: {"birth_date": "31/02/1990"},
            8: {"age": "250"},
            9: {"first_name": ""},
        },
    )
    _edit(world / "offers.csv", {2: {"discount_pct": "150"}, 3: {"channel": "fax"}, 4: {"offer_name": ""}})
    _edit(world / "sales.csv", {0: {"store_id": "S9999"}, 1: {"store_id": "S9998"}})

    result = run_all(quality_definitions(world, tmp_path / "project"), dagster_instance)
    assert not result.success
    checks = _checks(result)
    expected_failures = {
        ("retail_customers", "email"),
        ("retail_customers", "email_warn"),
        ("retail_customers", "segment"),
        ("retail_customers", "birth_date"),
        ("retail_customers", "age"),
        ("retail_customers", "first_name"),
        # signup_date > birth_date cannot be evaluated once birth_date is no longer a date.
        ("retail_customers", "signup_date"),
        ("retail_offers", "discount_pct"),
        ("retail_offers", "channel"),
        ("retail_offers", "offer_name"),
        ("retail_sales", "references"),
    }
    failed = {k for k, c in checks.items() if not c.passed}
    assert failed == expected_failures
    assert checks[("retail_customers", "email_warn")].severity == dg.AssetCheckSeverity.WARN
    assert checks[("retail_customers", "segment")].severity == dg.AssetCheckSeverity.ERROR
    refs = checks[("retail_sales", "references")].metadata
    assert refs["unexpected_count"].value == 2
    segment = checks[("retail_customers", "segment")].metadata
    assert segment["unexpected_count"].value == 1 and "vip" in segment["unexpected_examples"].value
    # The malformed email is personal data: its metadata shows only its shape.
    email = checks[("retail_customers", "email")].metadata
    assert email["unexpected_count"].value == 1 and "not-an-email" not in email["expectations"].value
    docs = [p for p in (docs_dir / "retail_customers").rglob("*.html") if "validations" in p.parts]
    assert docs and not any("not-an-email" in p.read_text() for p in docs)

    mats = _materialized(result)
    # Blocking checks stop what is downstream of the bad datasets; clean datasets go on.
    for bad in ("retail_customers", "retail_offers", "retail_sales"):
        assert f"{bad}/profile" not in mats
        assert f"{bad}/quality" in mats
    for good in ("retail_stores", "retail_products"):
        assert f"{good}/profile" in mats
    # Offer events' rules read customers and offers: they wait until those pass, and so does all
    # that is downstream of them.
    assert "retail_offer_events/quality" not in mats and "retail_offer_events/profile" not in mats

    customers_score = _latest_scores(conn, "retail_customers")
    assert not customers_score["checks_passed"]
    for dim in ("validity", "accuracy", "uniqueness", "completeness"):
        assert customers_score[dim] < 100.0, dim
    offers_score = _latest_scores(conn, "retail_offers")
    for dim in ("accuracy", "completeness", "validity"):
        assert offers_score[dim] < 100.0, dim
    assert offers_score["uniqueness"] == 100.0
    sales_score = _latest_scores(conn, "retail_sales")
    assert sales_score["consistency"] < 100.0
    assert sales_score["accuracy"] == 100.0 and sales_score["completeness"] == 100.0
    recommendations = mats["retail_customers/quality"].metadata["recommendations"].value
    assert "segment" in recommendations or "birth_date" in recommendations
