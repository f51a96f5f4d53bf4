"""Drift settings: defaults, per-recipe overrides, and errors that name the file."""

from __future__ import annotations

import pytest

from nex_assets.core import settings
from nex_assets.monitoring.logic.settings import MonitoringSettings


def test_project_settings_load_and_recipes_override(tmp_path):
    project = settings.load(MonitoringSettings)
    assert 0 < project.drift.retrain_share <= 1 and project.drift.max_rows >= 100
    path = tmp_path / "monitoring.yaml"
    path.write_text(
        "drift: {retrain_share: 0.4, max_rows: 2000}\nrecipes:\n  pricing: {retrain_share: 0.1}\n"
    )
    loaded = settings.load(MonitoringSettings, path)
    assert loaded.for_recipe("pricing").retrain_share == 0.1
    assert loaded.for_recipe("pricing").max_rows == 2000
    assert loaded.for_recipe("demand").retrain_share == 0.4
    assert settings.load(MonitoringSettings, tmp_path / "absent.yaml").drift.retrain_share == 0.3


def test_bad_settings_name_the_file(tmp_path):
    path = tmp_path / "monitoring.yaml"
    path.write_text("drift: {retrain_share: 2}\n")
    with pytest.raises(ValueError, match=r"(?s)monitoring.yaml: .*retrain_share"):
        settings.load(MonitoringSettings, path)
    path.write_text("drift: {retrain_shar: 0.2}\n")
    with pytest.raises(ValueError, match=r"(?s)monitoring.yaml: .*retrain_shar"):
        settings.load(MonitoringSettings, path)
