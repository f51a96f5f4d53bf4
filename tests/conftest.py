"""Shared fixtures: a private embedded PostgreSQL and a Dagster instance on it, per test session."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

# A failure's report that pytest can always draw (see tests/reporting.py).
from tests.reporting import pytest_runtest_makereport  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def nex_home(tmp_path_factory) -> Path:
    """Every test process talks to its own server, never to a developer's `.nex`."""
    home = tmp_path_factory.mktemp("nex")
    previous = {k: os.environ.get(k) for k in ("NEX_HOME", "NEX_DATABASE_URL", "DAGSTER_HOME")}
    os.environ["NEX_HOME"] = str(home)
    os.environ.pop("NEX_DATABASE_URL", None)
    os.environ["DAGSTER_HOME"] = str(home / "dagster_home")
    yield home
    from nex_assets.core import env

    env.stop_embedded()
    for k, v in previous.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session", autouse=True)
def expectations_copy(tmp_path_factory):
    """The project's suites, copied: steps write automatic suites into the suites folder, and a test
    run must never leave files in the checkout."""
    import shutil

    folder = tmp_path_factory.mktemp("expectations") / "expectations"
    shutil.copytree(ROOT / "expectations", folder)
    previous = os.environ.get("NEX_EXPECTATIONS_DIR")
    os.environ["NEX_EXPECTATIONS_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("NEX_EXPECTATIONS_DIR", None)
    else:
        os.environ["NEX_EXPECTATIONS_DIR"] = previous


@pytest.fixture(scope="session")
def database(nex_home):
    from nex_assets.core import db

    return db.bootstrap()


@pytest.fixture()
def conn(database):
    from nex_assets.core import db

    with db.connect(database) as c:
        yield c


@pytest.fixture(scope="session")
def dagster_instance(database, nex_home):
    import dagster as dg

    from nex_assets.core import instance

    home = instance.prepare(database, nex_home / "dagster_home")
    inst = dg.DagsterInstance.from_config(str(home))
    yield inst
    inst.dispose()


@pytest.fixture()
def unique_name() -> str:
    """Dataset names unique per test, so tests sharing the session's server never collide."""
    return f"t_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> Path:
    """A small NEX Retail world: every table of the real one, a fraction of the rows."""
    from nex_assets.sample_world import WorldSize, generate

    out = tmp_path_factory.mktemp("world")
    generate(out, seed=7, size=WorldSize(stores=24, products=20, skus_per_store=5, weeks=104, customers=600))
    return out
