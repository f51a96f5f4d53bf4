"""The database layer of read-only SQL: how a checked query is executed.

Independently of the parser (``nex_assets.chat.logic.sql_safety``), every query runs
- as the role ``nex_reader`` (a connection of its own, never ``SET ROLE``: ``RESET ROLE`` cannot
  climb back to a stronger role), which has SELECT on the warehouse schemas and nothing else;
- in a READ ONLY transaction that has already taken its snapshot (so ``SET TRANSACTION READ WRITE``
  is too late), with a ``statement_timeout``, always rolled back;
- wrapped in ``select * from (...) limit n+1`` and sent with the extended protocol, where the
  server itself refuses a second statement.
"""

from __future__ import annotations

import datetime as dt
import decimal
import time
import uuid
from dataclasses import dataclass, field

import psycopg

from nex_assets.core import env
from nex_assets.datasets.reader_access import READER_ROLE


class QueryFailed(RuntimeError):
    """The database refused or failed a query; ``str()`` is the reason to show."""


@dataclass
class QueryResult:
    sql: str
    columns: list[str]
    rows: list[list]
    truncated: bool
    elapsed_ms: float
    tables: list[str] = field(default_factory=list)
    # Why the rows were cut: "rows" (the row limit) or "bytes" (the size cap); None when whole.
    truncated_by: str | None = None
    bytes: int = 0

    def as_dict(self) -> dict:
        return {
            "sql": self.sql,
            "columns": self.columns,
            "rows": self.rows,
            "row_count": len(self.rows),
            "truncated": self.truncated,
            "truncated_by": self.truncated_by,
            "bytes": self.bytes,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "tables": self.tables,
        }


def cell(value: object, max_chars: int) -> object:
    """A value as JSON can carry it, long text shortened (a cell is data to read, not a document)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time | uuid.UUID):
        return str(value)
    text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
    return text if len(text) <= max_chars else text[:max_chars] + "…"


def connect_reader(db: env.Database | None = None) -> psycopg.Connection:
    try:
        conn = psycopg.connect(env.reader_database(db, READER_ROLE).conninfo(), autocommit=False)
    except psycopg.OperationalError as exc:
        raise QueryFailed(
            f"cannot connect as the read-only role {READER_ROLE}: {exc}. On an external server create it "
            "once by hand as docs/storage.md says and set NEX_READER_PASSWORD"
        ) from exc
    conn.read_only = True
    return conn


def limited(sql: str, cut: list[tuple[str, bool]] | None = None, max_chars: int = 200) -> str:
    """The query wrapped so the server stops after the bound limit (one row more than asked tells
    that the answer was cut). The wrapper breaks anything that is not one query expression, and the
    bound parameter makes psycopg use the extended protocol, where the server refuses a second
    statement; ``%`` is escaped because the text is a parameter template.

    With ``cut`` (each result column's name and whether its type has a fixed size), every value of
    a type without one is cut to ``max_chars`` + 1 characters by the server, before it is sent: a
    cell of 200 MB costs the client 201 characters, not 200 MB. Columns are renamed by position
    first, so duplicate or odd names cannot break the wrapper."""
    body = sql.replace("%", "%%")
    if not cut:
        return "select * from (\n" + body + "\n) as nex_query limit %s"
    names = ", ".join(f"c{i}" for i in range(len(cut)))
    shown = ", ".join(
        (f"c{i}" if fixed else f"left(c{i}::text, {int(max_chars) + 1})") + " as " + _quoted(name)
        for i, (name, fixed) in enumerate(cut)
    )
    return f"select {shown} from (\n{body}\n) as nex_query({names}) limit %s"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""').replace("%", "%%") + '"'


# Types whose values have a bounded size (PostgreSQL's fixed-length types, and numeric, whose
# precision is bounded): passed through as they are. Every other type is cut by the server.
_BOUNDED_TYPES = frozenset(
    {
        16,  # boolean
        18,  # "char"
        20, 21, 23,  # bigint, smallint, integer
        26,  # oid
        700, 701,  # real, double precision
        790,  # money
        1082, 1083, 1114, 1184, 1186, 1266,  # date, time, timestamp(tz), interval, timetz
        1700,  # numeric
        2950,  # uuid
    }
)  # fmt: skip


def _reason(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag else None) or str(exc).splitlines()[0]
    return f"the database refused the query ({exc.sqlstate or type(exc).__name__}): {message}"


def _size(value: object) -> int:
    """Bytes a returned cell costs the caller, about as JSON would carry it."""
    if value is None or isinstance(value, bool | int | float):
        return 8
    return len(str(value).encode("utf-8", "replace")) + 2


def execute(
    conn: psycopg.Connection,
    sql: str,
    *,
    limit: int,
    timeout_s: float,
    max_cell_chars: int = 200,
    max_bytes: int = 4_000_000,
) -> QueryResult:
    """Runs ``sql`` on a reader connection as described above. It does not parse: that is the
    other layer's job, and the red-team suite calls this directly to prove it holds alone.

    Rows stream one at a time (libpq's single-row mode), so the answer is never buffered whole:
    cells are shortened as they arrive, and once the returned cells reach ``max_bytes`` the rest
    of the query is cancelled and the result is flagged as cut."""
    started = time.perf_counter()
    rows: list[list] = []
    size = 0
    truncated_by: str | None = None
    columns: list[str] = []
    try:
        with conn.cursor() as cur:
            # Our own statement first: it sets the timeout and takes the transaction's snapshot.
            cur.execute(
                "select set_config('statement_timeout', %s, true)", (f"{max(1, int(timeout_s * 1000))}ms",)
            )
            # The shape first (a limit of 0 computes no value), then the query with each value of
            # an unbounded type cut in the server.
            cur.execute(limited(sql), (0,))
            description = cur.description or []
            columns = [d.name for d in description]
            cut = [(d.name, d.type_code in _BOUNDED_TYPES) for d in description]
            for row in cur.stream(limited(sql, cut, max_cell_chars), (int(limit) + 1,)):
                if len(rows) == limit:
                    truncated_by = "rows"
                    break
                shown = [cell(v, max_cell_chars) for v in row]
                cost = sum(_size(v) for v in shown)
                if rows and size + cost > max_bytes:
                    truncated_by = "bytes"
                    break
                rows.append(shown)
                size += cost
    except psycopg.Error as exc:
        raise QueryFailed(_reason(exc)) from exc
    finally:
        if not conn.closed:
            conn.rollback()
    return QueryResult(
        sql=sql,
        columns=columns,
        rows=rows,
        truncated=truncated_by is not None,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        truncated_by=truncated_by,
        bytes=size,
    )
