"""Cells for exported spreadsheets that no spreadsheet program will run as a formula."""

from __future__ import annotations

# A cell starting with one of these is read as a formula (or DDE command) by Excel, LibreOffice
# and Google Sheets; a value from the data must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """Text that would run as a formula gets a leading apostrophe; every other value is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
