"""Through Dagster: a document collection and an Excel dataset materialize in the same graph."""

from __future__ import annotations

import dagster as dg

from nex_assets.core.build import Catalog
from nex_assets.datasets.logic.catalog import load_catalog
from nex_assets.search import search
from tests.core.helpers import with_resources
from tests.datasets.test_formats import ORDERS, write_workbook
from tests.documents.conftest import locked_pdf


def test_collection_and_workbook_materialize_and_documents_are_searchable(
    handbook, tmp_path, monkeypatch, dagster_instance, conn, embedder, unique_name
):
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / f"{unique_name}.yaml").write_text(f"name: {unique_name}\npath: {handbook}\ngroup: handbook\n")
    monkeypatch.setenv("NEX_DOCUMENTS_DIR", str(docs))
    locked_pdf(handbook / "locked.pdf")
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    write_workbook(tmp_path / "orders.xlsx", {"Orders": ORDERS})
    book = f"{unique_name}_orders"
    (datasets / f"{book}.yaml").write_text(
        f"name: {book}\nsource:\n  path: orders.xlsx\nprimary_key: [order_id]\n"
    )
    # A corrupt workbook in the same run fails its own step only.
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    broken = f"{unique_name}_broken"
    (datasets / f"{broken}.yaml").write_text(f"name: {broken}\nsource:\n  path: broken.xlsx\n")
    catalog = Catalog(load_catalog(datasets), project_dir=tmp_path, landing_dir=tmp_path / "landing")
    defs = with_resources(catalog)
    keys = [
        dg.AssetKey([unique_name, "documents"]),
        dg.AssetKey([book, "raw"]),
        dg.AssetKey([book, "profile"]),
    ]
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=dagster_instance, asset_selection=[*keys, dg.AssetKey([broken, "raw"])], raise_on_error=False
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == f"{broken}__raw"
    assert "broken.xlsx: not an Excel .xlsx workbook" in str(failure.step_failure_data.error)
    meta = {
        m.materialization.asset_key.to_user_string(): m.materialization.metadata
        for m in result.get_asset_materialization_events()
    }
    documents = meta[f"{unique_name}/documents"]
    assert documents["embedded"].value == 5 and documents["failed"].value == 1
    assert "locked.pdf" in documents["file_table"].value
    # The workbook's raw asset brings its automatic quality checks along; the collection has one.
    [check] = [c for c in result.get_asset_check_evaluations() if c.asset_key.path[-1] == "documents"]
    assert not check.passed and "password-protected" in check.metadata["reasons"].value
    assert meta[f"{book}/raw"]["dagster/row_count"].value == 2
    kinds = dict(
        conn.execute(
            "select column_name, inferred_type from nex.column_profiles where dataset = %s", (book,)
        ).fetchall()
    )
    assert kinds["amount"] == "numeric" and kinds["order_id"] == "identifier"

    hits = search(conn, "what discount do promotions give?", dataset=unique_name, k=3, embedder=embedder)
    assert hits[0].kind == "document" and hits[0].metadata["citation"] == "pricing_policy.pdf, page 1"
    assert (hits[0].table, hits[0].ref) == ("pricing_policy.pdf", "pricing_policy.pdf, page 1 #0")

    again = job.execute_in_process(instance=dagster_instance, asset_selection=keys[:1])
    [event] = again.get_asset_materialization_events()
    assert event.materialization.metadata["unchanged"].value == 5
    assert event.materialization.metadata["chunks_written"].value == 0
