"""Automatic suites: ``expectations/auto/<dataset>.json`` for every dataset without a hand-written
suite, built once from its first profile and the rules discovered in a sample of its table, kept
as a file a person reviews (and adopts with ``nex quality accept``). Rebuilding keeps the previous
file under ``expectations/auto/history/``.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import time
from pathlib import Path

import psycopg
from psycopg import sql

from nex_assets.quality.drafts import NoProfile, latest_profile
from nex_assets.quality.logic.discover import DiscoverySettings, Rule, discover
from nex_assets.quality.logic.suggest import auto_suite
from nex_assets.quality.logic.suite import Suite, load_suite, suite_path

# Semantic types whose columns take part in arithmetic and order rules, and in dependencies.
NUMERIC_SEMANTICS = {"count", "amount", "measure", "share"}
CATEGORY_SEMANTICS = {"category", "identifier", "flag"}


def auto_path(expectations_dir: Path, dataset: str) -> Path:
    return expectations_dir / "auto" / f"{dataset}.json"


def find_auto_suite(expectations_dir: Path, dataset: str) -> Suite | None:
    path = auto_path(expectations_dir, dataset)
    return load_suite(path, dataset) if path.is_file() else None


def sample(conn: psycopg.Connection, dataset: str, columns: list[str], rows: int) -> object:
    """At most about ``rows`` rows of the raw table (a repeatable block-free sample when larger)."""
    import pandas as pd

    table = sql.Identifier("raw", dataset)
    total = conn.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
    source: sql.Composable = table
    if total > rows:
        share = min(100.0, 100.0 * rows / total)
        source = sql.SQL("{} tablesample bernoulli ({}) repeatable (0)").format(table, sql.Literal(share))
    select = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    buffer = io.BytesIO()
    query = sql.SQL("copy (select {} from {}) to stdout with (format csv, header)").format(select, source)
    with conn.cursor() as cur, cur.copy(query) as cp:
        for block in cp:
            buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(buffer, low_memory=False)


def row_key(entries: list[dict], primary_key: list[str]) -> list[str]:
    """Columns that name a row in reports of breaking rows: the primary key, else an identifier
    with a different value on every row."""
    if primary_key:
        return list(primary_key)
    unique = [
        e
        for e in sorted(entries, key=lambda e: e.get("ordinal", 0))
        if (e.get("stats") or {}).get("semantic_type") == "identifier"
        and e["distinct_count"] == e["row_count"]
        and not e["sensitive"]
    ]
    # A code people use (RET01) names a row better than a row number.
    unique.sort(key=lambda e: e["pg_type"] != "text")
    return [unique[0]["column_name"]] if unique else []


def discover_rules(
    conn: psycopg.Connection, dataset: str, entries: list[dict], settings: DiscoverySettings | None = None
) -> list[Rule]:
    settings = settings or DiscoverySettings()
    semantic = {e["column_name"]: (e.get("stats") or {}).get("semantic_type") for e in entries}
    sensitive = {e["column_name"] for e in entries if e["sensitive"]}
    numeric = [c for c, s in semantic.items() if s in NUMERIC_SEMANTICS and c not in sensitive]
    categorical = [
        e["column_name"]
        for e in entries
        if semantic[e["column_name"]] in CATEGORY_SEMANTICS
        and e["column_name"] not in sensitive
        and 2 <= e["distinct_count"] < e["row_count"]
    ]
    if not numeric and len(categorical) < 2:
        return []
    # Any other column may be the one that must be present (conditional completeness).
    others = [
        c
        for c, s in semantic.items()
        if c not in sensitive and c not in numeric and c not in categorical and s != "free_text"
    ]
    frame = sample(conn, dataset, [*numeric, *categorical, *others], settings.sample_rows)
    return discover(frame, numeric, categorical, settings)


def _profile(conn: psycopg.Connection, dataset: str, primary_key: list[str], sensitive: set[str]):
    """The newest stored profile; without one (a run that selected quality but not the profile),
    the same profile computed now from the table."""
    from nex_assets.datasets import profiler

    try:
        return latest_profile(conn, dataset)
    except NoProfile:
        row = conn.execute(
            "select data_version, rows from nex.dataset_versions where dataset = %s "
            "order by loaded_at desc limit 1",
            (dataset,),
        ).fetchone()
        if row is None:
            raise
        entries = profiler.profile_table(
            conn, "raw", dataset, primary_key=primary_key, sensitive=sensitive, exact_rows=row[1]
        )
        return row[0], entries


def build(
    conn: psycopg.Connection,
    dataset: str,
    primary_key: list[str],
    expectations_dir: Path,
    sensitive: set[str] | frozenset = frozenset(),
) -> tuple[Path, dict, float]:
    """Writes ``expectations/auto/<dataset>.json`` from the newest profile and the discovered
    rules; returns the path, the suite and the seconds discovery took. An existing file is kept
    under ``history/`` first."""
    version, entries = _profile(conn, dataset, primary_key, set(sensitive))
    started = time.perf_counter()
    rules = discover_rules(conn, dataset, entries)
    discovery_s = time.perf_counter() - started
    key = row_key(entries, primary_key)
    suite = auto_suite(dataset, entries, primary_key, version, [r.expectation(key) for r in rules])
    text = json.dumps(suite, indent=2, ensure_ascii=False, default=str) + "\n"
    suite["meta"]["automatic"]["version"] = hashlib.sha256(text.encode()).hexdigest()[:12]
    text = json.dumps(suite, indent=2, ensure_ascii=False, default=str) + "\n"
    path = auto_path(expectations_dir, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        history = path.parent / "history"
        history.mkdir(exist_ok=True)
        old = json.loads(path.read_text(encoding="utf-8"))
        stamp = (old.get("meta", {}).get("automatic") or {}).get("version") or str(int(path.stat().st_mtime))
        shutil.copy2(path, history / f"{dataset}.{stamp}.json")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path, suite, discovery_s


def ensure(
    conn: psycopg.Connection,
    dataset: str,
    primary_key: list[str],
    expectations_dir: Path,
    sensitive: set[str] | frozenset = frozenset(),
) -> Suite:
    """The dataset's automatic suite, built now if it has none yet."""
    found = find_auto_suite(expectations_dir, dataset)
    if found is not None:
        return found
    path, _, _ = build(conn, dataset, primary_key, expectations_dir, sensitive)
    return load_suite(path, dataset)


def accept(expectations_dir: Path, dataset: str, *, force: bool = False) -> Path:
    """Adopts the automatic suite as ``expectations/<dataset>.json``: from the next code location
    load it is the dataset's suite, checked group by group, and a person may now make rules
    blocking (``meta.severity: error``)."""
    source = auto_path(expectations_dir, dataset)
    if not source.is_file():
        raise FileNotFoundError(f"{source} does not exist; materialize {dataset}/quality first")
    target = suite_path(expectations_dir, dataset)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass --force to replace it")
    suite = json.loads(source.read_text(encoding="utf-8"))
    meta = suite.setdefault("meta", {})
    meta["notes"] = f"Adopted from {source.name} (automatic); edit freely."
    meta["adopted_from"] = meta.pop("automatic", {})
    load = json.dumps(suite, indent=2, ensure_ascii=False) + "\n"
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(load, encoding="utf-8")
    tmp.replace(target)
    load_suite(target, dataset)
    return target
