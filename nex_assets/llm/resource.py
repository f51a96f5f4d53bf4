"""The ``llm`` Dagster resource: the endpoint comes from the environment at run time, so keys never
enter run config, and an unset endpoint means the rule-based writers."""

import dagster as dg

from nex_assets.core import env
from nex_assets.core import settings as nex_settings
from nex_assets.llm.cache import LLMCache
from nex_assets.llm.client import LLMClient
from nex_assets.llm.settings import LLMSettings


class LLMResource(dg.ConfigurableResource):
    """Unset fields follow NEX_LLM_BASE_URL / NEX_LLM_MODEL and config/llm.yaml; the key is only ever
    read from OPENAI_API_KEY."""

    base_url: str | None = None
    model: str | None = None
    timeout_s: float | None = None
    max_attempts: int | None = None
    backoff_base_s: float | None = None
    concurrency: int | None = None
    use_cache: bool = True

    def client(self, database: env.Database | None = None) -> LLMClient:
        """A fresh client (its ``usage()`` counts only what it did); the cache lives in ``database``
        (default: the platform's database)."""
        settings = nex_settings.load(LLMSettings)
        overrides = {
            k: v
            for k, v in {
                "timeout_s": self.timeout_s,
                "max_attempts": self.max_attempts,
                "backoff_base_s": self.backoff_base_s,
                "concurrency": self.concurrency,
            }.items()
            if v is not None
        }
        settings = settings.model_copy(update=overrides)
        endpoint = env.llm_endpoint(settings.default_model)
        return LLMClient(
            base_url=self.base_url or endpoint.base_url,
            model=self.model or endpoint.model,
            api_key=endpoint.api_key,
            settings=settings,
            cache=LLMCache(database) if self.use_cache else None,
            embedding_model=endpoint.embedding_model,
        )


# One shared instance: Definitions.merge accepts the same resource under `llm` from several domains.
LLM = LLMResource()
