"""A model's text is a suggestion until a person accepts it, on the real database: the dictionary of
retail_sales written by the loopback LLM is ``suggested`` (one answer with an invented number set
aside for the rule-based text), `nex dictionary review` lists it, `nex dictionary accept` with an edit
writes the override file and a version row, search ranks the accepted entry first, and the next build
leaves it as it is. Insights carry the same status."""

from __future__ import annotations

import dagster as dg
import yaml

from nex_assets.cli import main
from nex_assets.core.db import schema_script
from nex_assets.dictionary import store
from nex_assets.search import search
from tests.dictionary.conftest import definitions, materialize, metadata
from tests.llm_server import TEST_MODEL, Reply, default_responder

EDITED = "Shelf price of one unit in pounds, before any promotion."


def _responder(body: dict) -> Reply:
    prompt = body["messages"][-1]["content"]
    if "`units_sold`" in prompt:
        # A fluent answer with a figure the facts do not hold.
        return Reply.json(
            {
                "description": "Units sold in the week; 987,654 at most.",
                "business_meaning": "Demand.",
                "personal_data": False,
                "tags": ["volume"],
            }
        )
    if "data analyst" in body["messages"][0]["content"]:
        return Reply.json(
            {"statements": [{"section": "summary", "text": "Weekly sales.", "fact_ids": ["summary.table"]}]}
        )
    return default_responder(body)


def _lines(capsys) -> list[list[str]]:
    return [line.split("\t") for line in capsys.readouterr().out.splitlines()]


