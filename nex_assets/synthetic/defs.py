"""Synthetic data: each enabled dataset gets ``<dataset>/synthetic``; the related tables named in a
``multi_table`` group of ``config/synthetic.yaml`` are fitted together (SDV HMA)."""

import dagster as dg

from nex_assets.core import settings as nex_settings
from nex_assets.synthetic.assets import group_asset, single_asset
from nex_assets.synthetic.logic.settings import SyntheticDefaults, dataset_settings


def check_dataset(ds, catalog) -> None:
    dataset_settings(ds.synthetic, nex_settings.load(SyntheticDefaults), ds.file)


def build(catalog) -> dg.Definitions:
    config_path = nex_settings.path_of(SyntheticDefaults)
    defaults = nex_settings.load(SyntheticDefaults)
    settings = {ds.name: dataset_settings(ds.synthetic, defaults, ds.file) for ds in catalog.datasets}
    enabled = {ds.name: ds for ds in catalog.datasets if settings[ds.name].enabled}
    assets, grouped = [], set()
    for name, group in defaults.multi_table.items():
        if not all(t in enabled for t in group.tables):
            continue  # a group applies when all its tables are in the catalog and enabled
        neural = [t for t in group.tables if settings[t].neural]
        if neural:
            catalog.problems.add(
                "dataset",
                enabled[neural[0]].file,
                f"{enabled[neural[0]].file}: synthetic.synthesizer {settings[neural[0]].synthesizer} is not "
                f"possible for a table of the multi-table group {name!r} in {config_path} (HMA fits Gaussian "
                "copulas); remove it from the group to use a neural synthesizer (the group is left out)",
            )
            grouped |= set(group.tables)
            continue
        relations = group.relationships
        datasets = [enabled[t] for t in group.tables]
        assets.append(group_asset(name, datasets, {t: settings[t] for t in group.tables}, relations))
        grouped |= set(group.tables)
    for name, ds in enabled.items():
        if name not in grouped:
            assets.append(single_asset(ds, settings[name]))
    return dg.Definitions(assets=assets)
