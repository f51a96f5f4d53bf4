from __future__ import annotations

import pytest

from nex_assets.common.yaml_files import SettingsError
from nex_assets.core import settings
from nex_assets.synthetic.logic.settings import SyntheticDefaults, SyntheticSettingsError, dataset_settings
from tests.core.helpers import ROOT


def test_the_project_defaults_load_and_a_dataset_overrides_them():
    defaults = settings.load(SyntheticDefaults, ROOT / "config" / "synthetic.yaml")
    assert "nex_retail_sales" in defaults.multi_table
    s = dataset_settings({"synthesizer": "ctgan", "thresholds": {"quality": 0.9}}, defaults, "d.yaml")
    assert s.synthesizer == "ctgan" and s.neural
    assert s.thresholds.quality == 0.9 and s.thresholds.exact_copy_share == 0.001  # deep merge


@pytest.mark.parametrize(
    "section, problem",
    [
        ({"synthesizer": "gan"}, "synthesizer"),
        ({"thresholds": {"quality": 2}}, "thresholds.quality"),
        ({"utility": {"target": "y"}}, "utility.task"),
        ({"synthesizer": "ctgan", "batch_size": 55}, "multiple of 10"),
        ({"seeed": 1}, "seeed"),
    ],
)
def test_mistakes_name_the_file_and_the_field(section, problem):
    defaults = settings.load(SyntheticDefaults, ROOT / "config" / "synthetic.yaml")
    with pytest.raises(SyntheticSettingsError) as err:
        dataset_settings(section, defaults, "datasets/shop.yaml")
    assert "datasets/shop.yaml: synthetic:" in str(err.value) and problem in str(err.value)


def test_a_bad_config_file_is_named(tmp_path):
    path = tmp_path / "synthetic.yaml"
    path.write_text("max_rows: -1\n")
    with pytest.raises(SettingsError, match=r"synthetic\.yaml: max_rows"):
        settings.load(SyntheticDefaults, path)
