"""The parser layer of read-only SQL: exactly one SELECT over the warehouse schemas, nothing else.

A question asked in plain language ends as SQL written by a model that may have read a hostile
cell. This layer refuses, with a reason the model and the user can act on, everything that is not
one plain query: DML and DDL (also inside CTEs), ``SELECT INTO``, ``COPY``, stacked statements,
transaction and session control, every function and type not on the allowlist of
``config/chat.yaml``, tables outside the readable schemas, and personal-data columns. What is
executed is the SQL regenerated from the checked tree, with every table qualified by its schema,
so the database runs exactly what was checked. The database role and the READ ONLY transaction
(``nex_assets.chat.readonly``) refuse the same things again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

DIALECT = "postgres"

# Unicode-escaped identifiers and strings (U&"pg\005fsleep") hide a name from every text check
# and sqlglot misreads them as an operator; nobody needs them to ask a question.
_UNICODE_ESCAPE = re.compile(r"u&\s*['\"]", re.IGNORECASE)

# The function name of generated SQL that is a call: `version()`, `pg_catalog."pg_sleep"(1)`.
_CALL = re.compile(r'^\s*(?:"?\w+"?\.)?"?(\w+)"?\s*\(')

_FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = (
    exp.DML,
    exp.DDL,
    exp.Into,
    exp.Copy,
    exp.Command,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Lock,
    exp.TruncateTable,
    exp.Merge,
    exp.Grant,
    exp.Alter,
    exp.Use,
    exp.Pragma,
    exp.Analyze,
)


class QueryRefused(ValueError):
    """A query the read-only path will not run; ``str()`` is the reason to show."""


@dataclass(frozen=True)
class Policy:
    readable_schemas: frozenset[str]
    # What a query may call: PostgreSQL function names as the checked SQL calls them, and the
    # names of call-free syntax (CASE, operators such as ->>) as sqlglot names them.
    allowed_functions: frozenset[str]
    # Types a value may be cast to (sqlglot's names: INT, TEXT, TIMESTAMPTZ, ...).
    allowed_types: frozenset[str]
    row_limit: int = 1000
    max_sql_chars: int = 20000


@dataclass(frozen=True)
class Tables:
    """What the checker knows about the warehouse: which readable schemas hold a table of a name
    (to qualify unqualified names), the columns of each table in order, and which of them are
    closed to queries (personal data)."""

    schemas_by_table: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sensitive: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    columns: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckedQuery:
    sql: str
    tables: tuple[str, ...]


# Far deeper than any question needs, far below where the parser's recursion would give out.
MAX_NESTING = 64
# Keywords PostgreSQL evaluates as functions without parentheses (SQL's "value functions").
SQL_VALUE_FUNCTIONS = frozenset(
    {
        "user",
        "current_user",
        "current_role",
        "session_user",
        "system_user",
        "current_catalog",
        "current_schema",
    }
)
# PostgreSQL keeps at most NAMEDATALEN - 1 bytes of a name and folds only A-Z of an unquoted one (a
# multibyte letter such as É stays as written in a UTF-8 database).
NAME_BYTES = 63
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def pg_name(text: str, *, quoted: bool) -> str:
    """A name as PostgreSQL stores it: unquoted, A-Z folded to a-z; then cut to 63 bytes at a whole
    character. Two names the database sees as one are one here, so no alias walks around a check."""
    name = text if quoted else text.translate(_ASCII_LOWER)
    raw = name.encode("utf-8")
    return raw[:NAME_BYTES].decode("utf-8", "ignore") if len(raw) > NAME_BYTES else name


def _name(identifier: exp.Expression | None) -> str:
    """An identifier as PostgreSQL resolves it (``pg_name``)."""
    if identifier is None:
        return ""
    if isinstance(identifier, exp.Identifier):
        return pg_name(identifier.name, quoted=bool(identifier.quoted))
    return pg_name(identifier.name, quoted=False)


def _called_name(node: exp.Func) -> str:
    """The name PostgreSQL will call for ``node`` in the SQL that runs (``version()`` is sqlglot's
    ``CurrentVersion``, ``now()`` becomes ``CURRENT_TIMESTAMP``), or, for syntax that calls no
    function by name (``CASE``, ``->>``, ``ARRAY[...]``), sqlglot's key for it (``case``,
    ``jsonextractscalar``, ``array``)."""
    if not isinstance(node, exp.Binary | exp.Unary) and (call := _CALL.match(node.sql(DIALECT))):
        return call.group(1).lower()
    return node.key


def _parse(sql: str, policy: Policy) -> exp.Expression:
    text = sql.strip()
    if not text:
        raise QueryRefused("empty query: send one SELECT statement")
    if len(text) > policy.max_sql_chars:
        raise QueryRefused(f"query is {len(text)} characters long; the limit is {policy.max_sql_chars}")
    if "\x00" in text:
        raise QueryRefused("query contains a NUL character")
    if _UNICODE_ESCAPE.search(text):
        raise QueryRefused("Unicode-escaped names or strings (U&'...') are not accepted; write them plainly")
    try:
        statements = [s for s in sqlglot.parse(text, read=DIALECT) if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QueryRefused(f"could not parse the query as PostgreSQL: {first}") from exc
    statements = [s for s in statements if not isinstance(s, exp.Semicolon)]
    if len(statements) != 1:
        raise QueryRefused(f"exactly one statement is allowed; found {len(statements)}")
    return statements[0]


def _check_shape(tree: exp.Expression) -> None:
    if not isinstance(tree, exp.Select | exp.SetOperation):
        kind = tree.sql(DIALECT).split(maxsplit=1)[0].upper() if tree.sql(DIALECT) else tree.key.upper()
        raise QueryRefused(f"only SELECT queries are allowed (with CTEs); this is {kind}")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            what = "SELECT ... INTO" if isinstance(node, exp.Into) else node.key.upper()
            if isinstance(node, exp.Lock):
                what = "SELECT ... FOR UPDATE/SHARE (row locks)"
            raise QueryRefused(f"{what} is not allowed: queries here only read")


def _check_functions(tree: exp.Expression, policy: Policy) -> None:
    """Allowlist: a function runs only when it is known to compute from its arguments alone.
    Anything else (functions that plan SQL given as text, read files or the catalog, sleep,
    change settings, or were created in a schema) is refused by name."""
    for node in tree.find_all(exp.Func):
        name = _called_name(node)
        if name not in policy.allowed_functions:
            raise QueryRefused(
                f"function {name}() is not allowed here: queries may call only the functions listed "
                "in config/chat.yaml (aggregates, math, text, dates, casts, JSON accessors, windows)"
            )
        parent = node.parent
        if isinstance(parent, exp.Dot) and parent.expression is node:
            schema = _name(parent.this) if isinstance(parent.this, exp.Identifier | exp.Column) else ""
            if schema != "pg_catalog":
                raise QueryRefused(
                    f"{parent.sql(DIALECT)}: functions of schema {schema or '?'} cannot be called; "
                    "call built-in functions by their plain name"
                )

    # Unquoted and unqualified, these keywords are calls to PostgreSQL (who is connected, to what), which
    # the parser reads as plain column names.
    for column in tree.find_all(exp.Column):
        ident = column.this
        if (
            isinstance(ident, exp.Identifier)
            and not ident.quoted
            and not column.args.get("table")
            and _name(ident) in SQL_VALUE_FUNCTIONS
            and _name(ident) not in policy.allowed_functions
        ):
            raise QueryRefused(
                f"{_name(ident)} is PostgreSQL's function {_name(ident)}, which is not allowed here; "
                f'a column of that name is written "{_name(ident)}"'
            )


def _check_types(tree: exp.Expression, policy: Policy) -> None:
    """Casts reach the catalog through some types (``'pg_authid'::regclass``); only plain value
    types are accepted."""
    for node in tree.find_all(exp.DataType):
        kind = node.this.name if isinstance(node.this, exp.DataType.Type) else str(node.this)
        if kind.upper() not in policy.allowed_types:
            raise QueryRefused(
                f"type {node.sql(DIALECT)} is not allowed here: cast to numbers, text, booleans, dates "
                "and times, intervals, JSON or UUIDs (config/chat.yaml)"
            )


def _cte_names(tree: exp.Expression) -> set[str]:
    return {_name(cte.args.get("alias").this) for cte in tree.find_all(exp.CTE) if cte.args.get("alias")}


def _qualify_tables(tree: exp.Expression, policy: Policy, tables: Tables) -> list[tuple[str, str, exp.Table]]:
    ctes = _cte_names(tree)
    found = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a table function (generate_series, unnest); its name was checked as a function
        if table.args.get("catalog") is not None:
            raise QueryRefused(f"{table.sql(DIALECT)}: other databases cannot be queried")
        name = _name(table.this)
        schema = _name(table.args.get("db"))
        if not schema:
            if name in ctes:
                continue
            holders = tables.schemas_by_table.get(name, ())
            if len(holders) != 1:
                readable = ", ".join(sorted(policy.readable_schemas))
                problem = "is in several schemas" if holders else "is not a table of the readable schemas"
                raise QueryRefused(f"table {name} {problem}; name it as schema.table (schemas: {readable})")
            schema = holders[0]
            table.set("db", exp.to_identifier(schema))
        if schema not in policy.readable_schemas:
            readable = ", ".join(sorted(policy.readable_schemas))
            raise QueryRefused(
                f"schema {schema} is not readable here (table {schema}.{name}); "
                f"questions can read the schemas {readable}"
            )
        found.append((schema, name, table))
    return found


@dataclass
class _Source:
    """A table as one query sees it: the names it can be referred to by, and its columns under
    the names the query gives them (a column alias list renames them by position)."""

    relation: str
    schema: str
    refs: set[str]
    columns: tuple[str, ...] | None
    closed: set[str]
    original: dict[str, str] = field(default_factory=dict)

    @property
    def open_columns(self) -> set[str]:
        return set(self.columns or ()) - self.closed


def _sources(found: list[tuple[str, str, exp.Table]], tables: Tables) -> list[_Source]:
    out = []
    for schema, name, table in found:
        relation = f"{schema}.{name}"
        closed = set(tables.sensitive.get((schema, name), frozenset()))
        columns = tables.columns.get((schema, name))
        alias = table.args.get("alias")
        refs = {name} | ({_name(alias.this)} if alias is not None and alias.this else set())
        renamed = [_name(c) for c in alias.columns] if alias is not None and alias.columns else []
        original: dict[str, str] = {}
        if renamed:
            if columns is None:
                if closed:
                    raise QueryRefused(
                        f"column aliases on {relation}, which holds personal data, are not accepted; "
                        "name its columns instead"
                    )
            else:
                visible = tuple(renamed) + tuple(columns[len(renamed) :])
                original = {v: c for v, c in zip(visible, columns, strict=False) if v != c}
                # Both names of a personal column stay closed: the alias and the original.
                closed |= {v for v, c in original.items() if c in closed}
                columns = visible + tuple(c for c in columns if c in closed)
        if columns is not None and closed and not set(columns) - closed:
            raise QueryRefused(
                f"{relation} holds only personal data (or columns not yet cleared for queries) and "
                "cannot be queried; use profile_table for its shape"
            )
        out.append(_Source(relation, schema, refs, columns, closed, original))
    return out


def _personal(source: _Source, column: str) -> QueryRefused:
    renamed = f" (named {column} by an alias list)" if column in source.original else ""
    return QueryRefused(
        f"{source.relation}.{source.original.get(column, column)}{renamed} is personal data and cannot "
        "be queried; use sample_rows (masked) or profile_table for its shape"
    )


def _check_personal_data(
    tree: exp.Expression, found: list[tuple[str, str, exp.Table]], tables: Tables
) -> None:
    """Personal columns never leave through a query, not even filtered on (a WHERE on an e-mail
    address answers yes or no about a person); their profiles and masked samples are the way.
    What each reference can reach is judged from the tables it can resolve to: a column by its
    name (also under an alias list), a whole row by its table's name or alias (composites,
    ``to_jsonb(t)``, ``t.row_to_json``), a join by the columns it compares without naming them."""
    sources = _sources(found, tables)
    protected = [s for s in sources if s.closed]
    closed_names = {c: s for s in protected for c in s.closed}
    protected_refs = {r: s for s in protected for r in s.refs}
    open_anywhere = {c for s in sources for c in s.open_columns}
    if protected:
        for join in tree.find_all(exp.Join):
            if str(join.args.get("method") or "").upper() == "NATURAL":
                raise QueryRefused(
                    f"NATURAL JOIN with {', '.join(sorted({s.relation for s in protected}))} compares "
                    "columns it does not name, personal data among them; join with ON and named columns"
                )
            for ident in join.args.get("using") or []:
                if _name(ident) in closed_names:
                    raise _personal(closed_names[_name(ident)], _name(ident))
    for column in tree.find_all(exp.Column):
        if not isinstance(column.this, exp.Identifier):
            continue
        name = _name(column.this)
        qualifier = _name(column.args.get("table"))
        if qualifier:
            schema = _name(column.args.get("db"))
            for source in sources:
                if qualifier not in source.refs or (schema and schema != source.schema):
                    continue
                if name in source.closed:
                    raise _personal(source, name)
                if source.columns is not None and name not in source.columns:
                    # PostgreSQL reads `t.f` as the call f(t) when t has no column f.
                    if source.closed:
                        raise QueryRefused(
                            f"{qualifier}.{name} calls {name}() on whole rows of {source.relation}, which "
                            "include personal data; name the columns you need"
                        )
                    raise QueryRefused(
                        f"{qualifier}.{name}: {source.relation} has no column {name}; "
                        "functions cannot be called on a whole row"
                    )
            continue
        if name in closed_names:
            raise _personal(closed_names[name], name)
        if name in protected_refs and name not in open_anywhere:
            raise QueryRefused(
                f"whole rows of {protected_refs[name].relation} include personal data; "
                "name the columns you need"
            )
    for star in tree.find_all(exp.Star):
        parent = star.parent
        owner = _name(parent.args.get("table")) if isinstance(parent, exp.Column) else ""
        if owner in protected_refs:
            raise QueryRefused(
                f"{parent.sql(DIALECT)} would include personal data of {protected_refs[owner].relation}; "
                "name the columns you need"
            )
        if isinstance(parent, exp.Select) and protected:
            raise QueryRefused(
                f"SELECT * over {', '.join(sorted({s.relation for s in protected}))} would include "
                "personal data; name the columns you need"
            )


def check(sql: str, policy: Policy, tables: Tables | None = None) -> CheckedQuery:
    """The query as it will run, or ``QueryRefused`` with the reason."""
    tables = tables or Tables()
    if _depth(sql) > MAX_NESTING:
        raise QueryRefused(f"the query nests more than {MAX_NESTING} levels of parentheses; write it flatter")
    try:
        tree = _parse(sql, policy)
        _check_shape(tree)
        _check_functions(tree, policy)
        _check_types(tree, policy)
        found = _qualify_tables(tree, policy, tables)
        _check_personal_data(tree, found, tables)
        names = tuple(dict.fromkeys(f"{schema}.{name}" for schema, name, _ in found))
        return CheckedQuery(sql=tree.sql(dialect=DIALECT), tables=names)
    except RecursionError as exc:  # nesting the count above missed (no parentheses): still an answer
        raise QueryRefused("the query nests too deeply to be checked; write it flatter") from exc


def _depth(sql: str) -> int:
    """The deepest nesting of parentheses, strings included (a refusal there is safe, never wrong)."""
    depth = deepest = 0
    for ch in sql:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
    return deepest


def policy_from_settings(
    readable_schemas: Iterable[str],
    allowed_functions: Iterable[str],
    allowed_types: Iterable[str],
    row_limit: int,
    max_sql_chars: int,
) -> Policy:
    return Policy(
        readable_schemas=frozenset(s.lower() for s in readable_schemas),
        allowed_functions=frozenset(f.lower() for f in allowed_functions),
        allowed_types=frozenset(t.upper() for t in allowed_types),
        row_limit=row_limit,
        max_sql_chars=max_sql_chars,
    )
