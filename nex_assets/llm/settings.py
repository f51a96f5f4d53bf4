"""Settings of the LLM client (config/llm.yaml): timeouts, retries, concurrency and prices, and the
registry of local models that ``nex llm`` installs and serves on loopback."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nex_assets.common.yaml_files import SettingsFile

MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: float = Field(0.0, ge=0)
    output: float = Field(0.0, ge=0)


class ModelPart(BaseModel):
    """One file inside an installed Python distribution; pinned, so a new upload cannot change it."""

    model_config = ConfigDict(extra="forbid")

    package: str = Field(min_length=1)
    version: str = Field(min_length=1)
    file: str = Field(min_length=1, description="path inside the distribution, e.g. pkg/data/part1.bin")


class LocalModel(BaseModel):
    """A GGUF file: either joined from ``parts`` (in order) into NEX's home, or a file of your own at
    ``path``, used where it is. ``sha256`` pins the content; without it, install records the hash it
    finds and every start checks against that."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    parts: list[ModelPart] = Field(default_factory=list)
    path: str | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    size_bytes: int | None = Field(None, gt=0)
    context: int = Field(4096, ge=256, description="tokens of context the server allocates")
    threads: int = Field(0, ge=0, description="CPU threads; 0: every CPU this process may use")
    max_tokens: int = Field(1024, ge=1, description="longest answer, a guard against run-away output")

    @model_validator(mode="after")
    def _one_source(self) -> LocalModel:
        if bool(self.parts) == bool(self.path):
            raise ValueError("give either parts (packages joined in order) or path (a GGUF file), not both")
        return self


class LocalLLM(BaseModel):
    """The local server: which registry model it serves, whether commands and assets start it on
    demand, and the client limits that suit one CPU-bound server (it answers one request at a time)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    autostart: bool = True
    # `nex add` documents the one new dataset with the local model (started for it, stopped after when
    # it was not running before): one table's entries take a minute or two on a CPU, the main job's
    # dozens of tables would take far longer, which is what `autostart` decides.
    autostart_on_add: bool = True
    # A question (`nex ask`, Studio's Ask) starts the installed model on first use: a person is waiting
    # on one answer, not on dozens of tables, and the server then stays up for the next questions.
    autostart_on_ask: bool = True
    start_timeout_s: float = Field(180.0, gt=0)
    timeout_s: float = Field(300.0, gt=0)
    concurrency: int = Field(1, ge=1)
    models: dict[str, LocalModel] = Field(default_factory=dict)

    @field_validator("models")
    @classmethod
    def _names(cls, models: dict[str, LocalModel]) -> dict[str, LocalModel]:
        bad = [n for n in models if not MODEL_NAME.match(n)]
        if bad:
            raise ValueError(f"model names must be lowercase letters, digits, '.', '_' or '-': {bad}")
        return models

    @model_validator(mode="after")
    def _known_model(self) -> LocalLLM:
        if self.model is not None and self.model not in self.models:
            raise ValueError(f"model {self.model!r} is not in models ({', '.join(sorted(self.models))})")
        return self


class LLMSettings(SettingsFile):
    FILE = "llm.yaml"

    default_model: str = "gpt-4o-mini"
    timeout_s: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1)
    backoff_base_s: float = Field(0.5, ge=0)
    backoff_max_s: float = Field(8.0, ge=0)
    concurrency: int = Field(8, ge=1)
    temperature: float = Field(0.0, ge=0, le=2)
    prices_per_million: dict[str, Price] = Field(default_factory=dict)
    local: LocalLLM = Field(default_factory=LocalLLM)

    def cost_usd(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        price = self.prices_per_million.get(model)
        if price is None:
            return 0.0
        return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
