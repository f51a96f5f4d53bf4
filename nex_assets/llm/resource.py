"""The ``llm`` Dagster resource: the endpoint comes from the environment and NEX's home at run time, so
keys never enter run config; no endpoint (or NEX_LLM=off) means the rule-based writers."""

from collections.abc import Callable

import dagster as dg

from nex_assets.core import env
from nex_assets.core import settings as nex_settings
from nex_assets.llm import endpoint
from nex_assets.llm.cache import LLMCache
from nex_assets.llm.client import LLMClient
from nex_assets.llm.logic.local import Route
from nex_assets.llm.settings import LLMSettings


class LLMResource(dg.ConfigurableResource):
    """Unset fields follow NEX_LLM_BASE_URL / NEX_LLM_MODEL, NEX's local model and config/llm.yaml
    (see ``nex_assets.llm.endpoint``). A remote key is only ever read from OPENAI_API_KEY; the local
    server's key is made at each start and read from NEX's home."""

    base_url: str | None = None
    model: str | None = None
    timeout_s: float | None = None
    max_attempts: int | None = None
    backoff_base_s: float | None = None
    concurrency: int | None = None
    use_cache: bool = True

    def client(
        self,
        database: env.Database | None = None,
        *,
        asking: bool = False,
        on_start: Callable[[str], None] | None = None,
    ) -> LLMClient:
        """A fresh client (its ``usage()`` counts only what it did); the cache lives in ``database``
        (default: the platform's database). The local server, when it answers, starts on the first
        request that is not in the cache. ``asking``: a person waits on a question, so the installed
        local model starts on first use when ``local.autostart_on_ask`` is on (``on_start`` is told)."""
        settings = nex_settings.load(LLMSettings)
        resolved = endpoint.resolve(
            settings, autostart=asking and settings.local.autostart_on_ask, on_start=on_start
        )
        local = resolved.local and not self.base_url
        if local:
            # One CPU-bound server answers one request at a time: the local limits replace the remote ones.
            settings = settings.model_copy(
                update={"timeout_s": settings.local.timeout_s, "concurrency": settings.local.concurrency}
            )
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
        found = resolved.endpoint
        off = resolved.route is Route.OFF
        return LLMClient(
            base_url=None if off else self.base_url or found.base_url,
            model=self.model or found.model,
            api_key=found.api_key,
            settings=settings,
            cache=LLMCache(database) if self.use_cache else None,
            embedding_model=found.embedding_model,
            connect=resolved.connect if local else None,
            local=local,
        )


# One shared instance: Definitions.merge accepts the same resource under `llm` from several domains.
LLM = LLMResource()
