"""Settings of chat with your data, from ``config/chat.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Imported so that the personas file is checked with the other settings files.
from nex_assets.chat.logic.personas import PersonasFile  # noqa: F401
from nex_assets.common.yaml_files import SettingsFile


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskSettings(_Strict):
    retrieve_k: int = Field(12, ge=1, le=100)
    max_tool_rounds: int = Field(8, ge=1, le=50)
    max_tool_output_chars: int = Field(12000, ge=500)
    embedding_threads: int = Field(1, ge=1, le=64)


class TextToSqlSettings(_Strict):
    # auto: one query per question for the local model (it cannot browse through tool calls), the
    # tool loop for a remote one; sql or tools: always that.
    strategy: Literal["auto", "sql", "tools"] = "auto"
    tables: int = Field(5, ge=1, le=30)  # tables in the prompt, the ones the question is most about
    max_repairs: int = Field(2, ge=0, le=5)  # a failed query goes back to the model with its error
    # When a model, where one is configured, chooses the metric and group-by of a metric query:
    # always, only when the words leave a doubt (no metric fits them, or the best two score within
    # metric_margin of each other), or never (the reading without a model decides alone).
    metric_model: Literal["always", "unsure", "never"] = "unsure"
    # Whether a question is tried as a metric query before the model writes SQL.
    metric_queries: bool = True
    metric_margin: float = Field(1.0, ge=0)
    # How alike a question must be to a verified example's (shared words over all words) for the
    # example's query to answer it.
    example_similarity: float = Field(0.8, gt=0, le=1)


class FactSettings(_Strict):
    """A question the platform answers from a recipe family's predictions table (``{table}``)."""

    family: str
    name: str
    words: list[str]
    needs: list[str] = Field(default_factory=list)
    says: str
    sql: str


class ChatSettings(SettingsFile):
    FILE = "chat.yaml"

    row_limit: int = Field(1000, ge=1)
    statement_timeout_s: float = Field(30, gt=0)
    max_sql_chars: int = Field(20000, ge=100)
    sample_rows: int = Field(10, ge=1, le=1000)
    max_cell_chars: int = Field(200, ge=10)
    max_result_bytes: int = Field(4_000_000, ge=1000)
    # Grouped only for people reading the file; the parser sees one set of names.
    allowed_functions: dict[str, list[str]] = Field(default_factory=dict)
    allowed_types: list[str] = Field(default_factory=list)
    ask: AskSettings = Field(default_factory=AskSettings)
    text_to_sql: TextToSqlSettings = Field(default_factory=TextToSqlSettings)
    facts: list[FactSettings] = Field(default_factory=list)

    @property
    def function_allowlist(self) -> frozenset[str]:
        return frozenset(name.lower() for names in self.allowed_functions.values() for name in names)
