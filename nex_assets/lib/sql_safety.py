"""The parser layer of read-only SQL: exactly one SELECT over the warehouse schemas, nothing else.

A question asked in plain language ends as SQL written by a model that may have read a hostile
cell. This layer refuses, with a reason the model and the user can act on, everything that is not
one plain query: DML and DDL (also inside CTEs), ``SELECT INTO``, ``COPY``, stacked statements,
transaction and session control, dangerous functions, tables outside the readable schemas, and
personal-data columns. What is executed is the SQL regenerated from the checked tree, with every
table qualified by its schema, so the database runs exactly what was checked. The database role
and the READ ONLY transaction (``nex_assets.chat.readonly``) refuse the same things again.
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
    denied_functions: frozenset[str]
    denied_function_prefixes: tuple[str, ...]
    row_limit: int = 1000
    max_sql_chars: int = 20000


@dataclass(frozen=True)
class Tables:
    """What the checker knows about the warehouse: which readable schemas hold a table of a name
    (to qualify unqualified names) and which columns of a table are personal data."""

    schemas_by_table: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sensitive: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckedQuery:
    sql: str
    tables: tuple[str, ...]


def _name(identifier: exp.Expression | None) -> str:
    """An identifier as PostgreSQL resolves it: unquoted names fold to lower case."""
    if identifier is None:
        return ""
    if isinstance(identifier, exp.Identifier):
        return identifier.name if identifier.quoted else identifier.name.lower()
    return identifier.name.lower()


def _function_names(node: exp.Func) -> set[str]:
    """sqlglot maps known functions to its own classes (``version()`` is ``CurrentVersion``), so both
    its name and the name in the PostgreSQL it generates are checked."""
    if isinstance(node, exp.Anonymous):
        return {node.name.lower()}
    call = _CALL.match(node.sql(DIALECT))
    return {node.sql_name().lower()} | ({call.group(1).lower()} if call else set())


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
    for node in tree.find_all(exp.Func):
        denied = sorted(
            n
            for n in _function_names(node)
            if n in policy.denied_functions or n.startswith(policy.denied_function_prefixes)
        )
        if denied:
            name = denied[0]
            raise QueryRefused(
                f"function {name}() is not allowed: it reads files, sleeps, changes settings, "
                "reaches other servers or administers the database"
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


def _check_personal_data(
    tree: exp.Expression, found: list[tuple[str, str, exp.Table]], tables: Tables
) -> None:
    """Personal columns never leave through a query, not even filtered on (a WHERE on an e-mail
    address answers yes or no about a person); their profiles and masked samples are the way."""
    personal: dict[str, str] = {}
    row_names: dict[str, str] = {}
    for schema, name, table in found:
        columns = tables.sensitive.get((schema, name), frozenset())
        if not columns:
            continue
        for column in columns:
            personal[column] = f"{schema}.{name}.{column}"
        row_names[name] = f"{schema}.{name}"
        if table.alias:
            row_names[_name(table.args["alias"].this)] = f"{schema}.{name}"
    if not personal:
        return
    for column in tree.find_all(exp.Column):
        name = _name(column.this) if isinstance(column.this, exp.Identifier) else ""
        if name in personal:
            raise QueryRefused(
                f"{personal[name]} is personal data and cannot be queried; "
                "use sample_rows (masked) or profile_table for its shape"
            )
        if name in row_names and not column.table:
            raise QueryRefused(
                f"whole rows of {row_names[name]} include personal data; name the columns you need"
            )
    for star in tree.find_all(exp.Star):
        parent = star.parent
        owner = _name(parent.args.get("table")) if isinstance(parent, exp.Column) else ""
        if owner in row_names:
            raise QueryRefused(
                f"{parent.sql(DIALECT)} would include personal data of {row_names[owner]}; "
                "name the columns you need"
            )
        if isinstance(parent, exp.Select):
            raise QueryRefused(
                f"SELECT * over {', '.join(sorted(set(row_names.values())))} would include personal data; "
                "name the columns you need"
            )


def check(sql: str, policy: Policy, tables: Tables | None = None) -> CheckedQuery:
    """The query as it will run, or ``QueryRefused`` with the reason."""
    tables = tables or Tables()
    tree = _parse(sql, policy)
    _check_shape(tree)
    _check_functions(tree, policy)
    found = _qualify_tables(tree, policy, tables)
    _check_personal_data(tree, found, tables)
    names = tuple(dict.fromkeys(f"{schema}.{name}" for schema, name, _ in found))
    return CheckedQuery(sql=tree.sql(dialect=DIALECT), tables=names)


def policy_from_settings(
    readable_schemas: Iterable[str],
    denied_functions: Iterable[str],
    denied_function_prefixes: Iterable[str],
    row_limit: int,
    max_sql_chars: int,
) -> Policy:
    return Policy(
        readable_schemas=frozenset(s.lower() for s in readable_schemas),
        denied_functions=frozenset(f.lower() for f in denied_functions),
        denied_function_prefixes=tuple(p.lower() for p in denied_function_prefixes),
        row_limit=row_limit,
        max_sql_chars=max_sql_chars,
    )
