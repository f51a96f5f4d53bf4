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
# What a column's semantic type says it is (datasets/logic/semantics.py), when the profile knows.
_SEMANTIC = {
    "identifier": "Identifier or code",
    "flag": "Yes/no flag",
    "year": "Year",
    "period": "Date or period",
    "count": "Count",
    "amount": "Amount",
    "share": "Share or rate",
    "measure": "Numeric measure",
    "category": "Category",
    "free_text": "Free text",
    "personal": "Personal data",
}
# Words whose meaning is known well enough to say it (and, for some, the unit).
_MEANINGS = {
    "price": "price",
    "revenue": "revenue",
    "rev": "revenue",
    "cost": "cost",
    "costs": "costs",
    "profit": "profit",
    "income": "income",
    "salary": "salary",
    "population": "population (people)",
    "pop": "population (people)",
    "age": "age (years)",
    "cpi": "consumer price index",
    "ndi": "net disposable income per head",
    "gdp": "gross domestic product",
    "vat": "value added tax",
    "turnover": "turnover",
    "staff": "number of staff",
    "employees": "number of employees",
    "sales": "sales",
    "units": "units",
    "quantity": "quantity",
    "distance": "distance",
    "temp": "temperature",
    "temperature": "temperature",
    "pct": "percentage",
}
_KEY_WORDS = {"id", "identifier", "key", "code", "no", "number", "rownames", "rowname", "row", "index"}


def words(name: str) -> str:
    parts = [p for p in re.split(r"[_\W]+", name.lower()) if p]
    return " ".join(_WORDS.get(p, p) for p in parts)


def entity(dataset: str) -> str:
    """``retail_customers`` -> ``customer``: what one row of the dataset is about."""
    last = dataset.split("_")[-1]
    if last.endswith("ies"):
        return last[:-3] + "y"
    return last[:-1] if last.endswith("s") and not last.endswith("ss") else last


def meaning(name: str) -> str:
    """The column's name in words, with the meaning of known words (``cpi`` -> consumer price
    index, ``pop16`` -> population (people) 16)."""
    parts = [p for p in re.split(r"[_\W]+", name.lower()) if p]
    out = []
    for p in parts:
        head = re.match(r"^([a-z]+)(\d+)$", p)
        if head and head.group(1) in _MEANINGS:
            out.append(f"{_MEANINGS[head.group(1)]} {head.group(2)}")
        elif len(parts) > 1 and p in _MEANINGS:
            # Inside a longer name a word keeps its plain sense: `staff_costs` is staff costs, not
            # "number of staff costs"; the unit in brackets belongs to the word alone.
            plain = re.sub(r"^number of ", "", _MEANINGS[p])
            out.append(re.sub(r" \(.*\)$", "", plain))
        else:
            out.append(_MEANINGS.get(p) or _WORDS.get(p, p))
    return " ".join(out)


def row_subject(dataset: str, primary_key: list[str], row_number: bool = False) -> str:
    """What one row is about, from the key: ``state and year``, ``customer``; a row number or no key
    leaves the dataset's name (``retail_customers`` -> customer) or ``row``."""

    def named(column: str) -> str:
        kept = [w for w in re.split(r"[_\W]+", column.lower()) if w and w not in _KEY_WORDS]
        return " ".join(_WORDS.get(w, w) for w in kept)

    if len(primary_key) > 1:
        parts = [named(c) or words(c) for c in primary_key]
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    if primary_key and not row_number and named(primary_key[0]):
        return named(primary_key[0])
    last = dataset.split("_")[-1]
    return entity(dataset) if last.endswith("s") and not last.endswith("ss") else "row"


def _year(value: object) -> str:
    """A year as it is written: 1985, never 1,985."""
    return str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else str(value)


def _num(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def column_text(dataset: str, facts: dict, subject: str | None = None) -> ColumnText:
    """``subject`` is what one row is about (``row_subject``); without it, the dataset's name."""
    name, kind = facts["column"], facts["kind"]
    semantic = facts.get("semantic")
    unit = facts.get("unit")
    label = meaning(name)
    subject = subject or entity(dataset)
    heading = _SEMANTIC.get(semantic) or _KIND.get(kind, "Value")
    parts = [f"{heading}: {label}" + (f" in {unit}" if unit else "") + "."]
    if facts.get("owner_note"):
        parts.append(facts["owner_note"].rstrip(".") + ".")
    if facts.get("primary_key"):
        parts.append(f"Uniquely identifies each {subject}.")
    elif facts.get("key_with"):
        parts.append(f"Identifies each {subject} together with {', '.join(facts['key_with'])}.")
    if facts.get("personal_data"):
        parts.append(f"Personal data ({facts['personal_data']}); values are never shown.")
    elif semantic in ("identifier", "year") and facts.get("min") is not None:
        # A code or a year has a range, never a meaningful mean; neither is written with separators.
        parts.append(
            f"From {_year(facts['min'])} to {_year(facts['max'])}; "
            f"{_num(facts['distinct_values'])} distinct values."
        )
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
        business_meaning=_business_meaning(label, subject, semantic, facts, unit),
        unit=unit,
        personal_data=bool(facts.get("personal_data")),
        tags=tags,
    )


def _business_meaning(label: str, subject: str, semantic: str | None, facts: dict, unit: str | None) -> str:
    """What the profile knows beyond the name, or nothing: "The staff costs for each row." says
    nothing a reader did not know."""
    if semantic == "identifier" and not facts.get("key_with"):
        return f"The {label} that names each {subject}." if subject != "row" else ""
    if subject == "row":
        # No key says what a row is: only a unit or a grain is worth saying.
        return f"Measured in {unit}." if unit else ""
    return f"The {label} for each {subject}."


def table_text(dataset: str, facts: dict, subject: str | None = None) -> TableText:
    key = ", ".join(facts["primary_key"]) or "no declared key"
    subject = subject or entity(dataset)
    description = facts["description"].rstrip(".") + ". " if facts["description"] else ""
    columns = ", ".join(c["name"] for c in facts["columns"][:12])
    more = f" and {len(facts['columns']) - 12} more" if len(facts["columns"]) > 12 else ""
    grain = (
        f"One row per {subject} ({key})"
        if subject != "row"
        else "No column or pair of columns identifies a row"
        if not facts["primary_key"]
        else f"Rows numbered by {key}"
    )
    meaning = (
        f"The {words(dataset)} data, one row per {subject}."
        if subject != "row"
        else f"The {words(dataset)} data, {_num(facts['rows'])} rows."
    )
    return TableText(
        description=f"{description}{grain}; {_num(facts['rows'])} rows, columns {columns}{more}.",
        business_meaning=meaning,
        tags=["table", *dataset.split("_")[:1]],
    )
