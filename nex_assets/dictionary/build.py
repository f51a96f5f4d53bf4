"""Writing a dataset's dictionary: plan what changed, describe new and stale entries (LLM calls run
concurrently, each falling back to the rule-based writer on its own, or when its answer states a
number its facts do not hold), apply overrides, save it all in one transaction. A model's text is
saved as ``suggested`` until a person accepts it (``review.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from nex_assets.datasets.logic.catalog import Dataset
from nex_assets.dictionary import store
from nex_assets.dictionary.logic import facts as F
from nex_assets.dictionary.logic import numbers, rules
from nex_assets.dictionary.logic import plan as P
from nex_assets.dictionary.logic.models import (
    MEANING_CAP,
    SUGGESTED,
    TABLE,
    TAGS_CAP,
    TEXT_CAP,
    ColumnOverride,
    ColumnText,
    Entry,
    Overrides,
    TableText,
    load_overrides,
    override_hash,
    override_status,
    whole_sentences,
)
from nex_assets.dictionary.logic.models import RULE_BASED as RULE_BASED_STATUS
from nex_assets.llm.client import RULE_BASED, LLMClient

MACHINE_AUTHOR = "nex-dictionary"
MAX_TAGS = 5


class DictionaryError(RuntimeError):
    pass


# The tag of an entry the rules wrote because the model asked gave nothing usable.
MODEL_FAILED_TAG = "model-failed"


@dataclass
class BuildResult:
    entries: list[Entry]
    reasons: dict[str, str]
    stale_overrides: list[str] = field(default_factory=list)
    data_version: str = ""
    pg_types: dict[str, str] = field(default_factory=dict)
    # Model answers set aside for the rule-based text because they held numbers the facts do not.
    rejected: dict[str, str] = field(default_factory=dict)

    def count(self, reason: str) -> int:
        return sum(1 for r in self.reasons.values() if r == reason)


def overrides_path(project_dir: Path, dataset: str) -> Path:
    return project_dir / "dictionary" / "overrides" / f"{dataset}.yaml"


def _tags(values: list[str]) -> list[str]:
    seen: list[str] = []
    for tag in values:
        t = tag.strip().lower().replace(" ", "-")
        if t and t not in seen:
            seen.append(t)
    return seen[:MAX_TAGS]


class _Context:
    """Everything a writer needs about one dataset, computed once."""

    def __init__(self, ds: Dataset, profiles: list[dict]):
        self.ds = ds
        self.profiles = {p["column_name"]: p for p in profiles}
        self.facts = {
            name: F.column_facts(
                p,
                primary_key=ds.primary_key,
                unit=ds.columns[name].unit if name in ds.columns else None,
                note=ds.columns[name].description if name in ds.columns else None,
            )
            for name, p in self.profiles.items()
        }
        rows = profiles[0]["row_count"] if profiles else 0
        self.table_facts = F.table_facts(
            ds.name, ds.description, rows, ds.primary_key, list(self.facts.values())
        )
        self.subject = rules.row_subject(ds.name, ds.primary_key, self._numbers_rows(rows))
        self.hashes = {name: p["profile_hash"] for name, p in self.profiles.items()}
        self.hashes[TABLE] = F.table_profile_hash(ds.description, self.hashes)
        self.rejected: dict[str, str] = {}

    def _numbers_rows(self, rows: int) -> bool:
        """Whether the single key column is a row number (1..n): then a row is just a row."""
        if len(self.ds.primary_key) != 1 or self.ds.primary_key[0] not in self.profiles:
            return False
        p = self.profiles[self.ds.primary_key[0]]
        low, high = p["stats"].get("min"), p["stats"].get("max")
        return low in (0, 1) and high is not None and high - low + 1 == rows == p["distinct_count"]

    def personal_kind(self, column: str) -> str | None:
        p = self.profiles[column]
        return p["stats"].get("personal_data") or ("catalog" if p["sensitive"] else None)

    def entry(self, column: str, text: ColumnText | TableText, **provenance) -> Entry:
        if column == TABLE:
            return Entry(
                dataset=self.ds.name,
                column_name=TABLE,
                kind="table",
                description=text.description,
                business_meaning=text.business_meaning,
                tags=_tags(text.tags),
                profile_hash=self.hashes[TABLE],
                **provenance,
            )
        catalog_unit = self.facts[column].get("unit")
        kind = self.personal_kind(column)
        return Entry(
            dataset=self.ds.name,
            column_name=column,
            kind="column",
            description=text.description,
            business_meaning=text.business_meaning,
            # The catalog's unit and the profile's personal-data finding are facts no writer undoes.
            unit=catalog_unit or text.unit,
            personal_data=bool(kind) or text.personal_data,
            personal_kind=kind,
            tags=_tags(text.tags + (["personal-data"] if kind else [])),
            profile_hash=self.hashes[column],
            **provenance,
        )

    def write(self, client: LLMClient, column: str) -> Entry:
        if column == TABLE:
            messages, schema = F.table_messages(self.table_facts), TableText
            fallback = rules.table_text(self.ds.name, self.table_facts, self.subject)
            given: object = self.table_facts
        else:
            siblings = list(self.profiles)
            messages = F.column_messages(self.ds.name, self.ds.description, self.facts[column], siblings)
            schema, fallback = ColumnText, rules.column_text(self.ds.name, self.facts[column], self.subject)
            given = [self.facts[column], self.ds.name, self.ds.description, siblings]
        parsed, info = client.complete_json(messages, schema, purpose=f"dictionary.{schema.__name__}")
        if parsed is not None:
            parsed = parsed.model_copy(
                update={
                    "description": whole_sentences(parsed.description, TEXT_CAP["maxLength"]),
                    "business_meaning": whole_sentences(parsed.business_meaning, MEANING_CAP["maxLength"]),
                    "tags": parsed.tags[: TAGS_CAP["maxItems"]],
                }
            )
            stray = numbers.unsupported(
                f"{parsed.description} {parsed.business_meaning}", numbers.numbers_in(given)
            )
            if stray:
                self.rejected[column] = f"numbers {stray} are not in its facts: {parsed.description[:80]}"
                parsed = None
        if parsed is None:
            failed = client.model if client.configured else None
            if failed:
                # A model was asked and gave nothing usable: said in the tags and in `model`, and
                # written again when another model (or this one after a profile change) answers.
                fallback = fallback.model_copy(update={"tags": [*fallback.tags, MODEL_FAILED_TAG]})
            return self.entry(
                column,
                fallback,
                writer=RULE_BASED,
                source="rule-based",
                status=RULE_BASED_STATUS,
                model=failed,
                prompt_hash=info.prompt_hash,
                author=MACHINE_AUTHOR,
            )
        return self.entry(
            column,
            parsed,
            writer=info.writer,
            source="llm",
            status=SUGGESTED,
            model=info.writer,
            prompt_hash=info.prompt_hash,
            author=MACHINE_AUTHOR,
        )

    def override(self, column: str, override, overrides: Overrides) -> Entry:
        """A person's text; fields they left out are filled by the rule-based writer from the facts."""
        if column == TABLE:
            base = rules.table_text(self.ds.name, self.table_facts, self.subject)
        else:
            base = rules.column_text(self.ds.name, self.facts[column], self.subject)
        given = override.model_dump(exclude_none=True, exclude={"author", "accepted_from"})
        text = base.model_copy(update=given)
        author = override.author or overrides.author
        entry = self.entry(
            column,
            text,
            writer=f"person:{author}",
            source="override",
            status=override_status(override),
            prompt_hash=override_hash(override),
            author=author,
        )
        if isinstance(override, ColumnOverride) and override.personal_data is not None:
            entry.personal_data = override.personal_data or entry.personal_data
        return entry


