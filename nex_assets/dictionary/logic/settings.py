"""Settings of the dictionary, search and insights (config/dictionary.yaml) and the optional
``dictionary:`` section of a dataset's YAML."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nex_assets.common.yaml_files import SettingsFile


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetrySettings(_Strict):
    max_retries: int = Field(2, ge=0)
    delay_s: float = Field(10, ge=0)


class SearchSettings(_Strict):
    candidates: int = Field(50, ge=1)
    ef_search: int = Field(100, ge=1)
    curated_boost: float = 0.05
    quality_pass_boost: float = 0.03
    quality_fail_penalty: float = 0.03


class InsightSettings(_Strict):
    correlation_threshold: float = Field(0.6, gt=0, le=1)
    max_correlation_columns: int = Field(12, ge=2)
    trend_min_periods: int = Field(8, ge=2)
    trend_min_change: float = Field(0.05, ge=0)
    anomaly_min_share: float = Field(0.01, ge=0)
    max_statements: int = Field(20, ge=1)
    non_additive_words: list[str] = Field(
        default_factory=lambda: ["price", "cost", "avg", "average", "mean", "rate", "pct", "ratio", "per"]
    )


class DictionarySettings(SettingsFile):
    FILE = "dictionary.yaml"

    retry: RetrySettings = Field(default_factory=RetrySettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    insights: InsightSettings = Field(default_factory=InsightSettings)


class DatasetInsights(_Strict):
    """Which column orders the rows in time and which columns are the measures to trend; by default the
    first date column and every numeric column that is not a key."""

    time_column: str | None = None
    measures: list[str] | None = None


class DatasetDictionary(_Strict):
    """The ``dictionary:`` section of ``datasets/<name>.yaml``."""

    insights: DatasetInsights = Field(default_factory=DatasetInsights)


def dataset_section(section: dict, file: str) -> DatasetDictionary:
    try:
        return DatasetDictionary.model_validate(section or {})
    except ValidationError as exc:
        raise ValueError(f"{file}: dictionary: {exc}") from exc
