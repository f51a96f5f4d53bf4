"""The difference between two versions of a dictionary entry, field by field and word by word."""

from __future__ import annotations

import difflib

FIELDS = ("description", "business_meaning", "unit", "personal_kind", "status", "source", "writer", "author")


def words(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) pieces, op one of ``same``, ``removed``, ``added``."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out


def versions(old: dict, new: dict) -> list[dict]:
    """The fields that changed from ``old`` to ``new`` (two version rows), each with its word diff."""
    changed = []
    for name in FIELDS:
        a, b = old.get(name), new.get(name)
        if (a or "") != (b or ""):
            changed.append({"field": name, "old": a, "new": b, "words": words(str(a or ""), str(b or ""))})
    return changed
