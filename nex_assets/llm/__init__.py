"""The platform's LLM: an OpenAI-compatible client resource with cache, retries and accounting, and
the embedder. Importing this package stays cheap: ``openai`` and ``sentence_transformers`` load on use."""

from nex_assets.llm.client import RULE_BASED, CallInfo, LLMClient, LLMUnavailable, Usage
from nex_assets.llm.resource import LLM, LLMResource

__all__ = ["LLM", "RULE_BASED", "CallInfo", "LLMClient", "LLMResource", "LLMUnavailable", "Usage"]
