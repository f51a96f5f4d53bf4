"""A file dropped in ``data/landing/<dataset>/`` starts a run that loads it, once."""

import hashlib
import json

import dagster as dg

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
        tags={"nex/dataset": ds.name},
    )


def landing_sensor(ds: Dataset, catalog, job) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{ds.name}__landing",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches {catalog.landing_dir / ds.name} for new or changed {ds.landing.pattern} files.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        current = {}
        for path in ds.landing_files(catalog.landing_dir):
            st = path.stat()
            current[path.name] = f"{st.st_size}:{st.st_mtime_ns}"
        changed = sorted(name for name, sig in current.items() if seen.get(name) != sig)
        if not changed:
            return dg.SkipReason(f"no new files in {catalog.landing_dir / ds.name}")
        # The run key names exactly these file versions: the same drop never loads twice.
        key = hashlib.sha256(json.dumps({n: current[n] for n in changed}).encode()).hexdigest()[:16]
        context.update_cursor(json.dumps(current))
        return dg.RunRequest(run_key=f"{ds.name}:{key}", tags={"nex/landing_files": ",".join(changed)[:200]})

    return _sensor
