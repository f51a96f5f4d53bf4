"""The report as one self-contained HTML page (charts inlined as PNG data URLs)."""

from __future__ import annotations

import base64
from html import escape

from nex_assets.reports.model import Report, Section

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1a202c; }
h1 { margin-bottom: 0; } .sub { color: #4a5568; margin-top: .2rem; }
h2 { border-bottom: 2px solid #2b6cb0; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #cbd5e0; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #edf2f7; } .na { color: #718096; font-style: italic; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { font-weight: 600; } img { max-width: 100%; }
"""


def _section(section: Section) -> str:
    out = [f"<h2>{escape(section.title)}</h2>"]
    if not section.available:
        out.append(f'<p class="na">Not available: {escape(section.reason)}.</p>')
        return "\n".join(out)
    if section.text:
        out.append(f"<p>{escape(section.text)}</p>")
    if section.facts:
        out.append(
            "<dl>"
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in section.facts)
            + "</dl>"
        )
    for chart in section.charts:
        data = base64.b64encode(chart.png).decode()
        out.append(f'<img alt="{escape(chart.title)}" src="data:image/png;base64,{data}">')
    for table in section.tables:
        out.append(f"<h3>{escape(table.title)}</h3>")
        if not table.rows:
            out.append('<p class="na">none</p>')
            continue
        head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
            for row in table.rows
        )
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "\n".join(out)


def render(report: Report) -> bytes:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>NEX report: {escape(report.dataset)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(report.dataset)}</h1>",
        f'<p class="sub">{escape(report.description)} Generated {escape(report.generated_at)}.</p>',
        *(_section(s) for s in report.sections),
        "</body></html>",
    ]
    return "\n".join(parts).encode("utf-8")
