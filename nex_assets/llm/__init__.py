"""The platform's LLM: an OpenAI-compatible client resource with cache, retries and accounting, the
local model server, and the embedder. Importing this package stays cheap (``nex llm stop`` and the
server process need none of it): the resource, which imports Dagster, loads on first use, and
``openai`` and ``sentence_transformers`` load when they are called."""

from __future__ import annotations

import importlib

_EXPORTS = {
    "RULE_BASED": "client",
    "CallInfo": "client",
    "LLMClient": "client",
    "LLMUnavailable": "client",
    "Usage": "client",
    "LLM": "resource",
    "LLMResource": "resource",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
