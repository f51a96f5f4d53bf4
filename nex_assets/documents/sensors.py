"""A file added, changed or removed in a collection starts a run that embeds what changed, once."""

import hashlib
import json

import dagster as dg

from nex_assets.documents.assets import documents_key
from nex_assets.documents.logic.collections import Collection


def documents_job(collection: Collection):
    return dg.define_asset_job(
        f"{collection.name}__embed",
        selection=dg.AssetSelection.assets(documents_key(collection)).downstream(),
        description=f"Embed the changed files of {collection.name} and rebuild what reads them.",
        tags={"nex/dataset": collection.name},
    )


def documents_sensor(collection: Collection, catalog, job) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{collection.name}__files",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches {collection.path} for added, changed or removed documents.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        current = {}
        for path in collection.files(catalog.project_dir):
            st = path.stat()
            current[str(path)] = f"{st.st_size}:{st.st_mtime_ns}"
        state = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
        if context.cursor == state:
            return dg.SkipReason(f"no document changed under {collection.path}")
        context.update_cursor(state)
        # The run key names this state of the folder: the same change never embeds twice.
        return dg.RunRequest(run_key=f"{collection.name}:{state}")

    return _sensor
