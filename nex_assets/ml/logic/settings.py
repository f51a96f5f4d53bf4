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


class LeakageSettings(_Strict):
    # Rows read for the checks (a repeatable sample of larger inputs), and the fewest to judge at all.
    sample_rows: int = Field(5_000, ge=100)
    min_rows: int = Field(30, ge=10)
    # A column predicts the target alone when, out of fold, it removes this share of the majority
    # class's errors (classification) or explains this share of the variance (regression).
    error_reduction: float = Field(0.99, gt=0, le=1)
    r2: float = Field(0.99, gt=0, le=1)
    # A column copies an option when it equals another column on this share of rows and which one it
    # equals (or that it equals none) removes this share of the majority class's errors.
    copy_share: float = Field(0.05, gt=0, le=1)
    copy_error_reduction: float = Field(0.6, gt=0, le=1)
    # Only numbers with this many distinct values take part (flags equal each other all the time).
    copy_min_distinct: int = Field(10, ge=2)
    max_columns: int = Field(200, ge=2)


class MLSettings(SettingsFile):
    FILE = "ml.yaml"

    frame: FrameSettings = Field(default_factory=FrameSettings)
    leakage: LeakageSettings = Field(default_factory=LeakageSettings)
