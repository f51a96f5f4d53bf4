"""A small NEX Retail world built through Dagster with its dictionary written by the loopback model, NEX
Studio serving it on a loopback port (uvicorn in a thread of the test process), and Debian's chromium
driven through chromium-driver. Screenshots go to NEX_STUDIO_SCREENSHOTS, else the session's temp dir."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from nex_assets.core import db as nexdb
from tests.core.helpers import project_copy, sample_world_catalog, with_resources
from tests.llm_server import TEST_MODEL, LLMServer, serve

STEPS = {
    "raw",
    "profile",
    "quality",
    "dictionary",
    "embeddings",
    "insights",
    "knowledge_gaps",
    "semantic_model",
}
RECIPE = ("nex_retail", "price_elasticity")  # a model whose drift report the links test opens


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _llm_environ(server: LLMServer) -> dict[str, str]:
    return {
        "NEX_LLM_BASE_URL": server.base_url,
        "NEX_LLM_MODEL": TEST_MODEL,
        "OPENAI_API_KEY": "test-key-not-secret",
    }


class _Environ:
    """Sets variables now and puts back what was there."""

    def __init__(self, values: dict[str, str]):
        self.previous = {k: os.environ.get(k) for k in values}
        os.environ.update(values)

    def restore(self) -> None:
        for k, v in self.previous.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def studio_llm():
    with serve() as server:
        yield server


@pytest.fixture(scope="session")
def studio_world(small_world, tmp_path_factory, dagster_instance, database, studio_llm):
    """The world built once: every dataset's raw table, profile, quality (with Data Docs), dictionary
    (suggested by the loopback model), embeddings, insights and knowledge gaps, the dbt models, and one
    recipe's model, evaluation and drift report. Returns (project folder, Studio's address)."""
    project = project_copy(tmp_path_factory.mktemp("studio_project"), skip={"expectations", "dictionary"})
    catalog = sample_world_catalog(small_world, project)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # Links written into asset metadata point at this Studio.
    held = _Environ({**_llm_environ(studio_llm), "NEX_STUDIO_URL": url})
    # Other tests of the session may have written these datasets' entries with the rule-based writer;
    # dropped here, the build writes every entry anew with the model, as on a fresh platform (their
    # versions go on from the last one).
    with nexdb.connect(database, autocommit=True) as conn:
        conn.execute(
            "delete from nex.dictionary_entries where dataset = any(%s)",
            ([d.name for d in catalog.datasets],),
        )
    try:
        defs = with_resources(catalog)
        graph = defs.resolve_asset_graph()
        keys = [
            k
            for k in graph.get_all_asset_keys()
            if (len(k.path) == 2 and k.path[1] in STEPS)
            or k.path[0] == "warehouse"
            or tuple(k.path[:2]) == RECIPE
        ]
        # No predictions (nor their semantic model, which reads them) in this world.
        keys = [
            k
            for k in keys
            if k.path[-1] != "predictions" and not (len(k.path) == 3 and k.path[-1] == "semantic_model")
        ]
        job = dg.define_asset_job("studio_world", selection=dg.AssetSelection.assets(*keys).without_checks())
        defs = dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
        result = defs.get_job_def("studio_world").execute_in_process(instance=dagster_instance)
        assert result.success
    finally:
        held.restore()
    return project, port, url


@pytest.fixture(scope="session")
def studio(studio_world, database):
    """Studio on the session's database, reading the world's project folder (overrides are written
    there, never into the checkout)."""
    import uvicorn

    from nex_assets.studio.app import create_app

    project, port, url = studio_world
    held = _Environ({"NEX_PROJECT_DIR": str(project), "NEX_STUDIO_URL": url})
    server = uvicorn.Server(
        uvicorn.Config(create_app(database), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "Studio did not start"
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    held.restore()


@pytest.fixture()
def studio_llm_env(studio_llm, monkeypatch) -> LLMServer:
    """Studio's answers come from the loopback model (read per request, like every LLM setting)."""
    for k, v in _llm_environ(studio_llm).items():
        monkeypatch.setenv(k, v)
    studio_llm.reset()
    return studio_llm


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("NEX_STUDIO_SCREENSHOTS") or tmp_path_factory.mktemp("studio_screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless chromium from the OS packages (scripts/test.sh installs chromium and chromium-driver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.fail(
            "Studio's browser tests need Debian's chromium and chromium-driver "
            "(scripts/test.sh installs them)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_ = webdriver.Chrome(service=Service(driver), options=options)
    driver_.set_page_load_timeout(60)
    yield driver_
    driver_.quit()
