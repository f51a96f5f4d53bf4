"""The dictionary and embeddings assets end to end: the sample world through Dagster, the LLM a real
loopback server that answers, fails, hangs and talks nonsense."""

from __future__ import annotations

import json

import dagster as dg

from nex_assets.dictionary import store
from nex_assets.llm.embedder import LOCAL_NAME
from tests.dictionary.conftest import definitions, keys, materialize, metadata, run
from tests.llm_server import TEST_MODEL, Reply, default_responder

SENSITIVE = ("first_name", "last_name", "email", "phone", "birth_date")


def _sensitive_values(conn) -> set[str]:
    rows = conn.execute(f"select {', '.join(SENSITIVE)} from raw.retail_customers").fetchall()
    return {str(v) for row in rows for v in row if v is not None and len(str(v)) >= 4}


def test_dictionary_survives_faults_caches_keeps_overrides_and_leaks_nothing(
    world_project, llm_env, dagster_instance, conn, tmp_path
):
    catalog = world_project
    defs = definitions(catalog, timeout_s=0.5, max_attempts=4)
    everything = [
        *keys(catalog, "raw", "profile", "dictionary", "embeddings"),
        *[k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "warehouse"],
    ]
    # Faults are served in order to whichever requests come first; with four attempts per entry the
    # pipeline absorbs them (or falls back to the rule-based writer for an entry) and completes.
    llm_env.enqueue(
        Reply.error(429),
        Reply.error(500),
        Reply.error(500),
        Reply.hang(1.5),
        Reply.malformed(),
        Reply.text("this is not json"),
    )
    # One column's every attempt fails with a 500: that entry alone falls back to the rule-based writer.
    llm_env.responder = lambda body: (
        Reply.error(500) if "`tenure_months`" in body["messages"][-1]["content"] else default_responder(body)
    )
    first = materialize(defs, dagster_instance, everything)
    llm_env.responder = default_responder

    entries = store.load_entries(conn, "retail_customers")
    profiled = {
        r[0]
        for r in conn.execute(
            "select column_name from nex.column_profiles where dataset = 'retail_customers'"
        )
    }
    assert set(entries) == profiled | {""}
    assert (
        entries["avg_basket_value"].source == "override" and entries["avg_basket_value"].author == "team:crm"
    )
    assert entries["email"].personal_data and entries["email"].personal_kind
    assert {e.writer for e in entries.values() if e.source == "llm"} == {TEST_MODEL}
    assert entries["tenure_months"].source == "rule-based" and entries["tenure_months"].writer == "rule-based"
    assert entries["tenure_months"].description.startswith("Numeric measure: tenure months.")
    meta = metadata(first, "retail_customers/dictionary")
    assert meta["llm/calls"] >= meta["described"] and meta["llm/prompt_tokens"] > 0
    assert meta["llm/retries"] >= 1 and meta["llm/fallbacks"] == 1 and meta["rule_based"] == 1
    schema = meta["dagster/column_schema"]
    assert {c.name for c in schema.columns} == profiled and all(c.description for c in schema.columns)

    # Nothing personal left the machine: no sensitive value in any request body.
    sent = llm_env.all_bodies()
    assert len(llm_env.chat_requests) > 40
    leaked = [v for v in _sensitive_values(conn) if v in sent]
    assert leaked == []

    # Comments in Postgres, on the raw table and on the dbt models that carry the columns through.
    table_comment = conn.execute(
        "select obj_description('raw.retail_sales'::regclass, 'pg_class')"
    ).fetchone()[0]
    assert table_comment and "v1]" in table_comment
    staged = conn.execute(
        "select col_description('staging.stg_retail__sales'::regclass, attnum) from pg_attribute "
        "where attrelid = 'staging.stg_retail__sales'::regclass and attname = 'revenue'"
    ).fetchone()[0]
    assert "(from raw.retail_sales.revenue)" in staged and "Unit: GBP" in staged
    basket = conn.execute(
        "select col_description('raw.retail_customers'::regclass, attnum) from pg_attribute "
        "where attrelid = 'raw.retail_customers'::regclass and attname = 'avg_basket_value'"
    ).fetchone()[0]
    assert basket.startswith("Average amount the customer spends") and "override: person:team:crm" in basket

    # A second materialization with nothing changed asks the LLM nothing and embeds nothing.
    llm_env.reset()
    second = materialize(defs, dagster_instance, keys(catalog, "dictionary", "embeddings"))
    assert llm_env.requests == []
    assert (
        metadata(second, "retail_sales/dictionary")["unchanged"]
        == metadata(second, "retail_sales/dictionary")["entries"]
    )
    assert metadata(second, "retail_sales/embeddings")["embedded"] == 0

    # A person's new override wins, is versioned with its author, and survives regeneration.
    path = tmp_path / "dictionary" / "overrides" / "retail_sales.yaml"
    path.write_text(
        "author: ana@example.com\ncolumns:\n  units_sold:\n    description: Units sold in the week.\n"
    )
    conn.execute(
        "update nex.column_profiles set profile_hash = 'changed' where dataset = 'retail_sales' "
        "and column_name in ('units_sold', 'price')"
    )
    conn.commit()
    llm_env.reset()
    third = materialize(defs, dagster_instance, keys(catalog, "dictionary", "embeddings"))
    sales = store.load_entries(conn, "retail_sales")
    assert sales["units_sold"].description == "Units sold in the week." and sales["units_sold"].version == 2
    # Only the stale column and the table (whose profile hash covers its columns) were described again;
    # their facts did not change, so the cache answered both.
    meta = metadata(third, "retail_sales/dictionary")
    assert meta["stale"] == 2 and meta["llm/cache_hits"] == 2 and llm_env.requests == []
    # The cache gave the stale entries the same words: only the override's text is embedded again.
    assert metadata(third, "retail_sales/embeddings")["embedded"] == 1
    history = store.history(conn, "retail_sales", "units_sold")
    assert [(h["version"], h["reason"], h["author"]) for h in history] == [
        (1, "new", "nex-dictionary"),
        (2, "override", "ana@example.com"),
    ]
    llm_env.reset()
    materialize(defs, dagster_instance, keys(catalog, "dictionary"))
    assert (
        store.load_entries(conn, "retail_sales")["units_sold"].source == "override" and llm_env.requests == []
    )

    vectors = conn.execute(
        "select count(*), count(distinct embedder) from nex.embeddings where dataset like 'retail_%'"
    ).fetchone()
    assert vectors[0] == sum(len(store.load_entries(conn, ds.name)) for ds in catalog.datasets)
    assert (
        conn.execute("select max(embedder) from nex.embeddings where dataset = 'retail_sales'").fetchone()[0]
        == LOCAL_NAME
    )


