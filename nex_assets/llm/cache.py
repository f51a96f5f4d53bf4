"""Answers of the LLM kept in ``nex.llm_cache``, keyed by the hash of (model, messages, parameters),
so that a re-run asks nothing it asked before."""

from __future__ import annotations

import hashlib
import json
import threading

import psycopg
from psycopg.types.json import Jsonb

from nex_assets.core import db as nexdb
from nex_assets.core import env


def request_key(model: str, messages: list[dict], params: dict) -> str:
    payload = json.dumps(
        {"model": model, "messages": messages, "params": params}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def prompt_hash(messages: list[dict]) -> str:
    """The provenance hash of a prompt alone (the cache key adds the model and parameters)."""
    return hashlib.sha256(json.dumps(messages, sort_keys=True, default=str).encode()).hexdigest()[:16]


class LLMCache:
    """One autocommit connection shared by the client's worker threads (psycopg serialises them)."""

    def __init__(self, database: env.Database | None = None):
        self._database = database
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> psycopg.Connection:
        with self._lock:
            if self._conn is None or self._conn.closed:
                database = nexdb.bootstrap(self._database)
                self._conn = nexdb.connect(database, autocommit=True)
            return self._conn

    def get(self, key: str) -> dict | None:
        row = (
            self._connection()
            .execute(
                "update nex.llm_cache set hits = hits + 1, last_hit_at = now() where key = %s "
                "returning response",
                (key,),
            )
            .fetchone()
        )
        return row[0] if row else None

    def put(self, key: str, *, model: str, purpose: str, response: dict, usage: tuple[int, int]) -> None:
        self._connection().execute(
            """insert into nex.llm_cache (key, model, purpose, response, prompt_tokens, completion_tokens)
               values (%s, %s, %s, %s, %s, %s) on conflict (key) do nothing""",
            (key, model, purpose, Jsonb(response), usage[0], usage[1]),
        )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
