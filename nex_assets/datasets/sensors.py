"""A file dropped in ``data/landing/<dataset>/`` starts a run that loads it, once; a file dropped in
``data/landing/_new/`` becomes a new dataset."""

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


NEW_FOLDER = "_new"


def new_files_sensor(catalog) -> dg.SensorDefinition:
    """A file dropped in ``data/landing/_new/`` becomes a dataset as ``nex add`` would make it: the
    file moves to the new dataset's own landing folder, ``datasets/<name>.yaml`` is written and the
    running code location reloaded; the new dataset's landing sensor then loads the file. A file
    whose content was added before is left where it is and named in the tick's reason."""
    folder = catalog.landing_dir / NEW_FOLDER

    @dg.sensor(
        name="datasets__new_files",
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Turns each file dropped in {folder} into a dataset (inferred YAML), as `nex add` does.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        from nex_assets.core import env
        from nex_assets.datasets.add import AddError, reload_code_location

        dropped = (
            sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("."))
            if folder.is_dir()
            else []
        )
        if not dropped:
            return dg.SkipReason(f"no file in {folder}")
        # A symbolic link is left where it is, never moved or read (it may point at a private file).
        said = [
            f"{p.name}: a symbolic link, not added (drop the file itself)" for p in dropped if p.is_symlink()
        ]
        files = [p for p in dropped if not p.is_symlink()]
        for path in files:
            try:
                added = add_landed(path, catalog, env)
            except AddError as exc:
                said.append(f"{path.name}: {exc}")
                context.log.warning(f"{path.name} was not added: {exc}")
                continue
            said.append(f"{path.name}: {'added as' if added.created else 'already added as'} {added.name}")
        if any("added as" in s for s in said):
            reload_code_location()
        return dg.SkipReason("; ".join(said))

    return _sensor


def add_landed(path: Path, catalog, env):
    """Moves a dropped file to its dataset's landing folder and adds it there."""
    from nex_assets.datasets.add import Added, add, already_added, digest
    from nex_assets.datasets.logic.infer import dataset_name

    known = already_added(env.datasets_dir(), digest([path]))
    if known:
        return Added(known, env.datasets_dir() / f"{known}.yaml", False, [])
    name = dataset_name(path.stem)
    target = catalog.landing_dir / name / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    try:
        return add(
            str(target),
            name=name,
            project_dir=catalog.project_dir,
            datasets_dir=env.datasets_dir(),
            roots=[catalog.landing_dir, *env.source_roots()],
        )
    except Exception:
        target.replace(path)  # back where it was dropped, so nothing is lost
        raise
