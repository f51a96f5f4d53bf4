"""Which entries to write again: only new and stale ones are described, and those the rules wrote
while no model answered once a model is there; an override is applied as written and never
regenerated; an unchanged entry is left alone (no LLM call, no new version)."""

from __future__ import annotations

from dataclasses import dataclass

from nex_assets.dictionary.logic.models import Entry, Overrides, override_hash

NEW, STALE, OVERRIDE, OVERRIDE_REMOVED, UNCHANGED, REMOVED, MODEL_AVAILABLE = (
    "new",
    "stale",
    "override",
    "override removed",
    "unchanged",
    "removed",
    "rule-written, a model is available",
)


@dataclass(frozen=True)
class Task:
    column: str
    reason: str

    @property
    def needs_writer(self) -> bool:
        """True when the LLM (or the rule-based writer) must describe it."""
        return self.reason in {NEW, STALE, OVERRIDE_REMOVED, MODEL_AVAILABLE}


def plan(
    current: dict[str, Entry],
    profile_hashes: dict[str, str],
    overrides: Overrides,
    model: str | None = None,
) -> list[Task]:
    """One task per entry in ``profile_hashes`` (columns and the table's ``""``), plus removals.
    With a ``model`` that answers, text the rules wrote is written again unless that very model was
    asked for it and failed (its ``model`` field names the model that failed; a run with nothing
    changed asks nothing)."""
    tasks = []
    for column, profile_hash in profile_hashes.items():
        entry = current.get(column)
        override = overrides.for_column(column)
        if override is not None:
            # A person's text stays as written even when the profile moves on (it then shows as stale).
            same = (
                entry is not None
                and entry.source == "override"
                and entry.prompt_hash == override_hash(override)
            )
            tasks.append(Task(column, UNCHANGED if same else OVERRIDE))
        elif entry is None:
            tasks.append(Task(column, NEW))
        elif entry.source == "override":
            tasks.append(Task(column, OVERRIDE_REMOVED))
        elif entry.profile_hash != profile_hash:
            tasks.append(Task(column, STALE))
        elif model and entry.source == "rule-based" and entry.model != model:
            tasks.append(Task(column, MODEL_AVAILABLE))
        else:
            tasks.append(Task(column, UNCHANGED))
    tasks += [Task(column, REMOVED) for column in current if column not in profile_hashes]
    return tasks


def stale_columns(current: dict[str, Entry], profile_hashes: dict[str, str]) -> list[str]:
    """Entries whose column profile changed since their text was written (overrides included: a person
    may want to look again, but their text stays)."""
    return sorted(
        c for c, e in current.items() if c in profile_hashes and e.profile_hash != profile_hashes[c]
    )
