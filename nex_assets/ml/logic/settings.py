"""Model settings (config/ml.yaml): how much of a recipe's input each step holds in memory."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common.yaml_files import SettingsFile


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FrameSettings(_Strict):
    # Training, evaluation and drift read at most about this many input rows: a repeatable sample of
    # whole series / entities (see ml/logic/sample.py) once a table is larger.
    max_rows: int = Field(2_000_000, ge=1_000)
    # Predictions read every row, this many at a time (whole series / entities per batch).
    batch_rows: int = Field(1_000_000, ge=1_000)


class MLSettings(SettingsFile):
    FILE = "ml.yaml"

    frame: FrameSettings = Field(default_factory=FrameSettings)
