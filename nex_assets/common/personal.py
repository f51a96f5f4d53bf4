"""Personal data recognised by the shape of its values, the same way in Python and in PostgreSQL.

A column is personal when most of its informative values (not null, not a placeholder such as
``unknown``) have the shape of one kind of personal value, whatever the column is called; a name
that says what the column holds (``phone``, ``dob``) lowers the share needed. The load runs the
test over the whole column inside PostgreSQL (``sql_value_kind`` writes the expression), previews
and prompts run it over samples in Python (``value_kind``); both read the patterns below, written in
the subset of regular expressions that Python's ``re`` and PostgreSQL's ARE read alike (no ``\\b``,
no ``\\d``, no look-around), and a test holds them to the same answers.

Names are recognised by a given name first and a family name last, from the name lists the Faker
package ships for every locale it has (``person_names``); words that are also ordinary words
(``North``, ``Rose``) are left out, so ``North West`` is a region, not a person.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

# Most specific first: the first kind whose pattern a value matches is its kind.
KINDS = ("email", "payment_card", "iban", "national_id", "ip_address", "phone", "address", "name")
# Kinds judged from a column's statistics rather than from single values.
DATE_KINDS = ("birth_date",)

# Values that say "no value": they neither count for nor against a kind.
PLACEHOLDERS = frozenset((
    "unknown", "n/a", "na", "n.a.", "none", "null", "nil", "-", "--", "---", "?", "??", "missing",
    "not given", "not provided", "not known", "not available", "redacted", "withheld", "tbd", "tbc",
    "todo", "no email", "no phone", "none given", "x", "xx", "xxx", "0", "",
))  # fmt: skip

_EMAIL = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
# 13 to 19 digits in groups of four, starting as the card networks do (2-6).
_CARD = r"^[2-6][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,7}$"
_IBAN = r"^[A-Z]{2}[0-9]{2} ?([A-Z0-9]{4} ?){2,7}[A-Z0-9]{1,4}$"
# UK National Insurance numbers (two letters, six digits, one letter), US Social Security numbers,
# Italian fiscal codes.
_NATIONAL_ID = (
    r"^([A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Z]|[0-9]{3}-[0-9]{2}-[0-9]{4}"
    r"|[A-Z]{6}[0-9]{2}[A-Z][0-9]{2}[A-Z][0-9]{3}[A-Z])$"
)
# IPv4, and IPv6 written with at least five groups (so that a time such as 12:30:00 is not one).
_IP = r"^(([0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{1,4}(:[0-9A-Fa-f]{0,4}){4,7})$"
# Phone numbers as people write them: international (+44, 001-), an area code in brackets, a
# national number with its trunk 0, or North American 3-3-4; 9 to 15 digits (E.164), an optional
# extension. Digits alone without a trunk 0 are not enough: they are codes, years, ranges, ISBNs.
_PHONE = (
    r"^(\+[0-9][0-9 ().-]{6,22}[0-9]|00[1-9][0-9]{0,3}[ .-][0-9 ().-]{5,20}[0-9]"
    r"|\([0-9]{2,5}\)[ -]?[0-9][0-9 .-]{3,14}[0-9]|0[1-9][0-9]{0,4}([ .-]?[0-9]{2,8}){1,4}"
    r"|1?[ .-]?[0-9]{3}[ .-][0-9]{3}[ .-][0-9]{4})( ?(x|ext\.?) ?[0-9]{1,6})?$"
)
_LETTER = "A-Za-zÀ-ÖØ-öø-ɏͰ-ϿЀ-ӿ"
_WORD = f"[{_LETTER}][{_LETTER}'’.-]*"
_TITLE = r"((mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord)\.? )"
_NAME = f"^{_TITLE}?{_WORD}( {_WORD}){{1,3}}$"
_SURNAME_FIRST = f"^{_WORD}, {_WORD}( {_WORD})?$"
# Postcodes that end an address: UK, US (state and ZIP), and the five-digit code before a town.
_POSTCODE = r"([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|[A-Z]{2} [0-9]{5}(-[0-9]{4})?|[0-9]{4,5} [A-Z][a-z]+)$"
# Unbounded repeats, not {0,120}: PostgreSQL's engine expands a bounded repeat into that many states.
_ADDRESS_END = (
    r"^([^@]*[0-9][^@]*[,\n][^@]*"
    + _POSTCODE
    # A street line with a house number, then a postcode of four or five digits (Europe).
    + r"|[^@\n]*[0-9][^@\n]*\n[^@\n]{0,20}[0-9]{4,5}[^@]*"
    + r"|[^@,\n]+ [0-9]{1,5}[a-z]?(/[0-9]+)?, ?[0-9]{4,5} [^@,0-9\n]+)$"
)
_UNIT = r"(flat|apt|apartment|unit|suite|studio|po box|p\.o\. box)"
# Street types written onto the street's name (Heuserweg 6, Hauptstraße 12).
_COMPOUND = r"(strasse|straße|str\.|weg|gasse|platz|allee|laan|straat|gatan|vej|vägen|veien)"

# Words in a column's name that say what it holds.
HINTS = {
    "email": ("email", "e_mail", "mail"),
    "phone": ("phone", "mobile", "tel", "telephone", "fax", "cell", "cellphone", "whatsapp", "sms"),
    "name": ("name", "fullname", "surname", "forename", "firstname", "lastname"),
    "address": ("address", "addr", "street", "postal", "residence"),
    "national_id": ("ssn", "nino", "nin", "insurance", "passport", "national", "tax", "tin", "sin"),
    "payment_card": ("card", "pan", "credit"),
    "iban": ("iban", "account", "bank"),
    "ip_address": ("ip", "ipv4", "ipv6"),
    "birth_date": ("birth", "birthday", "born", "dob", "bday"),
}
# Names that are personal by their name alone, whatever the values look like.
NAME_COLUMNS = ("first_name", "last_name", "surname", "full_name", "given_name", "family_name", "forename")
# Words of a name that are ordinary words or places more often than a person's given name.
_NOT_GIVEN = frozenset((
    "north", "south", "east", "west", "new", "old", "san", "santa", "saint", "st", "fort", "port",
    "lake", "mount", "general", "red", "green", "blue", "black", "white", "gold", "silver", "grey",
    "gray", "rose", "ruby", "amber", "pearl", "coral", "summer", "winter", "autumn", "spring", "star",
    "sky", "sunny", "may", "june", "april", "august", "will", "mark", "page", "price", "art", "cash",
    "king", "queen", "prince", "major", "little", "grand", "great", "big", "long", "young", "royal",
    "central", "upper", "lower", "middle", "royal", "happy", "honey", "candy", "pepper", "sugar",
    "paris", "victoria", "georgia", "carolina", "virginia", "dakota", "florida", "indiana", "austin",
    "dallas", "houston", "chester", "jersey", "york", "holland", "china", "india", "jordan", "israel",
    "kenya", "asia",
))  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    """Share of informative values of one kind at which a column is personal; lower when the
    column's name says so."""

    share: float = 0.5
    hinted_share: float = 0.2
    # Names need a given and a family name this often, or a given name this often.
    name_share: float = 0.4
    given_name_share: float = 0.8


