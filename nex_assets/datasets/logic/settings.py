"""Settings of loading datasets: how personal data is found in the values (config/personal_data.yaml)."""

from __future__ import annotations

from pydantic import Field

from nex_assets.common.personal import Thresholds
from nex_assets.common.yaml_files import SettingsFile


class PersonalDataSettings(SettingsFile):
    FILE = "personal_data.yaml"

    scan_rows: int = Field(250_000, ge=1000)
    share: float = Field(0.5, gt=0, le=1)
    hinted_share: float = Field(0.2, gt=0, le=1)
    name_share: float = Field(0.4, gt=0, le=1)
    given_name_share: float = Field(0.8, gt=0, le=1)

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(self.share, self.hinted_share, self.name_share, self.given_name_share)
