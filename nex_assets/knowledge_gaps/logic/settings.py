"""Settings of knowledge gaps (``config/knowledge_gaps.yaml``): what counts as sparse, constant or
too few rows for a recipe."""

from __future__ import annotations

from pydantic import Field

from nex_assets.common.yaml_files import SettingsFile


class GapSettings(SettingsFile):
    FILE = "knowledge_gaps.yaml"

    min_input_share: float = Field(default=0.5, gt=0, le=1)
    max_null_share_required: float = Field(default=0.05, ge=0, le=1)
    max_null_share_useful: float = Field(default=0.3, ge=0, le=1)
    min_rows: int = Field(default=100, ge=1)
    min_rows_by_family: dict[str, int] = Field(default_factory=dict)
    min_quality_score: float = Field(default=0.8, ge=0, le=1)