DEFAULT = Thresholds()


@cache
def person_names() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, family names), ASCII-lowercased, from every locale Faker ships."""
    import importlib
    import pkgutil

    import faker.providers.person as people

    given: set[str] = set()
    family: set[str] = set()
    for module in pkgutil.iter_modules(people.__path__):
        provider = importlib.import_module(f"{people.__name__}.{module.name}").Provider
        for attrs, into in (
            (("first_names", "first_names_male", "first_names_female"), given),
            (("last_names", "last_names_male", "last_names_female"), family),
        ):
            for attr in attrs:
                names = getattr(provider, attr, ())
                if isinstance(names, Mapping):
                    names = list(names)
                if isinstance(names, list | tuple):
                    into.update(ascii_lower(n) for n in names if isinstance(n, str) and " " not in n)
    return frozenset(given - _NOT_GIVEN), frozenset(family)


def ascii_lower(value: str) -> str:
    """Only A-Z lowered, as PostgreSQL's lower() does under the C locale, so both sides agree."""
    return value.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@cache
def _compiled() -> dict[str, re.Pattern]:
    return {
        "email": re.compile(_EMAIL),
        "payment_card": re.compile(_CARD),
        "iban": re.compile(_IBAN),
        "national_id": re.compile(_NATIONAL_ID),
        "ip_address": re.compile(_IP),
        "phone": re.compile(_PHONE, re.I),
        "address": re.compile(_address_start(), re.I),
        "address_end": re.compile(_ADDRESS_END),
        "name": re.compile(_NAME, re.I),
        "surname_first": re.compile(_SURNAME_FIRST),
        "title": re.compile(f"^{_TITLE}", re.I),
    }


