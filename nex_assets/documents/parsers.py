"""Text out of PDF, Word, PowerPoint, Markdown and text files, as citable pages, slides or sections.

Each parser raises ``DocumentError`` naming the file and the reason for anything it cannot read
(password protection, a corrupt file, a scanned PDF with no text layer), so one bad file is
reported and skipped while the rest of the collection is still embedded.
"""

from __future__ import annotations

import re
from pathlib import Path

from nex_assets.common import office
from nex_assets.documents.logic.collections import Unit, document_kind

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


class DocumentError(RuntimeError):
    """A document could not be read; the message names the file and the reason."""


def _office_package(path: Path, what: str) -> None:
    problem = office.package_problem(path)
    if problem == "encrypted":
        raise DocumentError(f"{path}: the {what} is password-protected (encrypted); save it without one")
    if problem == "legacy":
        raise DocumentError(
            f"{path}: an old binary Office file, not {path.suffix}; save it in the new format"
        )
    if problem == "corrupt":
        raise DocumentError(f"{path}: not a readable {what} (the file is corrupt or of another kind)")


def parse_pdf(path: Path) -> list[Unit]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path}: the PDF is password-protected; save a copy without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise DocumentError(f"{path}: the PDF is password-protected; save a copy without a password") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{path}: not a readable PDF (corrupt or truncated): {exc}") from exc
    if not pages:
        raise DocumentError(f"{path}: the PDF has no pages")
    if not any(p.strip() for p in pages):
        raise DocumentError(
            f"{path}: none of its {len(pages)} page(s) has a text layer (a scanned PDF?); run OCR on it first"
        )
    return [Unit(i, f"page {i}", text) for i, text in enumerate(pages, start=1) if text.strip()]


def parse_docx(path: Path) -> list[Unit]:
    import docx

    _office_package(path, "Word document")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise DocumentError(f"{path}: not a readable Word document (corrupt .docx): {exc}") from exc
    # Word files have no fixed pages: cite the heading the text sits under.
    units: list[Unit] = []
    heading, lines = "", []

    def flush() -> None:
        if any(line.strip() for line in lines):
            units.append(Unit(None, f"section {heading}" if heading else "start", "\n".join(lines)))

    for para in document.paragraphs:
        style = (para.style.name or "") if para.style is not None else ""
        if style.startswith("Heading") or style == "Title":
            flush()
            heading, lines = para.text.strip(), [para.text]
        else:
            lines.append(para.text)
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    flush()
    return units


def parse_pptx(path: Path) -> list[Unit]:
    from pptx import Presentation

    _office_package(path, "PowerPoint presentation")
    try:
        deck = Presentation(str(path))
    except Exception as exc:
        raise DocumentError(f"{path}: not a readable presentation (corrupt .pptx): {exc}") from exc
    units = []
    for number, slide in enumerate(deck.slides, start=1):
        texts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                texts += [" | ".join(c.text for c in row.cells) for row in shape.table.rows]
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            texts.append(slide.notes_slide.notes_text_frame.text)
        text = "\n".join(t for t in texts if t.strip())
        if text:
            units.append(Unit(number, f"slide {number}", text))
    return units


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"{path}: the file looks binary, not text")
    for encoding in ("utf-8-sig", "utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig",):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", errors="replace")


def parse_markdown(path: Path) -> list[Unit]:
    units: list[Unit] = []
    heading, lines = "", []
    for line in _read_text(path).splitlines():
        m = _MD_HEADING.match(line)
        if m:
            if any(x.strip() for x in lines):
                units.append(Unit(None, f"section {heading}" if heading else "start", "\n".join(lines)))
            heading, lines = m.group(2), [m.group(2)]
        else:
            lines.append(line)
    if any(x.strip() for x in lines):
        units.append(Unit(None, f"section {heading}" if heading else "start", "\n".join(lines)))
    return units


def parse_text(path: Path) -> list[Unit]:
    text = _read_text(path)
    return [Unit(None, "", text)] if text.strip() else []


PARSERS = {
    "pdf": parse_pdf,
    "docx": parse_docx,
    "pptx": parse_pptx,
    "markdown": parse_markdown,
    "text": parse_text,
}


def parse(path: Path) -> list[Unit]:
    kind = document_kind(path)
    if kind is None:
        raise DocumentError(f"{path}: {path.suffix or 'no'} extension is not a document kind NEX reads")
    try:
        units = PARSERS[kind](path)
    except FileNotFoundError as exc:
        raise DocumentError(f"{path}: the file disappeared before it was read") from exc
    if not units:
        raise DocumentError(f"{path}: the document holds no text")
    return units
