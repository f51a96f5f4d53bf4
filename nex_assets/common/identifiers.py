"""SQL identifiers from names people write in headers and catalogs."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z_]+")
MAX_IDENTIFIER = 63  # PostgreSQL truncates longer names silently; we refuse instead.
MAX_COLUMNS = 1600  # PostgreSQL's limit on the columns of one table.
RESERVED_PREFIX = "_nex_"
# Every PostgreSQL table already has these hidden columns; a column of the same name cannot exist.
SYSTEM_COLUMNS = frozenset({"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid"})


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
    if len(header) > MAX_COLUMNS:
        raise IdentifierError(
            f"{len(header):,} columns; a PostgreSQL table holds at most {MAX_COLUMNS:,} "
            "(split the file, or keep only the columns you need)"
        )
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
        if ident in SYSTEM_COLUMNS:
            raise IdentifierError(
                f"column {position} name {raw!r} is the name of a PostgreSQL system column "
                f"({', '.join(sorted(SYSTEM_COLUMNS))}); rename it in the file"
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
    if len(ident) > MAX_IDENTIFIER:
        # It names a table (PostgreSQL truncates past 63) and a Dagster tag value (refused past 63).
        raise IdentifierError(
            f"dataset name {name!r} is {len(ident)} characters long; at most {MAX_IDENTIFIER} are allowed"
        )
    return ident


def quote_ident(name: str) -> str:
    """A column or table name quoted for SQL text (for queries stored in files, where no driver
    composes them)."""
    return '"' + name.replace('"', '""') + '"'
