"""Personal data found in a table by the values of whole columns, inside PostgreSQL.

Every text column's values (and the strings inside JSON values) are classified by
``common/personal.py``'s patterns in one pass over the table, so a column whose e-mails start after
its first thousand rows, or whose names hide in nested JSON, is found at load, before anyone can
query the new version. Tables longer than ``scan_rows`` are read through a repeatable Bernoulli
sample of about that many rows spread over the whole table (not its first rows). Date columns are
judged from their statistics (dates of birth). Findings are kept in ``nex.personal_columns``, one
row per personal column of each dataset's newest load.
"""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql

from nex_assets.common import personal
from nex_assets.common.personal import DateFacts, Finding, Thresholds

TEXT_TYPES = {"text", "character varying", "character", "json", "jsonb"}
WHOLE_NUMBER_TYPES = {"bigint", "numeric"}
DATE_TYPES = {"date", "timestamp", "timestamp without time zone", "timestamp with time zone"}
# JSON documents longer than this are classified by their text alone (walking them costs too much).
MAX_JSON_CHARS = 20_000


_CUT = "left(btrim({}, E' \\t\\r\\n'), 200)"


def _kind_case() -> str:
    """The kind of ``y.x`` (a value trimmed and cut) whose whole text is ``v.whole``: a JSON
    document is judged by the first personal string inside it."""
    leaf = personal.sql_value_kind("lx.x")
    leaf_text = _CUT.format("l #>> '{}'")
    leaves = (
        f"(select min(q.k) from (select {leaf} as k from jsonb_path_query(v.whole::jsonb, 'strict $.**') l, "
        f"lateral (select {leaf_text} as x) lx "
        "where jsonb_typeof(l) = 'string') q where q.k is not null and q.k <> '-')"
    )
    return (
        f"case when left(y.x, 1) in ('{{', '[') and length(v.whole) <= {MAX_JSON_CHARS} "
        f"and v.whole is json then coalesce({leaves}, '-') else {personal.sql_value_kind('y.x')} end"
    )


def scan(
    cur: psycopg.Cursor,
    relation: sql.Identifier,
    columns: list[tuple[str, str]],
    *,
    rows: int,
    scan_rows: int,
    thresholds: Thresholds = personal.DEFAULT,
    today: dt.date | None = None,
) -> dict[str, Finding]:
    """``{column: finding}`` for the columns of ``relation`` that hold personal data."""
    source: sql.Composable = sql.SQL("{} s").format(relation)
    if rows > scan_rows:
        pct = min(100.0, 100.0 * scan_rows / rows)
        source = sql.SQL("{} s tablesample bernoulli ({}) repeatable (0)").format(relation, sql.Literal(pct))
    found: dict[str, Finding] = {}
    text = [(c, t) for c, t in columns if t in TEXT_TYPES]
    if text:
        found |= _scan_text(cur, source, text, thresholds)
    about_people = any(f.kind in personal.PERSON_KINDS for f in found.values())
    for column, pg_type in columns:
        if pg_type in DATE_TYPES:
            finding = personal.birth_dates(
                column,
                _date_facts(cur, source, column, pg_type),
                today or dt.date.today(),
                about_people=about_people,
            )
            if finding:
                found[column] = finding
        elif pg_type in WHOLE_NUMBER_TYPES and (finding := _card_numbers(cur, source, column, thresholds)):
            found[column] = finding
        elif pg_type not in TEXT_TYPES:
            # A number stored under a telling name (a phone as digits): the name alone decides.
            finding = _by_name_only(column)
            if finding:
                found[column] = finding
    return found


def _card_numbers(
    cur: psycopg.Cursor, source: sql.Composable, column: str, thresholds: Thresholds
) -> Finding | None:
    """Card numbers kept as numbers: 13 to 19 digits that start as the networks do and pass the
    check digit (barcodes and long identifiers pass it one time in ten)."""
    c = sql.Identifier(column).as_string(cur)
    text = f"{c}::text"
    shaped, numbers = cur.execute(
        sql.SQL(
            "select count(*) filter (where {c} >= 1e12 and {c} < 1e19 and {t} ~ '^[2-6][0-9]{{12,18}}$' "
            "and {card}), count({c}) from {src}"
        ).format(c=sql.SQL(c), t=sql.SQL(text), card=sql.SQL(personal.sql_luhn(text)), src=source)
    ).fetchone()
    if not numbers or not shaped:
        return None
    share = shaped / numbers
    need = thresholds.hinted_share if personal.hinted(column, "payment_card") else thresholds.share
    return Finding("payment_card", share, shaped, numbers) if share >= need else None


