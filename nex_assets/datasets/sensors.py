"""A file dropped in ``data/landing/<dataset>/`` starts a run that loads it, once."""

from pathlib import Path

import dagster as dg

from nex_assets.core.dagster import DATASET_TAG, file_change_sensor
from nex_assets.datasets.assets import raw_key
from nex_assets.datasets.logic.catalog import Dataset

# Models retrain when drift crosses its threshold (monitoring/) or on the weekly schedule, not
# on every batch: a landing run stops short of them, and measures drift (which follows the models'
# evaluation) against the champion in place.
RETRAINED_ON_DRIFT = 'key:"*/*/model"'
MEASURED_ON_LOAD = 'key:"*/*/drift"'


def landing_job(ds: Dataset):
    return dg.define_asset_job(
        f"{ds.name}__load",
        selection=(
            dg.AssetSelection.assets(raw_key(ds)).downstream()
            - (
                dg.AssetSelection.from_string(RETRAINED_ON_DRIFT).downstream()
                - dg.AssetSelection.from_string(MEASURED_ON_LOAD)
            )
        ).required_multi_asset_neighbors(),
        description=f"Load {ds.name} and rebuild everything downstream of it except model training "
        "(which drift or the weekly schedule starts).",
        tags={DATASET_TAG: ds.name},
    )


def landing_sensor(ds: Dataset, catalog, job) -> dg.SensorDefinition:
    """A file dropped in the dataset's landing folder loads it once; removing one starts nothing."""
    return file_change_sensor(
        f"{ds.name}__landing",
        job,
        lambda: ds.landing_files(catalog.landing_dir),
        watched=f"{catalog.landing_dir / ds.name} ({ds.landing.pattern})",
        interval_s=30,
        removals=False,
        run_tags=lambda changed: {"nex/landing_files": ",".join(Path(p).name for p in changed)[:200]},
    )
