"""Every document kind parsed into citable pages, slides or sections; bad files named with a reason."""

from __future__ import annotations

import pytest

from nex_assets.documents import sample
from nex_assets.documents.parsers import DocumentError, parse
from tests.documents.conftest import locked_office, locked_pdf


def test_every_kind_parses_with_its_references(handbook):
    pdf = parse(handbook / "pricing_policy.pdf")
    assert [u.label for u in pdf] == ["page 1", "page 2", "page 3", "page 4"]
    assert "price elasticity" in pdf[1].text.lower() and pdf[1].page == 2
    slides = parse(handbook / "quarterly_review.pptx")
    assert [u.page for u in slides] == [1, 2, 3] and "12% of loyalty customers" in slides[1].text
    word = parse(handbook / "store_operations.docx")
    assert "section Opening hours" in [u.label for u in word]
    assert "8:00 to 20:00" in next(u.text for u in word if u.label == "section Opening hours")
    md = parse(handbook / "data_glossary.md")
    assert [u.label for u in md][1:] == ["section Week start", "section SKU", "section Customer segment"]
    assert parse(handbook / "contacts.txt")[0].text.startswith("Pricing questions")


def test_pdf_problems_name_the_file_and_reason(tmp_path):
    with pytest.raises(DocumentError, match=r"locked.pdf: the PDF is password-protected"):
        parse(locked_pdf(tmp_path / "locked.pdf"))
    scanned = sample.write_pdf(tmp_path / "scan.pdf", ["", ""], text_layer=False)
    with pytest.raises(DocumentError, match=r"scan.pdf: none of its 2 page\(s\) has a text layer"):
        parse(scanned)
    good = sample.write_pdf(tmp_path / "good.pdf", ["Hello world"])
    (tmp_path / "cut.pdf").write_bytes(good.read_bytes()[:200])
    with pytest.raises(DocumentError, match=r"cut.pdf: not a readable PDF"):
        parse(tmp_path / "cut.pdf")


def test_office_problems_name_the_file_and_reason(handbook, tmp_path):
    with pytest.raises(DocumentError, match=r"locked.docx: the Word document is password-protected"):
        parse(locked_office(handbook / "store_operations.docx", tmp_path / "locked.docx"))
    (tmp_path / "junk.pptx").write_bytes(b"not a presentation at all")
    with pytest.raises(DocumentError, match=r"junk.pptx: not a readable PowerPoint presentation"):
        parse(tmp_path / "junk.pptx")
    (tmp_path / "empty.md").write_text("\n\n")
    with pytest.raises(DocumentError, match=r"empty.md: the document holds no text"):
        parse(tmp_path / "empty.md")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\x00\x00\x00")
    with pytest.raises(DocumentError, match=r"image.txt: the file looks binary"):
        parse(tmp_path / "image.txt")