@cache
def street_words() -> tuple[str, ...]:
    """Street types (``Road``, ``Extension``, ``Rue``) from Faker's address lists, with the usual
    abbreviations."""
    import importlib

    words = {
        "st", "rd", "ave", "av", "ln", "dr", "blvd", "ct", "pl", "sq", "pkwy", "hwy", "cir", "trl",
        "ter", "cres", "cl", "gdns", "mews", "row", "rue", "chemin", "allee", "allée", "impasse",
        "quai", "via", "calle", "avenida", "strasse", "straße", "weg", "gasse", "platz", "laan",
    }  # fmt: skip
    for locale in ("en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_NZ"):
        try:
            provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        except ImportError:
            continue
        for attr in ("street_suffixes", "street_suffixes_long", "street_suffixes_short"):
            values = getattr(provider, attr, ())
            if isinstance(values, Mapping):
                values = list(values)
            if isinstance(values, list | tuple):
                words.update(ascii_lower(v).rstrip(".") for v in values if isinstance(v, str))
    return tuple(sorted(w for w in words if re.fullmatch(r"[a-zéß]+", w)))


# What every value the street pattern matches starts with or holds: a cheap test that spares most
# values the long list of street types.
_ADDRESS_GATE = f"(^([0-9]|{_UNIT} )|{_COMPOUND} [0-9])"


def _address_start() -> str:
    street = "|".join(street_words())
    number = r"[0-9]{1,6}[a-z]?(-[0-9]{1,6})?,?"
    return (
        f"^(({_UNIT} [0-9a-z]+,? )?{number} ([^ ,@0-9]+ ){{1,4}}({street})([ ,.\n]|$)"
        f"|[^ ,@0-9]+{_COMPOUND} [0-9]{{1,5}}([ ,\n]|$)|{_UNIT} [0-9]{{1,6}}[ ,\n])"
    )


_BLANKS = " \t\r\n"


def informative(value: str | None) -> bool:
    return value is not None and ascii_lower(value.strip(_BLANKS)) not in PLACEHOLDERS


def value_kind(value: str | None) -> str | None:
    """The kind of personal value ``value`` has the shape of, or None."""
    if value is None:
        return None
    v = value.strip(_BLANKS)[:200]
    if not v or ascii_lower(v) in PLACEHOLDERS:
        return None
    p = _compiled()
    # Three families that cannot overlap, so that most values meet only a few patterns: with an
    # @ only an e-mail is possible; with a digit the numbers and addresses; otherwise a name.
    if "@" in v:
        return "email" if p["email"].match(v) else None
    if not any(c in "0123456789" for c in v):
        return "name" if _is_name(v, p) else None
    if p["payment_card"].match(v) and luhn(v):
        return "payment_card"
    for kind in ("iban", "national_id", "ip_address"):
        if p[kind].match(v):
            return kind
    digits = sum(c in "0123456789" for c in v)
    if p["phone"].match(v) and 9 <= digits <= 15 + 6:
        # The extension's digits do not count towards the number's length.
        number = re.sub(r" ?(x|ext\.?) ?[0-9]{1,6}$", "", v, flags=re.I)
        if 9 <= sum(c in "0123456789" for c in number) <= 15:
            return "phone"
    if p["address"].match(v) or p["address_end"].match(v):
        return "address"
    return None


