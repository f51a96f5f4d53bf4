"""Values the way exports write them, recognised from a sample: dates in any common order
(``03/15/2024``, ``15.03.2024``, ``Mar 15, 2024``, ``15 March 2024``, with or without a time),
numbers with decimal commas, thousands separators, currency symbols and percent signs, and the
many spellings of "missing" (``NA``, ``n/a``, ``-``, ``NULL``, ...).

A recognised column is copied as text and converted inside PostgreSQL before the new version is
published (``Conversion.sql``), so the load still streams the file through COPY. Day and month
order is decided from the data: a first field above 12 means day first, a second field above 12
means month first; when every value could be either, month first is assumed and said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Written for "no value" by spreadsheets, R, SAS and databases (compared trimmed and lower-cased).
MISSING = ("", "na", "n/a", "#n/a", "null", "none", "nan", "-", "--", "?", ".", "missing")
CURRENCIES = "$€£¥"

_SLASHED = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_YEAR_FIRST = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_MONTH_NAME_FIRST = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_DAY_FIRST_NAME = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4})$")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_NUMBER = re.compile(
    r"^(?P<sign>[-+]?)\s*(?P<cur1>[" + CURRENCIES + r"]?)\s*(?P<sign2>[-+]?)(?P<body>\d[\d.,' \u00a0]*)"
    r"\s*(?P<cur2>[" + CURRENCIES + r"]?)\s*(?P<pct>%?)$"
)
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Conversion:
    """How a text column becomes a typed one in SQL: ``target`` type, and for dates the ``pattern``
    of ``to_date``/``to_timestamp``, for numbers the separators and decorations to remove."""

    target: str  # date | timestamp | double precision | bigint
    pattern: str = ""  # dates: a PostgreSQL template (MM/DD/YYYY, FMMonth DD, YYYY, ...)
    decimal: str = "."
    thousands: str = ""
    strip: str = ""  # characters removed before the cast (currency symbols, %, spaces)
    note: str = ""

    def sql(self, column: str) -> str:
        """The ``using`` expression converting ``column`` (a quoted identifier) from text."""
        missing = ", ".join("'" + m.replace("'", "''") + "'" for m in MISSING)
        value = f"nullif(trim({column}), '')"
        guarded = f"case when lower(trim({column})) in ({missing}) then null else {value} end"
        if self.target in ("date", "timestamp"):
            fn = "to_date" if self.target == "date" else "to_timestamp"
            cast = "" if self.target == "date" else "::timestamp"
            return f"{fn}({guarded}, '{self.pattern}'){cast}"
        expr = guarded
        if self.strip:
            chars = re.escape(self.strip).replace("'", "''")
            expr = f"regexp_replace({expr}, '[{chars}]', '', 'g')"
        if self.thousands:
            expr = f"replace({expr}, '{self.thousands.replace(chr(39), chr(39) * 2)}', '')"
        if self.decimal != ".":
            expr = f"replace({expr}, '{self.decimal}', '.')"
        return f"({expr})::{self.target}"

    def apply(self, values: pd.Series) -> pd.Series:
        """The values as the load will store them, converted in Python the way ``sql`` does in
        PostgreSQL: what `nex add` infers keys, kinds and the time column from."""
        import pandas as pd

        text = values.astype("string").str.strip()
        text = text.where(~text.str.lower().isin(MISSING))
        if self.target in ("date", "timestamp"):
            fmt = _strftime(self.pattern)
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
            if "%B" in fmt:  # month names, full or abbreviated, as PostgreSQL reads them
                parsed = parsed.fillna(pd.to_datetime(text, format=fmt.replace("%B", "%b"), errors="coerce"))
            return (
                parsed.dt.date.astype(object).where(parsed.notna(), None) if self.target == "date" else parsed
            )
        if self.strip:
            text = text.str.replace(f"[{re.escape(self.strip)}]", "", regex=True)
        if self.thousands:
            text = text.str.replace(self.thousands, "", regex=False)
        if self.decimal != ".":
            text = text.str.replace(self.decimal, ".", regex=False)
        numbers = pd.to_numeric(text, errors="coerce")
        return numbers.astype("Int64") if self.target == "bigint" else numbers.astype(float)


# PostgreSQL's to_date templates as Python's strptime directives (the ones ``_dates`` writes).
_TEMPLATE = [
    ("FMMonth", "%B"),
    ("FMMon", "%b"),
    ("YYYY", "%Y"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("HH24", "%H"),
    ("MI", "%M"),
    ("SS", "%S"),
]


def _strftime(pattern: str) -> str:
    out, i = "", 0
    while i < len(pattern):
        for template, directive in _TEMPLATE:
            if pattern.startswith(template, i):
                out, i = out + directive, i + len(template)
                break
        else:
            out, i = out + pattern[i], i + 1
    return out


def is_missing(value: str) -> bool:
    return value.strip().lower() in MISSING


def _dates(values: list[str]) -> Conversion | None:
    matches = [_SLASHED.match(v) for v in values]
    if all(matches):
        seps = {m.group(2) for m in matches}
        sep = seps.pop() if len(seps) == 1 else None
        if sep is None:
            return None
        first = [int(m.group(1)) for m in matches]
        second = [int(m.group(3)) for m in matches]
        timed = [m.group(5) is not None for m in matches]
        if any(timed) and not all(timed):
            return None
        year = "YYYY" if all(len(m.group(4)) == 4 for m in matches) else "YY"
        if max(first) > 31 or max(second) > 31:
            return None
        note = ""
        if max(first) > 12 and max(second) <= 12:
            order = f"DD{sep}MM"
        elif max(second) > 12 and max(first) <= 12:
            order = f"MM{sep}DD"
        elif max(first) > 12 and max(second) > 12:
            return None
        elif sep == ".":
            order = "DD.MM"  # dotted dates are day first wherever they are written
        else:
            order = f"MM{sep}DD"
            note = "every value reads as month or day first; month first assumed"
        pattern = f"{order}{sep}{year}"
        if all(timed):
            seconds = all(m.group(7) is not None for m in matches)
            pattern += " HH24:MI" + (":SS" if seconds else "")
            return Conversion("timestamp", pattern, note=note)
        return Conversion("date", pattern, note=note)
    if all(_YEAR_FIRST.match(v) for v in values):
        return Conversion("date", "YYYY/MM/DD")
    named = [_MONTH_NAME_FIRST.match(v) for v in values]
    if all(named) and all(m.group(1).lower() in _MONTHS for m in named):
        full = any(len(m.group(1)) > 3 and m.group(1).lower() != "sept" for m in named)
        comma = all("," in v for v in values)
        return Conversion("date", f"FM{'Month' if full else 'Mon'} DD{',' if comma else ''} YYYY")
    named = [_DAY_FIRST_NAME.match(v) for v in values]
    if all(named) and all(m.group(2).lower() in _MONTHS for m in named):
        full = any(len(m.group(2)) > 3 for m in named)
        sep = "-" if all("-" in v for v in values) else " "
        return Conversion("date", f"DD{sep}FM{'Month' if full else 'Mon'}{sep}YYYY")
    return None


def _separators(bodies: list[str]) -> tuple[str, str] | None:
    """(decimal, thousands) for number bodies such as ``1.234,56``, ``1,234.56``, ``3,5``."""
    found = _marks(bodies)
    if found is None:
        return None
    decimal, thousands = found
    grouping = ({thousands} | ({" ", "'", "\u00a0"} & {ch for b in bodies for ch in b})) - {""}
    # Thousands groups are 1-3 digits then threes: "+44 7123 456789" is a phone number, not a number.
    for b in bodies:
        whole = b.split(decimal)[0].lstrip("-+")
        groups = re.split("[" + re.escape("".join(grouping)) + "]", whole) if grouping else [whole]
        if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
            return None
    return found


def _marks(bodies: list[str]) -> tuple[str, str] | None:
    seps = {ch for b in bodies for ch in b if not ch.isdigit()}
    grouping = {" ", "'", "\u00a0"} & seps
    marks = seps - grouping
    if len(marks) > 2 or len(grouping) > 1:
        return None
    thousands = grouping.pop() if grouping else ""
    if marks == {".", ","}:
        # Both: the one that comes last in a value is the decimal mark.
        lasts = {max(b.rfind("."), b.rfind(",")) for b in bodies}
        decimal = {b[i] for b in bodies for i in [max(b.rfind("."), b.rfind(","))] if i >= 0}
        if len(decimal) != 1 or not lasts:
            return None
        d = decimal.pop()
        return d, ("," if d == "." else ".")
    if marks == {","}:
        groups = [b.split(",") for b in bodies if "," in b]
        # A leading group of 0 or of four digits or more never groups thousands: 0,123 and 1234,5.
        if any(g[0].lstrip("-+") == "0" or len(g[0].lstrip("-+")) > 3 for g in groups):
            return (",", thousands) if all(len(g) == 2 for g in groups) else None
        # 1,234 and 1,234,567: thousands; 3,5 and 12,75: a decimal comma.
        if all(len(g) >= 2 and all(len(p) == 3 for p in g[1:]) for g in groups) and any(
            len(g) > 2 for g in groups
        ):
            return ".", ","
        if all(len(g) == 2 for g in groups) and not all(len(g[1]) == 3 for g in groups):
            return ",", thousands
        if all(len(g) == 2 and len(g[1]) == 3 for g in groups):
            return ".", ","  # 1,234 throughout: thousands, as English exports write them
        return None
    if marks == {"."}:
        groups = [b.split(".") for b in bodies if "." in b]
        if any(g[0].lstrip("-+") == "0" or len(g[0].lstrip("-+")) > 3 for g in groups):
            return (".", thousands) if all(len(g) == 2 for g in groups) else None
        if any(len(g) > 2 for g in groups) and all(all(len(p) == 3 for p in g[1:]) for g in groups):
            return ",", "."  # 1.234.567: dots group thousands
        if all(len(g) == 2 for g in groups):
            return ".", thousands
        return None
    return ".", thousands


def _numbers(values: list[str]) -> Conversion | None:
    matches = [_NUMBER.match(v) for v in values]
    if not all(matches):
        return None
    bodies = [m.group("body").strip() for m in matches]
    found = _separators(bodies)
    if found is None:
        return None
    decimal, thousands = found
    currency = {m.group("cur1") or m.group("cur2") for m in matches} - {""}
    percent = any(m.group("pct") for m in matches)
    strip = "".join(sorted(currency)) + ("%" if percent else "") + " \u00a0"
    if thousands in (" ", "\u00a0"):
        thousands = ""
    whole = all(decimal not in b for b in bodies)
    notes = []
    if currency:
        notes.append(f"currency {''.join(sorted(currency))} removed")
    if percent:
        notes.append("percent signs removed (values stay in percent)")
    if decimal == ",":
        notes.append("decimal comma")
    if thousands:
        notes.append(f"thousands separated by {thousands!r}")
    return Conversion(
        "bigint" if whole else "double precision",
        decimal=decimal,
        thousands=thousands,
        strip=strip,
        note=", ".join(notes),
    )


def recognise(values: list[str]) -> Conversion | None:
    """How to convert a text column whose values are dates or decorated numbers (or plain ones with
    missing markers); None when it is text, or plain values COPY reads as they are."""
    present = [v.strip() for v in values if not is_missing(v)]
    if not present:
        return None
    if any(v.isdigit() and len(v) > 1 and v[0] == "0" for v in present):
        return None  # leading zeros carry meaning (codes, postcodes): text
    had_missing = len(present) < len([v for v in values if v != ""])
    found = _dates(present)
    if found:
        return found
    if all(_PLAIN.match(v) for v in present):
        # Plain numbers: COPY reads them, unless missing markers (R's NA) sit among them.
        if not had_missing:
            return None
        whole = all(re.match(r"^[+-]?\d+$", v) for v in present)
        return Conversion("bigint" if whole else "double precision", note="missing values written as NA or -")
    return _numbers(present)
