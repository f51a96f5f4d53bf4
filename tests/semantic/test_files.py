"""Accepted definitions live in files people edit: accepting a draft writes its file, the file wins
over the next draft, a rejected draft is not used, and a broken file is reported with its place and
leaves only its own dataset out."""

from __future__ import annotations

from nex_assets.common.problems import Problems
from nex_assets.semantic import store
from nex_assets.semantic.logic.draft import ColumnFacts as C
from nex_assets.semantic.logic.draft import TableFacts, draft
from nex_assets.semantic.logic.settings import SemanticSettings


def _facts(name: str) -> TableFacts:
    return TableFacts(
        name,
        "raw",
        name,
        (C("region", "text", "category", 4), C("amount", "double precision", "amount", 90)),
    )


def test_accept_edit_reject_and_a_broken_file(conn, tmp_path, unique_name):
    settings = SemanticSettings()
    good, other = f"{unique_name}_a", f"{unique_name}_b"
    for name in (good, other):
        store.save_draft(conn, name, "v1", draft(_facts(name), {}))
    path = store.decide(conn, tmp_path, settings, good, "accepted", "person:test")
    assert path == tmp_path / "semantic" / f"{good}.yaml" and path.read_text().startswith("# Semantic model")
    # A person renames a metric's label in the file: the file, not the draft, is what answers.
    path.write_text(path.read_text().replace("label: total amount", "label: turnover"))
    layer = store.load_layer(conn, tmp_path, settings)
    assert layer.metrics[f"{good}_amount_total"].label == "turnover"
    assert layer.origin[good] == str(path) and layer.origin[other] == "draft"
    # The same draft again keeps the decision; a rejected draft is left out.
    assert store.save_draft(conn, good, "v2", draft(_facts(good), {})) == "accepted"
    store.decide(conn, tmp_path, settings, other, "rejected", "person:test")
    assert other not in store.load_layer(conn, tmp_path, settings).models
    # A broken file names itself and its field; everything else still loads.
    path.write_text("semantic_models:\n  - name: Bad Name\n    node_relation: {schema_name: raw, alias: x}\n")
    problems = Problems()
    layer = store.load_layer(conn, tmp_path, settings, problems)
    assert good not in layer.models
    (problem,) = [p for p in problems if p.file == str(path)]
    assert "semantic_models.0.name" in problem.message and "snake_case" in problem.message
    conn.rollback()