def test_a_broken_override_file_fails_the_asset_naming_the_file(
    world_project, dagster_instance, monkeypatch, tmp_path
):
    for name in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    catalog = world_project
    (tmp_path / "dictionary" / "overrides" / "retail_offers.yaml").write_text(
        "columns:\n  no_such_column:\n    description: x\n"
    )
    result = run(
        definitions(catalog),
        dagster_instance,
        [dg.AssetKey(["retail_offers", s]) for s in ("raw", "profile", "dictionary")],
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = json.dumps(str(failure.event_specific_data.error))
    assert "retail_offers.yaml" in message and "no_such_column" in message


def test_what_the_rules_wrote_without_a_model_is_written_again_once_one_answers(
    world_project, dagster_instance, conn, monkeypatch, llm_server
):
    from nex_assets.core import settings as nex_settings
    from nex_assets.llm import endpoint
    from nex_assets.llm.settings import LLMSettings

    key = dg.AssetKey(["retail_offers", "dictionary"])

    def version(defs) -> str:
        return defs.resolve_assets_def(key).code_versions_by_key[key]

    for name in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY", "NEX_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEX_LLM", "off")
    catalog = world_project
    selection = [dg.AssetKey(["retail_offers", s]) for s in ("raw", "profile", "dictionary")]
    without = definitions(catalog)
    materialize(without, dagster_instance, selection)
    before = store.load_entries(conn, "retail_offers")
    assert {e.source for e in before.values()} - {"override"} == {"rule-based"}
    # A model answers now: the dictionary's version moves (so `nex run` recomputes it) ...
    monkeypatch.delenv("NEX_LLM")
    monkeypatch.setenv("NEX_LLM_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("NEX_LLM_MODEL", TEST_MODEL)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-secret")
    assert endpoint.writer(nex_settings.load(LLMSettings)) == TEST_MODEL
    defs = definitions(catalog)
    assert version(defs) != version(without)
    # ... and the entries the rules wrote are written by the model.
    materialize(defs, dagster_instance, [key])
    after = store.load_entries(conn, "retail_offers")
    rewritten = [c for c, e in before.items() if e.source == "rule-based" and after[c].source == "llm"]
    assert rewritten and len(rewritten) == sum(e.source == "rule-based" for e in before.values())