def luhn(value: str) -> bool:
    """The check digit card numbers carry (one random number in ten passes it)."""
    digits = [int(c) for c in value if c in "0123456789"]
    total = 0
    for i, d in enumerate(reversed(digits), start=1):
        total += (d * 2 // 10 + d * 2 % 10) if i % 2 == 0 else d
    return bool(digits) and total % 10 == 0


def sql_luhn(digits: str) -> str:
    """``luhn`` as a PostgreSQL expression over a text of digits alone."""
    return (
        f"(select sum(case when (length({digits}) - p + 1) % 2 = 0 then (d * 2) / 10 + (d * 2) % 10 "
        f"else d end) % 10 = 0 from (select p, substr({digits}, p, 1)::int as d "
        f"from generate_series(1, length({digits})) as p) as luhn_digits)"
    )


def _is_name(v: str, p: dict[str, re.Pattern]) -> bool:
    given, family = person_names()
    if p["surname_first"].match(v):
        last, rest = v.split(", ", 1)
        first = rest.split(" ", 1)[0]
    elif p["name"].match(v):
        words = p["title"].sub("", v, count=1).split(" ")
        first, last = words[0], words[-1]
    else:
        return False
    return ascii_lower(first) in given and ascii_lower(last.rstrip(".")) in family


def given_first(value: str) -> bool:
    """A name's shape with a known given name first (the family name may be any)."""
    p = _compiled()
    v = value.strip(_BLANKS)
    if not p["name"].match(v):
        return False
    return ascii_lower(p["title"].sub("", v, count=1).split(" ")[0]) in person_names()[0]


@dataclass(frozen=True)
class Finding:
    kind: str
    share: float
    matched: int
    informative: int


def column_words(column: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", ascii_lower(column))) - {""}


def hinted(column: str, kind: str) -> bool:
    words = column_words(column)
    joined = ascii_lower(column)
    return bool(words & set(HINTS[kind])) or any(h in joined for h in HINTS[kind] if len(h) >= 5)


def decide(
    column: str,
    counts: Mapping[str, int],
    informative_values: int,
    *,
    given_first_count: int = 0,
    thresholds: Thresholds = DEFAULT,
) -> Finding | None:
    """The column's kind from how many of its informative values have each kind's shape."""
    lowered = ascii_lower(column)
    if any(h in lowered for h in NAME_COLUMNS):
        return Finding("name", 1.0, counts.get("name", 0), informative_values)
    if informative_values <= 0:
        return None
    best: Finding | None = None
    for kind in KINDS:
        matched = counts.get(kind, 0)
        share = matched / informative_values
        need = thresholds.hinted_share if hinted(column, kind) else thresholds.share
        if kind == "name":
            need = min(need, thresholds.name_share)
            if given_first_count / informative_values >= thresholds.given_name_share:
                share = max(share, given_first_count / informative_values)
                matched = max(matched, given_first_count)
        if matched and share >= need and (best is None or share > best.share):
            best = Finding(kind, share, matched, informative_values)
    return best


def judge_values(column: str, values: Iterable[object], thresholds: Thresholds = DEFAULT) -> Finding | None:
    """``decide`` over values in hand (a sample, a preview)."""
    counts: Counter[str] = Counter()
    useful = given = 0
    for raw in values:
        if raw is None:
            continue
        text = str(raw)
        if not informative(text):
            continue
        useful += 1
        kind = value_kind(text)
        if kind:
            counts[kind] += 1
        elif given_first(text):
            given += 1
    return decide(column, counts, useful, given_first_count=given + counts["name"], thresholds=thresholds)


# --- birth dates: a column's statistics ----------------------------------------------------------


@dataclass(frozen=True)
class DateFacts:
    rows: int
    distinct: int
    low: dt.date | None
    high: dt.date | None
    first_of_month: int
    with_time: int
    # Coefficient of variation of the gaps between consecutive distinct dates: about 0 for a
    # regular series (daily, weekly, every 20 days), about 1 for dates drawn at random.
    gap_cv: float = 1.0


# Kinds that make a table one about people, so that a date spread like birthdays is taken for one.
PERSON_KINDS = frozenset({"name", "email", "phone", "national_id", "address"})


def birth_dates(
    column: str, facts: DateFacts, today: dt.date, *, about_people: bool = True
) -> Finding | None:
    """Dates of birth: named so, or by shape: days spread at random over decades of the past, not
    a series (whose dates are evenly spaced or fall on the first of the month). The shape alone
    counts only in a table ``about_people`` (one holding names, contacts or national ids): the
    opening dates of shops or the founding dates of firms are spread the same way."""
    if facts.rows == 0 or facts.low is None or facts.high is None:
        return None
    if hinted(column, "birth_date"):
        return Finding("birth_date", 1.0, facts.rows, facts.rows)
    if not about_people:
        return None
    span = (facts.high - facts.low).days
    if (
        facts.rows >= 20
        and facts.with_time == 0
        and facts.low.year >= 1900
        and facts.high <= today
        and span >= 18 * 365
        and facts.distinct / max(span, 1) < 0.5
        and facts.distinct >= 0.3 * facts.rows
        and facts.first_of_month <= 0.2 * facts.rows
        and facts.gap_cv >= 0.5
    ):
        return Finding("birth_date", facts.distinct / facts.rows, facts.rows, facts.rows)
    return None


# --- the same test as SQL ----------------------------------------------------------------------


def _q(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def sql_value_kind(expr: str, names_table: str = "nex.person_names") -> str:
    """A PostgreSQL expression giving ``value_kind`` of the text expression ``expr`` (a column,
    already cut to 200 characters and trimmed by the caller)."""
    p = {k: _q(v) for k, v in {
        "email": _EMAIL, "payment_card": _CARD, "iban": _IBAN, "national_id": _NATIONAL_ID,
        "ip_address": _IP, "phone": _PHONE, "address": _address_start(),
        "address_gate": _ADDRESS_GATE, "address_end": _ADDRESS_END, "name": _NAME,
        "surname_first": _SURNAME_FIRST,
        "title": _q(f"^{_TITLE}")[1:-1],
    }.items()}  # fmt: skip
    lower = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    only_digits = f"regexp_replace({expr}, '[^0-9]', '', 'g')"
    digits = f"length({only_digits})"
    no_extension = f"regexp_replace({expr}, ' ?(x|ext\\.?) ?[0-9]{{1,6}}$', '', 'i')"
    number_digits = f"length(regexp_replace({no_extension}, '[^0-9]', '', 'g'))"
    untitled = f"regexp_replace({expr}, {p['title']}, '', 'i')"
    first = lower.format(f"split_part({untitled}, ' ', 1)")
    last = lower.format(f"rtrim(reverse(split_part(reverse({untitled}), ' ', 1)), '.')")
    s_first = lower.format(f"split_part(split_part({expr}, ', ', 2), ' ', 1)")
    s_last = lower.format(f"rtrim(split_part({expr}, ', ', 1), '.')")
    given = f"(select name from {names_table} where given)"
    family = f"(select name from {names_table} where family)"
    # Placeholders are ASCII, so lower() (which may lower more than A-Z) finds the same ones.
    placeholders = ", ".join(_q(v) for v in sorted(PLACEHOLDERS))
    longest = max(map(len, PLACEHOLDERS))
    return f"""case
      when {expr} is null or {expr} = '' or length({expr}) <= {longest} and lower({expr}) in ({placeholders})
           then '-'
      when strpos({expr}, '@') > 0 then case when {expr} ~ {p["email"]} then 'email' end
      when {expr} ~ '[0-9]' then case
        when {expr} ~ {p["payment_card"]} and {sql_luhn(only_digits)} then 'payment_card'
        when {expr} ~ {p["iban"]} then 'iban'
        when {expr} ~ {p["national_id"]} then 'national_id'
        when {expr} ~ {p["ip_address"]} then 'ip_address'
        when {expr} ~* {p["phone"]} and {digits} between 9 and 21
             and {number_digits} between 9 and 15 then 'phone'
        when ({expr} ~* {p["address_gate"]} and {expr} ~* {p["address"]})
             or ((strpos({expr}, ',') > 0 or strpos({expr}, E'\n') > 0) and {expr} ~ {p["address_end"]})
             then 'address'
        end
      when {expr} ~ {p["surname_first"]} then
        case when {s_first} in {given} and {s_last} in {family} then 'name' end
      when {expr} ~* {p["name"]} then case
        when {first} in {given} and {last} in {family} then 'name'
        when {first} in {given} then 'given_first'
        end
    end"""
