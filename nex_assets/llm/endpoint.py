"""Which endpoint the platform's LLM client talks to.

``NEX_LLM=off`` keeps the rule-based writers whatever else is set. ``NEX_LLM_BASE_URL`` (with
``NEX_LLM_MODEL`` and ``OPENAI_API_KEY``) names any OpenAI-compatible endpoint, as before. Without it,
NEX's own local server answers: the one running in NEX's home, or, when the configured model is
installed there and ``local.autostart`` is on, that model started on the client's first request. With
none of these the writers are rule-based (a bare ``OPENAI_API_KEY`` still reaches OpenAI when no local
model is installed).

The model and the server live in NEX's home, so a test session, which points ``NEX_HOME`` at a
folder of its own, never starts a developer's model unless it installs one there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from nex_assets.core import env
from nex_assets.llm import models, server
from nex_assets.llm.logic.local import Route, llm_mode, route
from nex_assets.llm.settings import LLMSettings

# Set by a command for the run it starts (`nex add`): the local model starts on demand for that run only.
AUTOSTART_ENV = "NEX_LLM_AUTOSTART"


@dataclass(frozen=True)
class Resolved:
    endpoint: env.LLMEndpoint
    route: Route
    # Set when the local server is started on first use: returns (base_url, key).
    connect: Callable[[], tuple[str, str]] | None = None

    @property
    def local(self) -> bool:
        return self.route in (Route.RUNNING, Route.START)


def resolve(
    settings: LLMSettings, *, autostart: bool = False, on_start: Callable[[str], None] | None = None
) -> Resolved:
    """``autostart`` starts the installed local model on first use even where ``local.autostart`` is
    off (a person waiting on a question); ``on_start`` hears, before a start, that the model is loading."""
    mode = llm_mode(os.environ.get("NEX_LLM"))
    configured = env.llm_endpoint(settings.default_model)
    if mode == "off":
        return Resolved(env.LLMEndpoint(None, configured.model, None, None), Route.OFF)
    found = None if configured.base_url else server.running()
    name = settings.local.model
    is_installed = bool(
        name and not configured.base_url and models.installed(name, settings.local.models[name])
    )
    chosen = route(
        mode=mode,
        base_url=configured.base_url,
        running=found is not None,
        installed=is_installed,
        autostart=autostart or settings.local.autostart or os.environ.get(AUTOSTART_ENV) == "on",
    )
    if chosen is Route.RUNNING:
        return Resolved(env.LLMEndpoint(found.base_url, found.model, found.api_key, None), chosen)
    if chosen is Route.START:

        def connect() -> tuple[str, str]:
            if on_start is not None and server.running() is None:
                on_start(
                    f"Starting the local model {name} (loading takes a few seconds; it keeps running for "
                    "the next questions until `nex llm stop`)."
                )
            started = server.ensure(settings)
            return started.base_url, started.api_key

        return Resolved(env.LLMEndpoint(None, name, None, None), chosen, connect)
    return Resolved(configured, chosen)


def writer(settings: LLMSettings) -> str:
    """Who would write text now: the model's name where an endpoint or the local model answers (or
    would start on first use), else ``rule-based``. Cheap (a file read and a stat): the dictionary's
    code version carries it, so text written by rules is written again once a model is there."""
    from nex_assets.llm.client import RULE_BASED

    resolved = resolve(settings)
    if resolved.route is Route.OFF:
        return RULE_BASED
    if resolved.local or resolved.endpoint.base_url or resolved.endpoint.api_key:
        return resolved.endpoint.model
    return RULE_BASED
