"""The report as a PDF (fpdf2): headings, fact lists, tables and the charts."""

from __future__ import annotations

import io

from nex_assets.reports.model import Report, Section

MAX_CELL = 80
KEEP_WITH_HEADING = 45  # mm of page a heading needs below it
CHART_WIDTH = 0.6  # share of the page width


def _latin1(text: str) -> str:
    # The core PDF fonts cover Latin-1 only; anything else is shown as '?'.
    return text.encode("latin-1", "replace").decode("latin-1")


def _text(value: object) -> str:
    text = _latin1("" if value is None else str(value))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "..."


def _line(pdf, text: str) -> None:
    pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _chart_height(pdf, png: bytes) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return pdf.epw * CHART_WIDTH * image.height / image.width


def _section(pdf, section: Section) -> None:
    first_chart = _chart_height(pdf, section.charts[0].png) if section.available and section.charts else 0
    if pdf.will_page_break(KEEP_WITH_HEADING + first_chart):
        pdf.add_page()  # no heading alone at the foot of a page
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 10, _text(section.title), new_x="LMARGIN", new_y="NEXT")
    if not section.available:
        pdf.set_font("helvetica", "I", 9)
        _line(pdf, f"Not available: {section.reason}.")
        pdf.ln(2)
        return
    pdf.set_font("helvetica", size=9)
    if section.text:
        _line(pdf, section.text)
    for key, value in section.facts:
        _line(pdf, f"{key}: {value}")
    for chart in section.charts:
        pdf.image(io.BytesIO(chart.png), w=pdf.epw * CHART_WIDTH)
    for table in section.tables:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(0, 7, _text(table.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=7)
        if not table.rows:
            pdf.cell(0, 5, "none", new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(text_align="LEFT", line_height=3.5) as grid:
            grid.row([_text(h) for h in table.headers])
            for row in table.rows:
                grid.row([_text(v) for v in row])
        pdf.set_font("helvetica", size=9)
    pdf.ln(3)


def render(report: Report) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape")
    pdf.set_title(f"NEX report: {report.dataset}")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, _text(report.dataset), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    _line(pdf, f"{report.description} Generated {report.generated_at}.")
    pdf.ln(3)
    for section in report.sections:
        _section(pdf, section)
    return bytes(pdf.output())
