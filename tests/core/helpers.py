"""Building definitions for tests from catalogs of their own."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import dagster as dg

from nex_assets.core.build import Catalog, build_definitions
from nex_assets.core.resources import WarehouseResource
from nex_assets.datasets.logic.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]


def with_resources(catalog: Catalog) -> dg.Definitions:
    return dg.Definitions.merge(
        build_definitions(catalog), dg.Definitions(resources={"warehouse": WarehouseResource()})
    )


def sample_world_catalog(world: Path, project: Path) -> Catalog:
    """The real catalog (datasets/*.yaml) over a small generated world laid out as in a checkout."""
    target = project / "data" / "sample" / "retail"
    if not target.exists():
        shutil.copytree(world, target)
    return Catalog(
        load_catalog(ROOT / "datasets"), project_dir=project, landing_dir=project / "data" / "landing"
    )


def project_copy(
    target: Path,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
    ignore: tuple[str, ...] = ("target", "logs"),
) -> Path:
    """Every folder the platform reads from a project (``env.project_folders()``), but ``skip``, copied
    under ``target``: a test's runs then never read or write the checkout's files."""
    from nex_assets.core import env

    for name, folder in env.project_folders().items():
        if folder.is_dir() and name not in skip:
            shutil.copytree(folder, target / name, ignore=shutil.ignore_patterns(*ignore))
    return target


def write_catalog(folder: Path, name: str, source: Path, **extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {name}", "source:", f"  path: {source}"] + [f"{k}: {v}" for k, v in extra.items()]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def added_project(tmp_path_factory, frames: dict, name: str = "added_project"):
    """A project of its own whose datasets are the given frames, each written as a CSV file and added
    with `nex add --no-load` alone; yields (project root, catalog) with the environment pointing at it."""
    import pytest

    from nex_assets.cli import main

    root = tmp_path_factory.mktemp(name)
    for folder in ("datasets", "expectations", "landing", "downloads"):
        (root / folder).mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEX_PROJECT_DIR", str(root))
        mp.setenv("NEX_DATASETS_DIR", str(root / "datasets"))
        mp.setenv("NEX_EXPECTATIONS_DIR", str(root / "expectations"))
        mp.setenv("NEX_DAGSTER_URL", "http://127.0.0.1:9")
        # The project's own settings (the read-only path's allowlists among them), not the defaults.
        mp.setenv("NEX_CONFIG_DIR", str(ROOT / "config"))
        for table, frame in frames.items():
            path = root / "downloads" / f"{table}.csv"
            frame.to_csv(path, index=False)
            assert main(["add", str(path), "--no-load"]) == 0
        yield root, Catalog(load_catalog(root / "datasets"), project_dir=root, landing_dir=root / "landing")
