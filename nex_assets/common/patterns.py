"""Shapes of values (``Aaaa 999``) and detection of personal data from them.

A shape keeps what a person or an LLM needs to understand a column (letters, digits,
separators, length) and drops what identifies anyone, so it is what leaves the machine.
"""

from __future__ import annotations

import re
from collections import Counter

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d ()./-]{7,20}$")
_NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?$")
_PERSONAL_NAME_HINTS = ("first_name", "last_name", "surname", "full_name", "given_name", "family_name")


def shape(value: str, max_len: int = 40) -> str:
    """``Anna Smith 42`` -> ``Aaaa Aaaaa 99``: letters become A/a, digits 9, the rest stays."""
    out = []
    for ch in value[:max_len]:
        if ch.isdigit():
            out.append("9")
        elif ch.isalpha():
            out.append("A" if ch.isupper() else "a")
        else:
            out.append(ch)
    if len(value) > max_len:
        out.append("…")
    return "".join(out)


def compact_shape(value: str) -> str:
    """Runs collapsed (``Aa+ 9+``) so that shapes of similar values group together."""
    return re.sub(r"(9|a|A)\1+", r"\1+", shape(value, max_len=200))


def dominant_shapes(values: list[str], top: int = 3) -> list[tuple[str, float]]:
    if not values:
        return []
    counts = Counter(compact_shape(v) for v in values)
    return [(s, n / len(values)) for s, n in counts.most_common(top)]


def personal_kind(column: str, values: list[str]) -> str | None:
    """'email', 'phone' or 'name' when a column holds personal data, judged from its name and values."""
    sample = [v.strip() for v in values if v and v.strip()][:500]
    lowered = column.lower()
    if any(h in lowered for h in _PERSONAL_NAME_HINTS):
        return "name"
    if not sample:
        return None
    if sum(bool(_EMAIL.match(v)) for v in sample) >= 0.8 * len(sample):
        return "email"
    digits = [v for v in sample if _PHONE.match(v) and sum(c.isdigit() for c in v) >= 7]
    words = set(re.split(r"[^a-z]+", lowered))
    if len(digits) >= 0.8 * len(sample) and words & {"phone", "mobile", "tel", "telephone", "fax", "cell"}:
        return "phone"
    if lowered in {"name", "customer_name", "contact", "contact_name"} and (
        sum(all(_NAME_WORD.match(w) for w in v.split()) for v in sample) >= 0.8 * len(sample)
    ):
        return "name"
    return None


def mask(value: object) -> str:
    return "" if value is None else shape(str(value))
