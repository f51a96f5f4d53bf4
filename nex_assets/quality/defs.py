"""Data quality: every dataset gets asset checks on ``<dataset>/raw`` and a ``<dataset>/quality``
score asset, from its suite in ``expectations/`` or, without one, from its automatic suite."""

from __future__ import annotations

import dagster as dg

from nex_assets.automation.logic.settings import AutomationSettings
from nex_assets.core import env, settings
from nex_assets.core.dagster import retry_policy
from nex_assets.dictionary.logic.settings import DictionarySettings
from nex_assets.llm import LLM
from nex_assets.quality.assets import quality_asset
from nex_assets.quality.logic.settings import QualitySettings, dataset_settings
from nex_assets.quality.logic.suite import find_suite


def check_dataset(ds, catalog) -> None:
    dataset_settings(settings.load(QualitySettings), ds.quality, ds.file)


def build(catalog) -> dg.Definitions:
    default_freshness = settings.load(AutomationSettings).freshness.default_hours
    folder = env.expectations_dir()
    project_settings = settings.load(QualitySettings)
    # The step calls the LLM for recommendations: the same step retry policy as the dictionary's.
    # Failed expectations are results, not exceptions, so they are never retried.
    retry = retry_policy(settings.load(DictionarySettings).retry)
    assets = []
    for ds in catalog.datasets:
        # A broken suite leaves its dataset without quality checks, and only that dataset.
        with catalog.problems.isolate("suite", folder / f"{ds.name}.json"):
            # Without a hand-written suite, the automatic one (built on the first run).
            suite = find_suite(folder, ds.name)
            own = dataset_settings(project_settings, ds.quality, ds.file)
            assets.append(quality_asset(ds, suite, own, default_freshness, catalog.names(), retry))
    return dg.Definitions(assets=assets, resources={"llm": LLM} if assets else {})
