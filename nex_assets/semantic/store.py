"""Where the semantic layer lives: drafts and the value index in PostgreSQL, accepted definitions in
``semantic/<dataset>.yaml`` (people edit and review those). A file wins over its dataset's draft; a
rejected draft is not used; a broken file is reported with its place and leaves only its own
dataset out."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg
import yaml
from psycopg import sql
from pydantic import ValidationError

from nex_assets.common.problems import Problems
from nex_assets.common.yaml_files import read_yaml, validation_problems
from nex_assets.dictionary.store import latest_profiles
from nex_assets.semantic.logic.draft import ColumnFacts, TableFacts
from nex_assets.semantic.logic.layer import Layer
from nex_assets.semantic.logic.settings import SemanticSettings
from nex_assets.semantic.logic.spec import Entity, LayerFile, SemanticError

# The smallest gap between two distinct values of a time column says its grain (in days).
_GRAIN_DAYS = (("year", 365), ("quarter", 90), ("month", 28), ("week", 7), ("day", 0))


def folder(project_dir: Path, settings: SemanticSettings) -> Path:
    return project_dir / settings.folder


def table_facts(conn: psycopg.Connection, ds, schema: str = "raw") -> TableFacts | None:
    """What the draft is made from: the newest profile, the dictionary's descriptions, each time
    column's grain as the data has it."""
    profile = latest_profiles(conn, ds.name)
    if not profile:
        return None
    described = dict(
        conn.execute(
            "select column_name, description from nex.dictionary_entries "
            "where dataset = %s and kind = 'column'",
            (ds.name,),
        ).fetchall()
    )
    table_text = conn.execute(
        "select description from nex.dictionary_entries where dataset = %s and kind = 'table'", (ds.name,)
    ).fetchone()
    personal = {
        r[0]
        for r in conn.execute("select column_name from nex.personal_columns where dataset = %s", (ds.name,))
    }
    columns = []
    for p in profile:
        semantic = (p["stats"] or {}).get("semantic_type") or "measure"
        columns.append(
            ColumnFacts(
                p["column_name"],
                p["pg_type"],
                semantic,
                int(p["distinct_count"] or 0),
                personal=bool(p["sensitive"]) or p["column_name"] in personal or ds.name in ds.sensitive,
                description=(described.get(p["column_name"]) or "")[:200],
            )
        )
    times = [c for c in columns if c.semantic == "period" and not c.personal]
    grains = tuple((c.name, grain(conn, schema, ds.name, c.name)) for c in times)
    time_column = max(times, key=lambda c: c.distinct).name if times else None
    return TableFacts(
        ds.name,
        schema,
        ds.name,
        tuple(columns),
        primary_key=tuple(ds.primary_key),
        description=(table_text[0] if table_text else ds.description or "")[:300],
        time_column=time_column,
        grains=grains,
    )


def grain(conn: psycopg.Connection, schema: str, table: str, column: str) -> str:
    col = sql.Identifier(column)
    try:
        gap = conn.execute(
            sql.SQL(
                "select min(d) from (select v - lag(v) over (order by v) as d "
                "from (select distinct {}::date as v from {} where {} is not null) s) g where d > 0"
            ).format(col, sql.Identifier(schema, table), col)
        ).fetchone()[0]
    except psycopg.Error:  # a period held as text or a fractional year: kept by day
        conn.rollback()
        return "day"
    if gap is None:
        return "day"
    return next(name for name, days in _GRAIN_DAYS if gap >= days)


