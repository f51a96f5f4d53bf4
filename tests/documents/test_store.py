"""Syncing a collection into nex.embeddings: only changed files embed again; bad files never cost the rest."""

from __future__ import annotations

import shutil

from nex_assets.documents import sample
from nex_assets.documents.logic.collections import Collection
from nex_assets.documents.store import sync_collection
from tests.documents.conftest import locked_pdf


def chunks(conn, name: str) -> dict[str, int]:
    rows = conn.execute(
        "select metadata->>'file', count(*) from nex.embeddings where kind = 'document' and dataset = %s "
        "group by 1",
        (name,),
    ).fetchall()
    return dict(rows)


def test_sync_embeds_changes_only_and_keeps_good_files_when_one_is_bad(
    handbook, tmp_path, database, embedder, unique_name
):
    from nex_assets.core import db

    collection = Collection(name=unique_name, path=str(handbook))
    with db.connect(database, autocommit=True) as conn:
        first = sync_collection(conn, collection, tmp_path, embedder)
        assert first.count("embedded") == 5 and first.chunks_written == sum(
            chunks(conn, unique_name).values()
        )
        citations = {
            r[0]
            for r in conn.execute(
                "select metadata->>'citation' from nex.embeddings where dataset = %s", (unique_name,)
            )
        }
        assert {"pricing_policy.pdf, page 2", "quarterly_review.pptx, slide 3"} <= citations

        second = sync_collection(conn, collection, tmp_path, embedder)
        assert second.count("unchanged") == 5 and second.chunks_written == 0
        assert second.data_version == first.data_version

        sample.write_pdf(handbook / "pricing_policy.pdf", ["Only one page now."])
        (handbook / "contacts.txt").unlink()
        locked_pdf(handbook / "locked.pdf")
        shutil.copy(handbook / "store_operations.docx", handbook / "broken.docx")
        (handbook / "broken.docx").write_bytes(b"PK\x03\x04 broken")
        third = sync_collection(conn, collection, tmp_path, embedder, run_id="run-3")
        status = {f.file: f.status for f in third.files}
        assert status == {
            "pricing_policy.pdf": "embedded",
            "contacts.txt": "removed",
            "locked.pdf": "failed",
            "broken.docx": "failed",
            "data_glossary.md": "unchanged",
            "quarterly_review.pptx": "unchanged",
            "store_operations.docx": "unchanged",
        }
        after = chunks(conn, unique_name)
        assert after["pricing_policy.pdf"] == 1 and "contacts.txt" not in after and "locked.pdf" not in after
        reasons = [
            r[0]
            for r in conn.execute(
                "select reason from nex.load_failures where dataset = %s and dagster_run_id = 'run-3'",
                (unique_name,),
            )
        ]
        assert any("locked.pdf: the PDF is password-protected" in r for r in reasons)
        assert any("broken.docx: not a readable Word document" in r for r in reasons)

        # A failed file is not parsed again until it changes; its reason stays visible.
        fourth = sync_collection(conn, collection, tmp_path, embedder)
        assert {f.file: f.error for f in fourth.files if f.status == "failed"}.keys() == {
            "locked.pdf",
            "broken.docx",
        }
        assert fourth.chunks_written == 0


def test_nearest_chunk_answers_a_question_with_its_page(handbook, tmp_path, database, embedder, unique_name):
    from nex_assets.core import db

    collection = Collection(name=unique_name, path=str(handbook))
    with db.connect(database, autocommit=True) as conn:
        sync_collection(conn, collection, tmp_path, embedder)
        [query] = embedder.embed(["How long do customers have to return a product?"])
        best = conn.execute(
            "select metadata->>'citation' from nex.embeddings where dataset = %s "
            "order by embedding <=> %s::vector limit 1",
            (unique_name, "[" + ",".join(map(str, query)) + "]"),
        ).fetchone()[0]
    assert best == "pricing_policy.pdf, page 4"
