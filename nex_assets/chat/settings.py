"""Settings of chat with your data, from ``config/chat.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common import yaml_files as settings_files
from nex_assets.core import env


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskSettings(_Strict):
    retrieve_k: int = Field(12, ge=1, le=100)
    max_tool_rounds: int = Field(8, ge=1, le=50)
    max_tool_output_chars: int = Field(12000, ge=500)
    embedding_threads: int = Field(1, ge=1, le=64)


class ChatSettings(_Strict):
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

    @property
    def function_allowlist(self) -> frozenset[str]:
        return frozenset(name.lower() for names in self.allowed_functions.values() for name in names)


def settings_path() -> Path:
    return env.project_dir() / "config" / "chat.yaml"


@cache
def _load(path: str) -> ChatSettings:
    return settings_files.load_settings(Path(path), ChatSettings)


def load_settings() -> ChatSettings:
    return _load(str(settings_path()))
