"""SQL identifiers from names people write in headers and catalogs."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z_]+")
MAX_IDENTIFIER = 63  # PostgreSQL truncates longer names silently; we refuse instead.
RESERVED_PREFIX = "_nex_"


class IdentifierError(ValueError):
    pass


def to_identifier(name: str) -> str:
    """Lower-case snake_case ASCII; '' when nothing usable is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ident = _NON_WORD.sub("_", ascii_name.strip().lower()).strip("_")
    if ident and ident[0].isdigit():
        ident = "c_" + ident
    return ident


def column_identifiers(header: list[str]) -> list[str]:
    """Identifiers for a header row; blank or clashing names are errors, never silently renamed,
    because quality rules and dictionary entries bind to column names."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(header, start=1):
        ident = to_identifier(raw)
        if not ident:
            raise IdentifierError(f"column {position} has a blank or unusable name {raw!r}")
        if len(ident) > MAX_IDENTIFIER:
            raise IdentifierError(
                f"column {position} name {raw!r} is longer than {MAX_IDENTIFIER} characters"
            )
        if ident.startswith(RESERVED_PREFIX):
            raise IdentifierError(
                f"column {position} name {raw!r} uses the reserved prefix {RESERVED_PREFIX}"
            )
        if ident in seen:
            raise IdentifierError(
                f"columns {seen[ident]} and {position} have the same name {raw!r} (as {ident!r})"
            )
        seen[ident] = position
        out.append(ident)
    return out


def dataset_identifier(name: str) -> str:
    ident = to_identifier(name)
    if not ident or ident != name:
        raise IdentifierError(
            f"dataset name {name!r} must be lower-case snake_case (letters, digits, _), e.g. {ident!r}"
        )
    return ident
