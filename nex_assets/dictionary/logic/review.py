"""A person accepting a model's suggestion (or editing what a person wrote): what goes into the override
file, what the entry becomes, and the file's new text.

The entry written at once is exactly what the next dictionary build makes of the override file, so that
build finds it unchanged: a generated entry is accepted whole (every field as it stands, plus
``accepted_from``, its writer), a person's entry only gets its edited description and new author.
"""

from __future__ import annotations

import io

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from nex_assets.dictionary.logic.models import (
    TABLE,
    ColumnOverride,
    Entry,
    TableOverride,
    override_hash,
    override_status,
)

TABLE_NAMES = ("(table)", "table")
OVERRIDE_SOURCE = "override"
_HEADER = (
    "People's corrections to the generated dictionary of {dataset}. They always win and are never\n"
    "regenerated; every change here becomes a new version in nex.dictionary_versions on the next run.\n"
    "`nex dictionary accept` adds entries here (accepted_from: the writer whose suggestion was accepted)."
)


class ReviewError(ValueError):
    pass


def resolve(name: str, entries: set[str]) -> str | None:
    """The entry a person named: a column, or the table's own entry as ``(table)`` (or ``table`` when no
    column has that name); None when the dataset has no such entry."""
    if name in entries and name != TABLE:
        return name
    return TABLE if name in TABLE_NAMES and TABLE in entries else None


def override_fields(
    entry: Entry, existing: ColumnOverride | TableOverride | None, by: str, text: str | None
) -> dict:
    """The fields ``accept`` sets in the entry's place in the override file."""
    if existing is not None:
        if entry.source != OVERRIDE_SOURCE or entry.prompt_hash != override_hash(existing):
            # Accepting now would build on text the person who edited the file has not seen applied.
            raise ReviewError(
                f"the override file changes {entry.ref} and the dictionary does not show it yet: "
                f"materialize {entry.dataset}/dictionary first"
            )
        if text is None:
            raise ReviewError(f"{entry.ref} is already a person's text ({entry.status}); --text edits it")
        return {"description": text, "author": by}
    if text is not None and not text.strip():
        raise ReviewError("--text is empty")
    fields: dict = {"description": text or entry.description, "business_meaning": entry.business_meaning}
    if entry.column_name != TABLE:
        if entry.unit:
            fields["unit"] = entry.unit
        if entry.personal_data:
            fields["personal_data"] = True
    fields |= {"tags": list(entry.tags), "author": by, "accepted_from": entry.writer}
    return fields


def accepted_entry(entry: Entry, override: ColumnOverride | TableOverride, by: str) -> Entry:
    """The entry once ``override`` is applied: the next version, a person's, ranked first by search."""
    return entry.model_copy(
        update={
            "description": override.description,
            "source": OVERRIDE_SOURCE,
            "status": override_status(override),
            "writer": f"person:{by}",
            "author": by,
            "model": None,
            "prompt_hash": override_hash(override),
            "version": entry.version + 1,
        }
    )


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, key order and quoting survive
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def set_override(text: str | None, dataset: str, column: str, fields: dict) -> str:
    """The override file's text (None: no file yet) with ``fields`` set on one entry; every other entry,
    key and comment stays as the person left it."""
    yaml = _yaml()
    doc = yaml.load(text) if text and text.strip() else None
    if doc is None:
        doc = CommentedMap()
        doc.yaml_set_start_comment(_HEADER.format(dataset=dataset))
    if not isinstance(doc, dict):
        raise ReviewError(f"expected a mapping of overrides, got {type(doc).__name__}")
    parent, key = (doc, "table") if column == TABLE else (_mapping(doc, "columns"), column)
    target = _mapping(parent, key)
    for name, value in fields.items():
        if isinstance(value, list):
            value = CommentedSeq([_scalar(v) for v in value])
            value.fa.set_flow_style()  # tags read best on one line, as people write them
        target[name] = _scalar(value)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _scalar(value: object) -> object:
    """Quotes a string that the platform's reader (PyYAML, YAML 1.1) would read as something else:
    ruamel writes YAML 1.2, where ``yes``, ``off`` or ``1:30`` are plain strings."""
    if not isinstance(value, str):
        return value
    try:
        same = pyyaml.safe_load(value) == value
    except pyyaml.YAMLError:
        same = False
    return value if same else SingleQuotedScalarString(value)


def _mapping(parent: dict, key: str) -> dict:
    value = parent.get(key)
    if value is None:
        value = parent[key] = CommentedMap()
    if not isinstance(value, dict):
        raise ReviewError(f"{key}: expected a mapping, got {type(value).__name__}")
    return value
