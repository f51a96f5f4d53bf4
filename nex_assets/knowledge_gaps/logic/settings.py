"""Settings of knowledge gaps (``config/knowledge_gaps.yaml``): what counts as sparse, constant or
too few rows for a recipe."""

from __future__ import annotations

from pydantic import Field, field_validator

from nex_assets.common.yaml_files import SettingsFile


class GapSettings(SettingsFile):
    FILE = "knowledge_gaps.yaml"

    min_input_share: float = Field(default=0.5, gt=0, le=1)
    max_null_share_required: float = Field(default=0.05, ge=0, le=1)
    max_null_share_useful: float = Field(default=0.3, ge=0, le=1)
    min_rows: int = Field(default=100, ge=1)
    min_rows_by_family: dict[str, int] = Field(default_factory=dict)
    # On the quality score's own scale, 0 to 100 (a value at most 1 is read as a share: 0.8 is 80).
    min_quality_score: float = Field(default=80, ge=0, le=100)

    @field_validator("min_quality_score")
    @classmethod
    def _percent(cls, value: float) -> float:
        return value * 100 if value <= 1 else value
