"""Writes documents of every kind NEX reads: the NEX Retail handbook collection, and PDFs of any size
for tests and the documents benchmark.

``python -m nex_assets.documents.sample OUT`` writes the handbook (PDF, Word, PowerPoint, Markdown
and text) into OUT.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

_FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

PRICING_POLICY = [
    (
        "Pricing policy",
        "NEX Retail sets one shelf price per product and store, reviewed every Monday. Prices move at most "
        "10% in one review. Promotions give a discount between 10% and 30% for one week and are planned "
        "four weeks ahead. Holiday weeks (Easter, the August bank holiday, Black Friday and Christmas) "
        "carry no extra discount: demand rises on its own in those weeks.",
    ),
    (
        "Price elasticity",
        "Each product category has its own price elasticity. Snacks and beverages react most to price: a "
        "1% price rise loses about 1.5% to 2% of units. Household and personal care products react least. "
        "Elasticities are re-estimated every quarter from the weekly sales of every store.",
    ),
    (
        "Markdown and clearance",
        "Products that sell fewer than five units per store per week for eight weeks in a row are marked "
        "down by 25%, then by 50% after four more weeks. Clearance prices are never used to estimate "
        "elasticities.",
    ),
    (
        "Returns and refunds",
        "Customers may return any product within 30 days with a receipt for a full refund. Without a "
        "receipt the store offers a voucher at the lowest price of the last 30 days. Opened personal care "
        "products cannot be returned unless they are faulty.",
    ),
]

STORE_OPERATIONS = [
    (
        "Opening hours",
        "Stores open from 8:00 to 20:00 on weekdays and from 9:00 to 18:00 on Sundays. City-centre stores "
        "may open one hour earlier.",
    ),
    (
        "Store format and size",
        "Store revenue depends mostly on floor area, footfall, the local population and the number of "
        "competitors within two kilometres. A new store needs at least 400 square metres and parking for "
        "30 cars outside city centres.",
    ),
    (
        "Replenishment",
        "Shelves are refilled overnight from the regional warehouse. A product out of stock for two days "
        "is flagged to the category manager.",
    ),
]

QUARTERLY_REVIEW = [
    ("Quarterly review", "Sales up 4% on last year; promotions drove a third of the growth."),
    (
        "Offers",
        "Personalised offers were accepted by 12% of loyalty customers, twice the rate of mass mailings.",
    ),
    ("Next quarter", "Test dynamic pricing in 20 stores; open two stores in the north."),
]

GLOSSARY = """# Data glossary

## Week start
Every weekly figure is attached to the Monday that starts the week.

## SKU
A stock-keeping unit: one product in one pack size. The same SKU has the same code in every store.

## Customer segment
Loyalty customers are grouped into value, mainstream and premium segments from what they spent in the
last twelve months.
"""


def write_pdf(path: Path, pages: list[str], *, text_layer: bool = True) -> Path:
    """A PDF with one page per string; without a text layer it draws boxes only, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        if text_layer:
            pdf.multi_cell(0, 5, text)
        else:
            for i in range(0, 200, 12):
                pdf.rect(15, 20 + i, 170, 8, style="F")
    pdf.output(str(path))
    return path


def write_docx(path: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.created = _FIXED_DATE.replace(tzinfo=None)
    document.add_heading(title, level=0)
    for heading, text in sections:
        document.add_heading(heading, level=1)
        document.add_paragraph(text)
    document.save(str(path))
    return path


def write_pptx(path: Path, slides: list[tuple[str, str]]) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    deck.save(str(path))
    return path


def write_handbook(out: Path) -> list[Path]:
    """The NEX Retail handbook: the same facts a person would look up next to the sample world's data."""
    out.mkdir(parents=True, exist_ok=True)
    pdf_pages = [f"{title}\n\n{text}" for title, text in PRICING_POLICY]
    return [
        write_pdf(out / "pricing_policy.pdf", pdf_pages),
        write_docx(out / "store_operations.docx", "Store operations", STORE_OPERATIONS),
        write_pptx(out / "quarterly_review.pptx", QUARTERLY_REVIEW),
        _write(out / "data_glossary.md", GLOSSARY),
        _write(
            out / "contacts.txt", "Pricing questions go to the category manager of the product's category.\n"
        ),
    ]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    for written in write_handbook(Path(sys.argv[1])):
        print(written)
