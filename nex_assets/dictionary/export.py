"""``nex dictionary export``: the current dictionary of a dataset as Markdown or JSON."""

from __future__ import annotations

import json

from nex_assets.dictionary.logic.models import TABLE, Entry


def to_json(dataset: str, entries: list[Entry]) -> str:
    table = next((e for e in entries if e.column_name == TABLE), None)
    doc = {
        "dataset": dataset,
        "table": table.model_dump(exclude={"dataset", "column_name"}) if table else None,
        "columns": [e.model_dump(exclude={"dataset"}) for e in entries if e.column_name != TABLE],
    }
    return json.dumps(doc, indent=2, default=str)


def to_markdown(dataset: str, entries: list[Entry]) -> str:
    table = next((e for e in entries if e.column_name == TABLE), None)
    lines = [f"# `raw.{dataset}`", ""]
    if table:
        lines += [
            table.description,
            "",
            f"*{table.business_meaning}*" if table.business_meaning else "",
            "",
            f"Written by `{table.writer}` ({table.status}), version {table.version}.",
            "",
        ]
    rows = [
        [
            f"`{e.column_name}`",
            e.description,
            e.business_meaning,
            e.unit or "",
            e.personal_kind or ("yes" if e.personal_data else ""),
            ", ".join(e.tags),
            f"{e.status}: {e.writer} (v{e.version})",
        ]
        for e in entries
        if e.column_name != TABLE
    ]
    headers = ["column", "description", "business meaning", "unit", "personal data", "tags", "written by"]
    lines.append(_table(headers, rows))
    return "\n".join(lines).rstrip() + "\n"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Full cells (the UI's tables cut them short; an export must not)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)
