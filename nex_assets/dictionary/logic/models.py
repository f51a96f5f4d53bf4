"""Dictionary entries, the structured answers asked of the LLM, and the people's override files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common import yaml_files as settings_files

TABLE = ""  # the column_name of a table's own entry

# Where an entry stands with people: a model's text is only a suggestion until someone accepts it
# (``nex dictionary accept``); the rule-based writer's text is phrased from the facts alone, so it is
# not a model's guess, but nobody has vouched for it either; an override is a person's own text.
# A person may also reject a machine's text: it then stays rejected until its column's profile changes.
SUGGESTED, RULE_BASED, ACCEPTED, CURATED = "suggested", "rule-based", "accepted", "curated"
REJECTED = "rejected"
STATUSES = (SUGGESTED, RULE_BASED, ACCEPTED, CURATED, REJECTED)
REVIEWED = frozenset({ACCEPTED, CURATED})


# Caps sent with the JSON schema (not checked on our side: rule-based text of a wide table is longer).
# A local model under a grammar writes until its token limit unless the string has an end; with one,
# the text stops at the cap and `whole_sentences` drops the sentence it cut.
TEXT_CAP = {"maxLength": 360}
MEANING_CAP = {"maxLength": 240}
TAGS_CAP = {"maxItems": 5}


class ColumnText(BaseModel):
    """What the LLM writes for one column (its JSON schema is sent as the response format)."""

    description: str = Field(
        description="One or two sentences: what the column holds.", json_schema_extra=TEXT_CAP
    )
    business_meaning: str = Field(
        description="Why it matters to the business, in plain words.", json_schema_extra=MEANING_CAP
    )
    unit: str | None = Field(default=None, description="Unit of measure, if any (GBP, percent, m²).")
    personal_data: bool = Field(description="True when values identify or describe a person.")
    tags: list[str] = Field(
        default_factory=list, description="Up to five short lowercase tags.", json_schema_extra=TAGS_CAP
    )


class TableText(BaseModel):
    description: str = Field(
        description="Two or three sentences: what one row is and what the table holds.",
        json_schema_extra=TEXT_CAP,
    )
    business_meaning: str = Field(description="What the table is used for.", json_schema_extra=MEANING_CAP)
    tags: list[str] = Field(
        default_factory=list, description="Up to five short lowercase tags.", json_schema_extra=TAGS_CAP
    )


def whole_sentences(text: str, cap: int) -> str:
    """A model's text that reached ``cap`` characters (cut by the schema) without its last, unfinished
    sentence; any other text as it is."""
    text = text.strip()
    if len(text) < cap - 1 or text.endswith((".", "!", "?")):
        return text
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
    return text[: end + 1] if end > 0 else text.rstrip(",;: ") + "…"


class Entry(BaseModel):
    """One table or column entry as stored in ``nex.dictionary_entries``."""

    dataset: str
    column_name: str = TABLE
    kind: str
    description: str
    business_meaning: str = ""
    unit: str | None = None
    personal_data: bool = False
    personal_kind: str | None = None
    tags: list[str] = Field(default_factory=list)
    writer: str
    source: str
    status: str
    model: str | None = None
    prompt_hash: str | None = None
    profile_hash: str
    author: str
    version: int = 0

    def content(self) -> dict:
        """What a reader sees; a change here (or in who wrote it) makes a new version."""
        return self.model_dump(
            include={"description", "business_meaning", "unit", "personal_data", "personal_kind", "tags"}
        )

    @property
    def ref(self) -> str:
        return self.column_name or "(table)"

    @property
    def reviewed(self) -> bool:
        """A person wrote or accepted it: search ranks it first."""
        return self.status in REVIEWED


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnOverride(_Strict):
    description: str = Field(min_length=1)
    business_meaning: str | None = None
    unit: str | None = None
    personal_data: bool | None = None
    tags: list[str] | None = None
    author: str | None = None
    accepted_from: str | None = None


class TableOverride(_Strict):
    description: str = Field(min_length=1)
    business_meaning: str | None = None
    tags: list[str] | None = None
    author: str | None = None
    accepted_from: str | None = None


def override_status(override: ColumnOverride | TableOverride) -> str:
    """``accepted_from`` names the writer whose suggestion a person accepted (``nex dictionary accept``
    sets it); without it the text is the person's own."""
    return ACCEPTED if override.accepted_from else CURATED


class Overrides(_Strict):
    """``dictionary/overrides/<dataset>.yaml``: what people wrote; it always wins."""

    author: str = "unknown"
    table: TableOverride | None = None
    columns: dict[str, ColumnOverride] = Field(default_factory=dict)

    def for_column(self, column: str) -> ColumnOverride | TableOverride | None:
        return self.table if column == TABLE else self.columns.get(column)


def override_hash(override: BaseModel) -> str:
    text = json.dumps(override.model_dump(exclude_none=True), sort_keys=True)
    return "override:" + hashlib.sha256(text.encode()).hexdigest()[:16]


class OverrideError(ValueError):
    pass


def load_overrides(path: Path, columns: set[str] | None = None) -> Overrides:
    """The override file of a dataset (empty when there is none); unknown columns are errors naming the
    file, so a typo never silently drops a person's correction."""
    overrides = settings_files.load_settings(path, Overrides, OverrideError)
    if columns is not None:
        unknown = sorted(set(overrides.columns) - columns)
        if unknown:
            raise OverrideError(
                f"{path}: columns {unknown} are not in the dataset (known: {sorted(columns)})"
            )
    return overrides
