"""Shapes of values (``Aaaa 999``) and detection of personal data from them.

A shape keeps what a person or an LLM needs to understand a column (letters, digits,
separators, length) and drops what identifies anyone, so it is what leaves the machine.
"""

from __future__ import annotations

import re
from collections import Counter


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
    """The kind of personal data a column holds (email, phone, name, address, national_id, ...),
    judged from its name and a sample of its values as the load judges whole columns
    (``personal.py``)."""
    from nex_assets.common import personal

    found = personal.judge_values(column, [v for v in values if v is not None][:2000])
    return found.kind if found else None


def mask(value: object) -> str:
    return "" if value is None else shape(str(value))
