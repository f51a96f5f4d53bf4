"""Settings of the synthetic stage: defaults in ``config/synthetic.yaml``, overridden per dataset by
the ``synthetic:`` section of its YAML. A mistake names the file it is in."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nex_assets.common.yaml_files import SettingsFile, validation_problems

SYNTHESIZERS = ("gaussian_copula", "ctgan", "tvae")
NEURAL = frozenset({"ctgan", "tvae"})


class SyntheticSettingsError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Thresholds(_Strict):
    diagnostic: float = Field(1.0, ge=0, le=1)
    quality: float = Field(0.8, ge=0, le=1)
    dcr_baseline_protection: float = Field(0.3, ge=0, le=1)
    exact_copy_share: float = Field(0.001, ge=0, le=1)
    tstr_max_loss: float = Field(0.15, ge=0)


class Utility(_Strict):
    """The column a model would predict, for train-on-synthetic/test-on-real."""

    target: str
    task: Literal["regression", "classification"]
    # Columns not given to the model, e.g. ones computed from the target.
    exclude: list[str] = Field(default_factory=list)


class Relationship(_Strict):
    parent: str
    parent_key: str
    child: str
    child_key: str


class MultiTableGroup(_Strict):
    tables: list[str] = Field(min_length=2)
    relationships: list[Relationship] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_tables(self) -> MultiTableGroup:
        for rel in self.relationships:
            for name in (rel.parent, rel.child):
                if name not in self.tables:
                    raise ValueError(f"relationship names {name!r}, which is not one of the group's tables")
        return self


class SyntheticSettings(_Strict):
    enabled: bool = True
    synthesizer: Literal["gaussian_copula", "ctgan", "tvae"] = "gaussian_copula"
    seed: int = 42
    max_rows: int = Field(20000, ge=1)
    min_rows: int = Field(5, ge=2)
    epochs: int = Field(100, ge=1)
    batch_size: int = Field(500, ge=10)
    locale: str = "en_GB"
    high_cardinality_share: float = Field(0.9, gt=0, le=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    privacy_rows: int = Field(500, ge=10)
    holdout_share: float = Field(0.2, gt=0, lt=1)
    utility: Utility | None = None

    @property
    def neural(self) -> bool:
        return self.synthesizer in NEURAL

    @model_validator(mode="after")
    def _batch_fits_pac(self) -> SyntheticSettings:
        # CTGAN groups rows in packs of 10 for its discriminator: the batch must divide into them.
        if self.synthesizer == "ctgan" and self.batch_size % 10:
            raise ValueError("batch_size must be a multiple of 10 for ctgan")
        return self


class SyntheticDefaults(SettingsFile):
    """The whole of ``config/synthetic.yaml``: per-dataset defaults plus multi-table groups."""

    FILE = "synthetic.yaml"
    defaults: dict[str, Any] = Field(default_factory=dict)
    multi_table: dict[str, MultiTableGroup] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> SyntheticDefaults:
        """The file holds the defaults at its top level (only the keys set there override a
        dataset's defaults, so they stay a mapping) beside ``multi_table``."""
        raw = dict(raw)
        groups = raw.pop("multi_table", None) or {}
        SyntheticSettings.model_validate(raw)
        return cls(defaults=raw, multi_table=groups)


def _problems(exc: ValidationError) -> str:
    return validation_problems(exc)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _deep_merge(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def dataset_settings(section: dict[str, Any], defaults: SyntheticDefaults, file: str) -> SyntheticSettings:
    """The dataset's ``synthetic:`` section over the defaults; errors name the dataset's file."""
    try:
        return SyntheticSettings.model_validate(_deep_merge(defaults.defaults, section or {}))
    except ValidationError as exc:
        raise SyntheticSettingsError(f"{file}: synthetic: {_problems(exc)}") from exc
