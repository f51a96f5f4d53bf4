"""Documents of every kind, written fresh per test; the real local embedder, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from nex_assets.documents import sample


@pytest.fixture(scope="session")
def embedder():
    from nex_assets.llm.embedder import get_embedder

    return get_embedder()


@pytest.fixture()
def handbook(tmp_path) -> Path:
    folder = tmp_path / "handbook"
    sample.write_handbook(folder)
    return folder


def locked_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="reader")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 5, "Secret plans.")
    pdf.output(str(path))
    return path


def locked_office(plain: Path, path: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with plain.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("s3cret", out)
    return path
