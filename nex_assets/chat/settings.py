"""Settings of chat with your data, from ``config/chat.yaml``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nex_assets import env


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
    denied_functions: list[str] = Field(default_factory=list)
    denied_function_prefixes: list[str] = Field(default_factory=list)
    ask: AskSettings = Field(default_factory=AskSettings)


def settings_path() -> Path:
    return env.project_dir() / "config" / "chat.yaml"


@cache
def _load(path: str) -> ChatSettings:
    file = Path(path)
    if not file.exists():
        return ChatSettings()
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        return ChatSettings.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{file}: invalid chat settings: {exc}") from exc


def load_settings() -> ChatSettings:
    return _load(str(settings_path()))
