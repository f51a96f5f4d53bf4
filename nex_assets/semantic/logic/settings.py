"""Settings of the semantic layer (``config/semantic.yaml``)."""

from __future__ import annotations

from pydantic import Field

from nex_assets.common.yaml_files import SettingsFile


class SemanticSettings(SettingsFile):
    FILE = "semantic.yaml"

    folder: str = "semantic"
    max_values: int = Field(1000, ge=1, le=100_000)
    max_value_chars: int = Field(80, ge=1, le=1000)