def body_hash(part: LayerFile) -> str:
    return hashlib.sha256(json.dumps(part.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]


def save_draft(conn: psycopg.Connection, dataset: str, data_version: str, part: LayerFile) -> str:
    """Stores the draft; a person's decision stands while the draft is the same, and a changed draft
    is a new suggestion. Returns its status."""
    digest = body_hash(part)
    row = conn.execute(
        """insert into nex.semantic_drafts (dataset, data_version, body, body_hash)
           values (%s, %s, %s, %s)
           on conflict (dataset) do update set
               data_version = excluded.data_version, body = excluded.body, drafted_at = now(),
               status = case when nex.semantic_drafts.body_hash = excluded.body_hash
                             then nex.semantic_drafts.status else 'draft' end,
               body_hash = excluded.body_hash
           returning status""",
        (dataset, data_version, json.dumps(part.model_dump(mode="json", exclude_defaults=True)), digest),
    ).fetchone()
    return row[0]


def index_values(
    conn: psycopg.Connection, part: LayerFile, facts: TableFacts, settings: SemanticSettings
) -> int:
    """Refreshes the dataset's indexed values: every text dimension with few enough distinct values."""
    text = {c.name for c in facts.columns if c.pg_type in ("text", "character varying") and not c.personal}
    few = {c.name for c in facts.columns if c.distinct <= settings.max_values}
    conn.execute("delete from nex.semantic_values where dataset = %s", (facts.dataset,))
    count = 0
    for model in part.semantic_models:
        for dim in model.dimensions:
            if dim.type != "categorical" or dim.column not in text & few:
                continue
            col = sql.Identifier(dim.column)
            cur = conn.execute(
                sql.SQL(
                    "insert into nex.semantic_values (dataset, dimension, value, rows) "
                    "select %s, %s, v, count(*) from (select {}::text as v from {}) s "
                    "where v is not null and length(v) between 1 and %s group by v"
                ).format(col, sql.Identifier(model.node_relation.schema_name, model.node_relation.alias)),
                (facts.dataset, dim.name, settings.max_value_chars),
            )
            count += cur.rowcount
    return count


def read_file(path: Path) -> LayerFile:
    raw = read_yaml(path, SemanticError)
    if not isinstance(raw, dict):
        raise SemanticError(f"{path}: expected semantic_models and metrics, got {type(raw).__name__}")
    try:
        return LayerFile.model_validate(raw)
    except ValidationError as exc:
        raise SemanticError(f"{path}: {validation_problems(exc)}") from exc


def write_file(path: Path, part: LayerFile, note: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(part.model_dump(mode="json", exclude_defaults=True), sort_keys=False, width=110)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(f"# {note}\n{body}", encoding="utf-8")
    tmp.replace(path)


def load_layer(
    conn: psycopg.Connection, project_dir: Path, settings: SemanticSettings, problems: Problems | None = None
) -> Layer:
    """Every accepted file, then the drafts of datasets without one (rejected drafts left out). A file
    that cannot be used is a problem naming it; its dataset is left out, the rest still answers."""
    problems = problems if problems is not None else Problems()
    parts: list[tuple[str, LayerFile]] = []
    covered: set[str] = set()
    home = folder(project_dir, settings)
    for path in sorted(home.glob("*.yaml")) if home.is_dir() else []:
        covered.add(path.stem)
        try:
            parts.append((str(path), read_file(path)))
        except SemanticError as exc:
            problems.add("semantic", str(path), str(exc))
    for dataset, body, status in conn.execute(
        "select dataset, body, status from nex.semantic_drafts order by dataset"
    ).fetchall():
        if dataset in covered or status == "rejected":
            continue
        try:
            parts.append(("draft", LayerFile.model_validate(body)))
        except ValidationError as exc:  # a draft of an older NEX: redrafted at the next run
            problems.add("semantic", f"draft of {dataset}", validation_problems(exc))
    layer = Layer.of(parts)
    link_drafts(layer)
    for problem in layer.problems():
        problems.add("semantic", "layer", problem)
    return layer


def restricted(layer: Layer, names: set[str]) -> Layer:
    """The layer with only these models and the metrics on them."""
    out = Layer(
        models={n: m for n, m in layer.models.items() if n in names},
        origin={n: o for n, o in layer.origin.items() if n in names},
    )
    for name, metric in layer.metrics.items():
        try:
            owner = layer.model_of(name).name
        except SemanticError:
            continue
        if owner in names:
            out.metrics[name] = metric
    return out


def link_drafts(layer: Layer) -> None:
    """A drafted model's dimension named like another model's one-column key joins to it, whichever
    of the two was added first (a draft only knows the keys there were when it was made)."""
    keys = {m.primary().name: m.name for m in layer.models.values() if m.primary() is not None}
    for name, model in layer.models.items():
        if layer.origin.get(name) != "draft":
            continue
        known = {e.name for e in model.entities}
        for dim in model.dimensions:
            if dim.name in keys and keys[dim.name] != name and dim.name not in known:
                model.entities.append(
                    Entity(
                        name=dim.name,
                        type="foreign",
                        description=f"the row of {keys[dim.name]} it belongs to",
                    )
                )


def values(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(model, dimension, value) of every indexed value."""
    return conn.execute(
        "select dataset, dimension, value from nex.semantic_values order by 1, 2, 3"
    ).fetchall()


def decide(
    conn: psycopg.Connection,
    project_dir: Path,
    settings: SemanticSettings,
    dataset: str,
    status: str,
    who: str,
) -> Path | None:
    """Accepts (writes the draft to its file, which then wins) or rejects a dataset's draft."""
    row = conn.execute("select body from nex.semantic_drafts where dataset = %s", (dataset,)).fetchone()
    if row is None:
        raise LookupError(f"{dataset} has no drafted semantic model; run {dataset}/semantic_model first")
    conn.execute(
        "update nex.semantic_drafts set status = %s, decided_at = now(), decided_by = %s where dataset = %s",
        (status, who, dataset),
    )
    if status != "accepted":
        return None
    path = folder(project_dir, settings) / f"{dataset}.yaml"
    if path.exists():
        raise FileExistsError(f"{path} exists; edit it, or remove it to accept the draft again")
    write_file(
        path,
        LayerFile.model_validate(row[0]),
        f"Semantic model of {dataset}, accepted from NEX's draft by {who}. "
        "Edit freely: this file wins over new drafts.",
    )
    return path