def _by_name_only(column: str) -> Finding | None:
    if any(h in personal.ascii_lower(column) for h in personal.NAME_COLUMNS):
        return Finding("name", 1.0, 0, 0)
    words = personal.column_words(column)
    if words & set(personal.HINTS["phone"]):
        return Finding("phone", 1.0, 0, 0)
    if words & {"ssn", "nino", "passport"}:
        return Finding("national_id", 1.0, 0, 0)
    return None


def _scan_text(
    cur: psycopg.Cursor, source: sql.Composable, text: list[tuple[str, str]], thresholds: Thresholds
) -> dict[str, Finding]:
    # Each value is trimmed and cut once (a lateral column), then classified by one expression.
    values = sql.SQL(", ").join(
        sql.SQL("({}, {}::text)").format(sql.Literal(i), sql.Identifier(c)) for i, (c, _) in enumerate(text)
    )
    counts: dict[int, dict[str, int]] = {}
    for i, kind, n in cur.execute(
        sql.SQL(
            "select v.i, coalesce({kind}, ''), count(*) from {src}, lateral (values {values}) v(i, whole), "
            "lateral (select {cut} as x) y group by 1, 2"
        ).format(
            kind=sql.SQL(_kind_case()),
            src=source,
            values=values,
            cut=sql.SQL(_CUT.format("v.whole")),
        )
    ):
        counts.setdefault(i, {})[kind] = n
    found = {}
    for i, (column, _) in enumerate(text):
        per_kind = counts.get(i, {})
        useful = sum(n for k, n in per_kind.items() if k != "-")
        finding = personal.decide(
            column,
            per_kind,
            useful,
            given_first_count=per_kind.get("given_first", 0) + per_kind.get("name", 0),
            thresholds=thresholds,
        )
        if finding:
            found[column] = finding
    return found


def _date_facts(cur: psycopg.Cursor, source: sql.Composable, column: str, pg_type: str) -> DateFacts:
    c = sql.Identifier(column)
    timed = (
        sql.SQL("count(*) filter (where {c}::time <> time '00:00')").format(c=c)
        if pg_type != "date"
        else sql.SQL("0")
    )
    row = cur.execute(
        sql.SQL(
            "select count({c}), count(distinct {c}), min({c})::date, max({c})::date, "
            "count(*) filter (where extract(day from {c}) = 1), {timed} from {src}"
        ).format(c=c, timed=timed, src=source)
    ).fetchone()
    gaps = cur.execute(
        sql.SQL(
            "select coalesce(stddev(g) / nullif(avg(g), 0), 0) from (select extract(epoch from d - lag(d) "
            "over (order by d)) g from (select distinct {c}::timestamp d from {src} "
            "where {c} is not null) u) x"
        ).format(c=c, src=source)
    ).fetchone()[0]
    return DateFacts(*row, gap_cv=float(gaps or 0))


def record(cur: psycopg.Cursor, dataset: str, data_version: str, found: dict[str, Finding]) -> None:
    """The newest load's findings replace the dataset's earlier ones."""
    cur.execute("delete from nex.personal_columns where dataset = %s", (dataset,))
    for column, f in sorted(found.items()):
        cur.execute(
            """insert into nex.personal_columns
                   (dataset, column_name, kind, share, matched, informative, data_version)
               values (%s, %s, %s, %s, %s, %s, %s)""",
            (dataset, column, f.kind, f.share, f.matched, f.informative, data_version),
        )


def recorded(cur: psycopg.Cursor, dataset: str) -> dict[str, str]:
    """``{column: kind}`` found at the dataset's newest load."""
    return dict(
        cur.execute(
            "select column_name, kind from nex.personal_columns where dataset = %s", (dataset,)
        ).fetchall()
    )
