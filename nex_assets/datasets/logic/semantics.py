"""What a column means, beyond its storage type: the semantic type every later step reads (the
synthetic step, insights, the rule-based dictionary, suggested recipes and quality rules) instead of
guessing again.

- ``identifier``: a key or a code; never summed or averaged, even when it is a number (state codes,
  ids, zip codes, row numbers);
- ``flag``: a yes/no value, whatever its spelling (booleans, 0/1 integers, yes/no, true/false, y/n);
- ``year``: a year as a number (``1963``, or ``63`` in a column named like a year);
- ``period``: a date or datetime, a date written as text, or a fractional year (``1949.0833``);
- ``count``: a whole number of things, never negative;
- ``amount``: money or a quantity of value (price, cost, revenue, income, ...), never negative
  unless the name says it may be (profit, balance, change);
- ``share``: a rate or proportion between 0 and 1;
- ``measure``: any other number;
- ``category``: a few distinct values (text or numbers used as labels);
- ``free_text``: prose;
- ``personal``: personal data (declared or detected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEMANTIC_TYPES = (
    "identifier",
    "flag",
    "year",
    "period",
    "count",
    "amount",
    "share",
    "measure",
    "category",
    "free_text",
    "personal",
)

# Words in a column's name (split on underscores) that say what it holds.
CODE_WORDS = set(
    [
        "id",
        "key",
        "code",
        "uuid",
        "sku",
        "zip",
        "zipcode",
        "postcode",
        "postal",
        "fips",
        "state",
        "county",
        "district",
        "rownames",
        "rowname",
        "index",
        "idx",
        "number",
        "no",
        "ref",
        "reference",
    ]
)
YEAR_WORDS = set(["year", "yr", "yyyy", "fiscal_year", "season"])
TIME_WORDS = set(["time", "date", "day", "week", "month", "period", "quarter", "timestamp", "datetime", "dt"])
COUNT_WORDS = set(
    [
        "count",
        "counts",
        "n",
        "num",
        "qty",
        "quantity",
        "units",
        "visits",
        "sold",
        "orders",
        "items",
        "employees",
        "staff",
        "passengers",
        "population",
        "pop",
        "bedrooms",
        "bathrooms",
        "rooms",
        "stories",
        "children",
        "members",
        "calls",
        "clicks",
        "sessions",
        "guests",
    ]
)
AMOUNT_WORDS = set(
    [
        "price",
        "prices",
        "cost",
        "costs",
        "revenue",
        "revenues",
        "rev",
        "vat",
        "income",
        "salary",
        "wage",
        "wages",
        "spend",
        "spent",
        "amount",
        "value",
        "turnover",
        "sales",
        "payment",
        "fee",
        "fees",
        "budget",
        "gdp",
        "ndi",
        "expenditure",
        "expenses",
        "rent",
        "margin",
        "profit",
        "basket",
        "tax",
        "debt",
        "balance",
        "capital",
        "invest",
        "investment",
        "earnings",
        "usd",
        "eur",
        "gbp",
    ]
)
# Durations: whole numbers, never negative, but lengths of time rather than counts of things.
DURATION_WORDS = {"months", "days", "weeks", "hours", "minutes", "seconds", "tenure", "duration", "years"}
# Amounts that may legitimately be negative.
SIGNED_WORDS = set(
    ["profit", "balance", "change", "delta", "diff", "difference", "margin", "net", "return", "growth"]
)
SHARE_WORDS = set(["rate", "share", "ratio", "proportion", "probability", "prob", "fraction", "pct_share"])
FLAG_TEXT = {
    frozenset({"yes", "no"}),
    frozenset({"true", "false"}),
    frozenset({"y", "n"}),
    frozenset({"t", "f"}),
}

NUMERIC = {"bigint", "integer", "smallint", "double precision", "real", "numeric"}
TEMPORAL = {"date", "timestamp without time zone", "timestamp with time zone", "timestamp", "timestamptz"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# Names run together in older data (``distcod``, ``custid``, ``caseno``): a code suffix, trusted only
# for whole numbers that are (nearly) unique per row.
_CODE_SUFFIX = re.compile(r"^[a-z]{2,}(id|cod|code|key|no|nr|num)$")


def name_words(name: str) -> set[str]:
    words = set(name.lower().split("_"))
    return words | {name.lower()}


@dataclass(frozen=True)
class ColumnEvidence:
    """What the profile knows of a column, enough to tell what it means."""

    name: str
    pg_type: str
    inferred_type: str  # numeric, categorical, boolean, datetime, identifier, free_text
    rows: int
    distinct: int
    minimum: float | None = None
    maximum: float | None = None
    whole: bool = False  # every value a whole number
    top_values: tuple[str, ...] = ()
    sensitive: bool = False
    in_key: bool = False


def semantic_type(c: ColumnEvidence) -> str:
    words = name_words(c.name)
    if c.sensitive:
        return "personal"
    if c.pg_type == "boolean" or _flag_values(c):
        return "flag"
    if c.pg_type in TEMPORAL:
        return "period"
    if c.pg_type in NUMERIC:
        return _numeric(c, words)
    if c.top_values and all(_ISO_DATE.match(v) for v in c.top_values):
        return "period"
    if c.inferred_type == "identifier" or (words & CODE_WORDS and c.distinct > 0.5 * max(c.rows, 1)):
        return "identifier"
    if c.inferred_type == "free_text":
        return "free_text"
    return "category"


def _flag_values(c: ColumnEvidence) -> bool:
    values = frozenset(v.strip().lower() for v in c.top_values)
    if c.distinct > 2 or not values:
        return False
    if c.pg_type in NUMERIC:
        return values <= {"0", "1", "0.0", "1.0"} and c.distinct == 2
    return any(values <= pair for pair in FLAG_TEXT)


def _numeric(c: ColumnEvidence, words: set[str]) -> str:
    lo, hi = c.minimum, c.maximum
    plausible = lo is not None and ((lo >= 1800 and hi <= 2200) or (lo >= 0 and hi <= 99))
    if words & YEAR_WORDS and c.whole and plausible:
        return "year"
    if words & TIME_WORDS and lo is not None and lo >= 1800 and hi <= 2200:
        # A fractional year (R's time series) or a year named like time.
        return "period" if not c.whole else "year"
    if (c.in_key and c.whole) or c.inferred_type == "identifier" or (words & CODE_WORDS and c.whole):
        return "identifier"
    if c.whole and _CODE_SUFFIX.match(c.name) and c.distinct >= 0.9 * max(c.rows, 1):
        return "identifier"
    if (
        c.whole
        and c.rows
        and c.distinct == c.rows
        and c.rows >= 20
        and lo is not None
        and hi - lo + 1 == c.rows
    ):
        # 1..n, one value per row: a row number.
        return "identifier"
    if words & SHARE_WORDS or (lo is not None and lo >= 0 and hi <= 1 and not c.whole and c.distinct > 2):
        return "share"
    if words & DURATION_WORDS and not words & AMOUNT_WORDS:
        return "measure"
    if words & AMOUNT_WORDS:
        return "amount"
    if words & COUNT_WORDS or (c.whole and lo is not None and lo >= 0 and c.inferred_type == "numeric"):
        return "count" if c.whole else "measure"
    if c.inferred_type == "categorical":
        return "category"
    return "measure"


def never_negative(name: str, semantic: str) -> bool:
    """Counts, amounts (except signed ones like profit) and shares cannot be below zero."""
    if semantic in ("count", "share"):
        return True
    return semantic == "amount" and not (name_words(name) & SIGNED_WORDS)


SUMMABLE = ("count", "amount", "measure", "share")


def summable(semantic: str) -> bool:
    """Whether adding or averaging the column means anything (never for codes, years or flags)."""
    return semantic in SUMMABLE