def build_dictionary(
    conn: psycopg.Connection,
    ds: Dataset,
    client: LLMClient,
    *,
    project_dir: Path,
    run_id: str | None = None,
) -> BuildResult:
    profiles = store.latest_profiles(conn, ds.name)
    if not profiles:
        raise DictionaryError(f"raw.{ds.name} has no profile; materialize {ds.name}/profile first")
    ctx = _Context(ds, profiles)
    overrides = load_overrides(overrides_path(project_dir, ds.name), set(ctx.profiles))
    current = store.load_entries(conn, ds.name)
    tasks = P.plan(current, ctx.hashes, overrides, model=client.model if client.configured else None)
    to_describe = [t.column for t in tasks if t.needs_writer]
    described = dict(zip(to_describe, client.map(lambda c: ctx.write(client, c), to_describe), strict=True))
    written, removed = [], []
    last = store.last_versions(conn, ds.name)
    for task in tasks:
        previous = current.get(task.column)
        version = max(previous.version if previous else 0, last.get(task.column, 0)) + 1
        if task.reason == P.REMOVED:
            removed.append((previous, task.reason))
            continue
        if task.reason == P.UNCHANGED:
            continue
        if task.reason == P.OVERRIDE:
            entry = ctx.override(task.column, overrides.for_column(task.column), overrides)
        else:
            entry = described[task.column]
        written.append((entry.model_copy(update={"version": version}), task.reason))
    store.save(conn, written, removed, run_id=run_id)
    entries = store.load_entries(conn, ds.name)
    ordered = [entries[TABLE], *(entries[c] for c in ctx.profiles if c in entries)]
    stale = [c for c in P.stale_columns(entries, ctx.hashes) if entries[c].source == "override"]
    return BuildResult(
        entries=ordered,
        reasons={t.column: t.reason for t in tasks},
        stale_overrides=stale,
        data_version=profiles[0]["data_version"],
        pg_types={c: p["pg_type"] for c, p in ctx.profiles.items()},
        rejected=ctx.rejected,
    )
