"""What the explorer tools run against: two connections with different powers.

The reader connection (role ``nex_reader``, READ ONLY transactions) runs every query whose text
a user or a model had a hand in, and lists what that role can see. The platform connection runs
only fixed queries of this package over the platform's own tables (profiles, dictionary), which
the reader role cannot read by design; it is read-only too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg

from nex_assets.chat import readonly
from nex_assets.chat.logic import sql_safety
from nex_assets.chat.settings import ChatSettings
from nex_assets.common.problems import Problems
from nex_assets.core import db as nexdb
from nex_assets.core import env, settings
from nex_assets.datasets.logic.catalog import Dataset, load_catalog

# What the reader can see changes when a load swaps a table in or dbt adds a model; a long-lived
# MCP server refreshes its view of it this often.
_KNOWLEDGE_TTL_S = 30.0


@dataclass
class ToolContext:
    database: env.Database
    settings: ChatSettings
    datasets: dict[str, Dataset] = field(default_factory=dict)
    _reader: psycopg.Connection | None = None
    _platform: psycopg.Connection | None = None
    _knowledge: tuple[float, sql_safety.Tables, tuple[str, ...]] | None = None

    @classmethod
    def open(cls, database: env.Database | None = None, datasets: list[Dataset] | None = None) -> ToolContext:
        database = nexdb.bootstrap(database)
        # A broken dataset file is reported by `nex doctor`; questions go on about the others.
        found = datasets if datasets is not None else load_catalog(env.datasets_dir(), problems=Problems())
        chat = settings.load(ChatSettings)
        return cls(database=database, settings=chat, datasets={d.name: d for d in found})

    def __enter__(self) -> ToolContext:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for conn in (self._reader, self._platform):
            if conn is not None and not conn.closed:
                conn.close()
        self._reader = self._platform = None

    def reader(self) -> psycopg.Connection:
        if self._reader is None or self._reader.closed:
            self._reader = readonly.connect_reader(self.database)
        return self._reader

    def platform(self) -> psycopg.Connection:
        if self._platform is None or self._platform.closed:
            self._platform = nexdb.connect(self.database, autocommit=True)
            self._platform.read_only = True
        return self._platform

    def reader_rows(self, query: str, params: tuple | dict = ()) -> list[tuple]:
        """One of this package's own catalog queries, as the reader (it sees only what it may read)."""
        conn = self.reader()
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.rollback()

    def platform_rows(self, query: str, params: tuple | dict = ()) -> list[tuple]:
        return self.platform().execute(query, params).fetchall()

    def policy(self) -> sql_safety.Policy:
        s = self.settings
        return sql_safety.policy_from_settings(
            self.readable_schemas(),
            s.function_allowlist,
            s.allowed_types,
            s.row_limit,
            s.max_sql_chars,
        )

    def readable_schemas(self) -> tuple[str, ...]:
        return self._known()[2]

    def tables(self) -> sql_safety.Tables:
        return self._known()[1]

    def sensitive_columns(self, schema: str, table: str) -> frozenset[str]:
        return self.tables().sensitive.get((schema, table), frozenset())

    def refresh(self) -> None:
        """Forget what the reader could see, e.g. right after tables were created."""
        self._knowledge = None

    def _known(self) -> tuple[float, sql_safety.Tables, tuple[str, ...]]:
        if self._knowledge is None or time.monotonic() - self._knowledge[0] > _KNOWLEDGE_TTL_S:
            self._knowledge = (time.monotonic(), *self._discover())
        return self._knowledge

    def _discover(self) -> tuple[sql_safety.Tables, tuple[str, ...]]:
        # Schemas granted to the reader by name (70_chat.sql), not `public`, which every role may use.
        schemas = tuple(
            r[0]
            for r in self.reader_rows(
                """select n.nspname from pg_namespace n
                    where exists (select 1 from aclexplode(n.nspacl) a
                                   where a.grantee = (select oid from pg_roles where rolname = current_user)
                                     and a.privilege_type = 'USAGE')
                    order by 1"""
            )
        )
        by_name: dict[str, list[str]] = {}
        columns: dict[tuple[str, str], list[str]] = {}
        closed: dict[tuple[str, str], set[str]] = {}
        # Every table of the readable schemas with its columns in order, and which columns the
        # database itself keeps from the reader (column privileges, reader_access.py): the parser
        # refuses what the database would, with a reason, and reasons about alias lists by position.
        for schema, name, column, readable in self.platform_rows(
            """select n.nspname, c.relname, a.attname,
                      has_column_privilege(%s, c.oid, a.attnum, 'SELECT')
                 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f')
                order by n.nspname, c.relname, a.attnum""",
            (readonly.READER_ROLE, list(schemas)),
        ):
            key = (schema, name)
            if key not in columns:
                by_name.setdefault(name, []).append(schema)
            columns.setdefault(key, []).append(column)
            if not readable:
                closed.setdefault(key, set()).add(column)
        detected: dict[str, set[str]] = {}
        # Personal data found in the values at each dataset's newest load or by its newest profile,
        # beyond what the catalog declares.
        for dataset, column in self.platform_rows(
            """select p.dataset, p.column_name from nex.column_profiles p
                where p.sensitive and p.profiled_at = (select max(q.profiled_at) from nex.column_profiles q
                                                        where q.dataset = p.dataset)
               union select dataset, column_name from nex.personal_columns"""
        ):
            detected.setdefault(dataset, set()).add(column)
        sensitive: dict[tuple[str, str], frozenset[str]] = {}
        for (schema, name), names in columns.items():
            personal = set(closed.get((schema, name), set())) | detected.get(name, set())
            if name in self.datasets:
                personal |= self.datasets[name].sensitive_columns
            personal &= set(names)
            if personal:
                sensitive[(schema, name)] = frozenset(personal)
        tables = sql_safety.Tables(
            schemas_by_table={k: tuple(sorted(v)) for k, v in by_name.items()},
            sensitive=sensitive,
            columns={k: tuple(v) for k, v in columns.items()},
        )
        return tables, schemas
