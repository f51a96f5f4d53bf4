"""The check that keeps a model to the numbers it was given: every number in its text must be one of
the facts' numbers, as given, rounded, or a share written as a percentage. Used on dictionary entries
and on insight statements alike, so a model can suggest words but never a figure of its own."""

from __future__ import annotations

import math
import re

_NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")


def numbers_in(value: object) -> list[float]:
    """Every number in a fact (nested dicts and lists, and numbers written inside strings)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers_in(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in numbers_in(v)]
    if isinstance(value, str):
        return [float(m.replace(",", "")) for m in _NUMBER.findall(value) if m.replace(",", "").strip("-.")]
    return []


def supported(x: float, known: list[float]) -> bool:
    for v in known:
        for candidate in (v, v * 100, abs(v), abs(v) * 100):
            if math.isclose(x, candidate, rel_tol=0.01, abs_tol=0.051):
                return True
    return False


def unsupported(text: str, known: list[float]) -> list[float]:
    """The numbers of ``text`` that none of ``known`` accounts for; empty when the text holds to them."""
    return [x for x in numbers_in(text) if not supported(x, known)]