def test_suggested_entries_are_reviewed_accepted_with_an_edit_and_ranked_first(
    world_project, llm_env, dagster_instance, conn, tmp_path, monkeypatch, capsys
):
    catalog = world_project
    monkeypatch.setenv("NEX_PROJECT_DIR", str(tmp_path))
    llm_env.responder = _responder
    defs = definitions(catalog, use_cache=False)
    steps = ("raw", "profile", "dictionary", "embeddings")
    result = materialize(defs, dagster_instance, [dg.AssetKey(["retail_sales", s]) for s in steps])

    entries = store.load_entries(conn, "retail_sales")
    meta = metadata(result, "retail_sales/dictionary")
    assert meta["numbers_rejected"] == 1
    assert (entries["units_sold"].status, entries["units_sold"].writer) == ("rule-based", "rule-based")
    suggested = {c for c, e in entries.items() if e.status == "suggested"}
    assert suggested == set(entries) - {"units_sold"} and meta["status/suggested"] == len(suggested)
    assert {entries[c].writer for c in suggested} == {TEST_MODEL}
    versions = conn.execute(
        "select column_name, status from nex.dictionary_versions where dataset = 'retail_sales'"
    ).fetchall()
    assert dict(versions) == {c: e.status for c, e in entries.items()}

    assert main(["dictionary", "review", "--dataset", "retail_sales"]) == 0
    listed = _lines(capsys)
    assert {row[2] for row in listed} == {entries[c].ref for c in suggested}
    assert all(row[1] == "retail_sales" and row[3:5] == ["suggested", TEST_MODEL] for row in listed)

    # Accepted with an edit: the override file, the entry and its version row, and search.
    assert main(["dictionary", "accept", "retail_sales", "price", "--text", EDITED, "--by", "ana"]) == 0
    path = tmp_path / "dictionary" / "overrides" / "retail_sales.yaml"
    assert f"wrote {path}" in capsys.readouterr().out
    written = yaml.safe_load(path.read_text())["columns"]["price"]
    assert written["description"] == EDITED and written["author"] == "ana"
    assert written["accepted_from"] == TEST_MODEL and written["unit"] == "GBP"
    price = store.load_entries(conn, "retail_sales")["price"]
    assert (price.status, price.source, price.writer, price.version) == (
        "accepted",
        "override",
        "person:ana",
        2,
    )
    history = store.history(conn, "retail_sales", "price")
    assert [(h["version"], h["status"], h["reason"], h["author"]) for h in history] == [
        (1, "suggested", "new", "nex-dictionary"),
        (2, "accepted", "accepted", "ana"),
    ]
    assert main(["dictionary", "history", "retail_sales", "--column", "price"]) == 0
    assert [row[3:5] for row in _lines(capsys)] == [["new", "suggested"], ["accepted", "accepted"]]
    assert main(["dictionary", "export", "retail_sales"]) == 0
    assert "accepted: person:ana (v2)" in capsys.readouterr().out
    hits = search(conn, "price of one unit before promotion", dataset="retail_sales", k=3)
    assert hits[0].column == "price" and hits[0].curated and hits[0].metadata["status"] == "accepted"
    assert not any(h.curated for h in hits[1:])

    # The table's own entry accepted as suggested; a person's entry is not accepted twice.
    assert main(["dictionary", "accept", "retail_sales", "(table)", "--by", "ana"]) == 0
    assert main(["dictionary", "accept", "retail_sales", "price", "--by", "ana"]) == 1
    assert "already a person's text" in capsys.readouterr().err
    assert main(["dictionary", "review", "--status", "accepted", "--dataset", "retail_sales"]) == 0
    assert [row[2] for row in _lines(capsys)] == ["(table)", "price"]  # newest first

    # The next build finds the accepted entries as the file says: nothing is written again.
    llm_env.reset()
    again = metadata(
        materialize(defs, dagster_instance, [dg.AssetKey(["retail_sales", "dictionary"])]),
        "retail_sales/dictionary",
    )
    assert again["unchanged"] == again["entries"] and again["status/accepted"] == 2 and llm_env.requests == []

    # A broken override file is refused, named, and left as the person wrote it.
    path.write_text("columns:\n  nope:\n    description: x\n")
    assert main(["dictionary", "accept", "retail_sales", "sku", "--by", "ana"]) == 1
    assert "retail_sales.yaml" in capsys.readouterr().err
    assert path.read_text() == "columns:\n  nope:\n    description: x\n"

    # Insights phrased by the model are suggested too, until a person accepts them.
    materialize(defs, dagster_instance, [dg.AssetKey(["retail_sales", "insights"])])
    assert main(["dictionary", "review", "--insights", "--dataset", "retail_sales"]) == 0
    head = capsys.readouterr().out.splitlines()
    assert (
        head[0].split("\t")[1:4] == ["retail_sales", "suggested", TEST_MODEL] and "Weekly sales." in head[1]
    )
    assert main(["dictionary", "accept", "retail_sales", "--insights", "--by", "ana"]) == 0
    status = conn.execute(
        "select status, reviewed_by from nex.insights where dataset = 'retail_sales' "
        "order by generated_at desc limit 1"
    ).fetchone()
    assert status == ("accepted", "ana")


def test_tables_made_before_the_review_status_get_it_from_their_writer(conn, unique_name):
    """The DDL runs at every bootstrap: on tables without the column it adds it and fills it."""
    script = schema_script("10_dictionary.sql").read_text()
    try:
        conn.execute("alter table nex.dictionary_entries drop column status")
        conn.execute(
            "alter table nex.insights drop column status, drop column reviewed_by, drop column reviewed_at"
        )
        for column, source in (("a", "llm"), ("b", "override"), ("c", "rule-based")):
            conn.execute(
                "insert into nex.dictionary_entries (dataset, column_name, kind, description, writer, "
                "source, profile_hash, author, version) values (%s, %s, 'column', 'x', 'w', %s, 'h', 'n', 1)",
                (unique_name, column, source),
            )
        conn.execute(
            "insert into nex.insights (dataset, writer, facts, statements) values (%s, 'qwen', '[]', '[]')",
            (unique_name,),
        )
        conn.execute(script)
        conn.execute(script)
        statuses = conn.execute(
            "select column_name, status from nex.dictionary_entries where dataset = %s order by 1",
            (unique_name,),
        ).fetchall()
        assert statuses == [("a", "suggested"), ("b", "curated"), ("c", "rule-based")]
        insight = conn.execute(
            "select status from nex.insights where dataset = %s", (unique_name,)
        ).fetchone()
        assert insight == ("suggested",)
    finally:
        conn.rollback()
