"""A file added, changed or removed in a collection starts a run that embeds what changed, once."""

import dagster as dg

from nex_assets.core.dagster import DATASET_TAG, file_change_sensor
from nex_assets.documents.assets import documents_key
from nex_assets.documents.logic.collections import Collection


def documents_job(collection: Collection):
    return dg.define_asset_job(
        f"{collection.name}__embed",
        selection=dg.AssetSelection.assets(documents_key(collection)).downstream(),
        description=f"Embed the changed files of {collection.name} and rebuild what reads them.",
        tags={DATASET_TAG: collection.name},
    )


def documents_sensor(collection: Collection, catalog, job) -> dg.SensorDefinition:
    """A document added, changed or removed re-embeds what changed, once."""
    return file_change_sensor(
        f"{collection.name}__files",
        job,
        lambda: collection.files(catalog.project_dir),
        watched=str(collection.path),
        interval_s=60,
        removals=True,
    )
