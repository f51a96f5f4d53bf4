"""The deterministic writer used when no LLM is configured (or it failed): plain sentences phrased from
the same privacy-safe facts a prompt would carry, so both writers see exactly the same information."""

from __future__ import annotations

import re

from nex_assets.dictionary.logic.models import ColumnText, TableText

# Abbreviations common in column names, spelled out so that the text reads well and searches match.
_WORDS = {
    "avg": "average",
    "pct": "percent",
    "qty": "quantity",
    "num": "number",
    "no": "number",
    "id": "identifier",
    "sku": "stock keeping unit",
    "m2": "square metres",
    "amt": "amount",
    "dob": "date of birth",
    "desc": "description",
    "cnt": "count",
}
_KIND = {
    "identifier": "Identifier",
    "categorical": "Category",
    "numeric": "Numeric measure",
    "boolean": "Yes/no flag",
    "datetime": "Date or time",
    "free_text": "Free text",
}
_CURRENCIES = {"gbp", "usd", "eur"}


def words(name: str) -> str:
    parts = [p for p in re.split(r"[_\W]+", name.lower()) if p]
    return " ".join(_WORDS.get(p, p) for p in parts)


def entity(dataset: str) -> str:
    """``retail_customers`` -> ``customer``: what one row of the dataset is about."""
    last = dataset.split("_")[-1]
    if last.endswith("ies"):
        return last[:-3] + "y"
    return last[:-1] if last.endswith("s") and not last.endswith("ss") else last


def _num(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def column_text(dataset: str, facts: dict) -> ColumnText:
    name, kind = facts["column"], facts["kind"]
    unit = facts.get("unit")
    label = words(name)
    parts = [f"{_KIND.get(kind, 'Value')}: {label}" + (f" in {unit}" if unit else "") + "."]
    if facts.get("owner_note"):
        parts.append(facts["owner_note"].rstrip(".") + ".")
    if facts.get("primary_key"):
        parts.append(f"Uniquely identifies each {entity(dataset)}.")
    if facts.get("personal_data"):
        parts.append(f"Personal data ({facts['personal_data']}); values are never shown.")
    elif kind == "numeric" and facts.get("min") is not None:
        parts.append(
            f"Ranges from {_num(facts['min'])} to {_num(facts['max'])}, mean {_num(facts.get('mean'))}."
        )
    elif kind == "datetime" and facts.get("min") is not None:
        parts.append(f"From {facts['min']} to {facts['max']}.")
    elif kind in {"categorical", "boolean"} and facts.get("top_values"):
        top = ", ".join(f"{t['value']} ({t['share']:.0%})" for t in facts["top_values"][:4])
        parts.append(f"{_num(facts['distinct_values'])} distinct values; most common: {top}.")
    null_share = facts.get("null_share", 0.0)
    parts.append("Never missing." if null_share == 0 else f"Missing in {null_share:.1%} of rows.")
    tags = [kind]
    if facts.get("primary_key"):
        tags.append("key")
    if facts.get("personal_data"):
        tags.append("personal-data")
    if unit and unit.lower() in _CURRENCIES:
        tags.append("money")
    return ColumnText(
        description=" ".join(parts),
        business_meaning=f"The {label} of each {entity(dataset)}.",
        unit=unit,
        personal_data=bool(facts.get("personal_data")),
        tags=tags,
    )


def table_text(dataset: str, facts: dict) -> TableText:
    key = ", ".join(facts["primary_key"]) or "no declared key"
    description = facts["description"].rstrip(".") + ". " if facts["description"] else ""
    columns = ", ".join(c["name"] for c in facts["columns"][:12])
    more = f" and {len(facts['columns']) - 12} more" if len(facts["columns"]) > 12 else ""
    meaning = f"The {words(dataset)} data, one row per {entity(dataset)}, for reporting and analysis."
    return TableText(
        description=f"{description}One row per {entity(dataset)} ({key}); {_num(facts['rows'])} rows, "
        f"columns {columns}{more}.",
        business_meaning=meaning,
        tags=["table", *dataset.split("_")[:1]],
    )
