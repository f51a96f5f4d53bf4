"""Settings of the LLM client (config/llm.yaml): timeouts, retries, concurrency and prices."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from nex_assets.common.yaml_files import SettingsFile


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: float = Field(0.0, ge=0)
    output: float = Field(0.0, ge=0)


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

    def cost_usd(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        price = self.prices_per_million.get(model)
        if price is None:
            return 0.0
        return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
