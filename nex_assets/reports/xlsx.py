"""The report as a workbook: a summary sheet, then one sheet per available section with its tables
and charts. Every text cell from the data goes through ``neutralise`` so none runs as a formula."""

from __future__ import annotations

import io
import re

from nex_assets.reports.model import Report, Section
from nex_assets.reports.spreadsheet import neutralise

_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _write(ws, row: int, col: int, value: object):
    cell = ws.cell(row=row, column=col)
    safe = neutralise(value if isinstance(value, int | float | bool) or value is None else str(value))
    cell.value = safe
    if isinstance(safe, str):
        cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _sheet(wb, section: Section) -> None:
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    ws = wb.create_sheet(_BAD_TITLE.sub(" ", section.title)[:31])
    _write(ws, 1, 1, section.title).font = Font(bold=True, size=14)
    row = 3
    if section.text:
        _write(ws, row, 1, section.text)
        row += 2
    for key, value in section.facts:
        _write(ws, row, 1, key).font = Font(bold=True)
        _write(ws, row, 2, value)
        row += 1
    for table in section.tables:
        row += 1
        _write(ws, row, 1, table.title).font = Font(bold=True)
        row += 1
        for col, header in enumerate(table.headers, start=1):
            _write(ws, row, col, header).font = Font(bold=True)
        for values in table.rows:
            row += 1
            for col, value in enumerate(values, start=1):
                _write(ws, row, col, value)
        row += 1
    for chart in section.charts:
        row += 1
        image = Image(io.BytesIO(chart.png))
        ws.add_image(image, f"A{row}")
        row += int(image.height / 20) + 2
    for column in ws.columns:
        width = (
            max(len(str(c.value)) for c in column if c.value is not None)
            if any(c.value for c in column)
            else 8
        )
        ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)


def render(report: Report) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "Summary"
    _write(summary, 1, 1, report.dataset).font = Font(bold=True, size=14)
    _write(summary, 2, 1, report.description)
    _write(summary, 3, 1, f"Generated {report.generated_at}")
    _write(summary, 5, 1, "section").font = Font(bold=True)
    _write(summary, 5, 2, "available").font = Font(bold=True)
    for i, section in enumerate(report.sections, start=6):
        _write(summary, i, 1, section.title)
        _write(summary, i, 2, "yes" if section.available else f"not available: {section.reason}")
        if section.available:
            _sheet(wb, section)
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
