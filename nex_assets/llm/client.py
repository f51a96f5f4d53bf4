"""An OpenAI-compatible chat client with the guarantees the platform relies on: explicit timeouts,
retries with backoff and jitter on 429 / 5xx / time-outs / invalid answers, bounded concurrency, a
Postgres cache for structured answers, and token and cost accounting.

``complete_json`` never raises for a failing endpoint: it returns ``None`` and the caller falls back to
its rule-based writer, so a pipeline completes whatever the LLM does.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from nex_assets.llm.cache import LLMCache, prompt_hash, request_key
from nex_assets.llm.settings import LLMSettings

log = logging.getLogger(__name__)

RULE_BASED = "rule-based"

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)


class LLMUnavailable(RuntimeError):
    """No endpoint is configured, or every attempt failed."""


class InvalidAnswer(ValueError):
    """The endpoint answered, but not with what the schema asks for (retried like a transient fault)."""


@dataclass
class CallInfo:
    """What one ``complete_json`` call did; ``writer`` is the model name, or ``rule-based`` on fallback."""

    purpose: str
    writer: str
    prompt_hash: str
    cached: bool = False
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None


@dataclass
class Usage:
    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    failures: int = 0
    fallbacks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    by_purpose: dict[str, int] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, Any]:
        """Flat values for Dagster materialization metadata (``llm/...``)."""
        out = {f"llm/{k}": v for k, v in asdict(self).items() if k != "by_purpose"}
        out["llm/cost_usd"] = round(self.cost_usd, 6)
        return out


def _transient(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    # A body that is not JSON surfaces from the SDK as a JSONDecodeError: a broken answer, retried.
    return isinstance(
        exc,
        openai.APIConnectionError | openai.APIResponseValidationError | InvalidAnswer | json.JSONDecodeError,
    )


class LLMClient:
    """Thread-safe; one per asset run, so that ``usage()`` is that run's usage."""

    def __init__(
        self,
        *,
        base_url: str | None,
        model: str,
        api_key: str | None,
        settings: LLMSettings,
        cache: LLMCache | None = None,
        embedding_model: str | None = None,
        connect: Callable[[], tuple[str, str]] | None = None,
        local: bool = False,
    ):
        """``connect``, when given, returns (base_url, key) on the first request: the local server
        is started then, not when the client is made, so a run answered from the cache starts nothing."""
        self.model = model
        # NEX's own small model on this machine: callers that can ask less of it (one query instead
        # of a tool loop) do.
        self.local = local
        self.base_url = base_url
        self.embedding_model = embedding_model
        self.configured = bool(base_url or api_key or connect)
        self.settings = settings
        self._api_key = api_key
        self._cache = cache
        self._connect = connect
        self._connect_error: str | None = None
        self._sdk = None
        self._sdk_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self._usage = Usage()
        self._usage_lock = threading.Lock()

    @property
    def writer(self) -> str:
        return self.model if self.configured else RULE_BASED

    def _openai(self):
        with self._sdk_lock:
            if self._sdk is None:
                import httpx
                import openai

                if self._connect is not None:
                    self._connected()

                # The SDK's own retries are off: ours add jitter, retry invalid answers and count.
                self._sdk = openai.OpenAI(
                    base_url=self.base_url,
                    api_key=self._api_key or "unused",
                    timeout=httpx.Timeout(
                        self.settings.timeout_s, connect=min(10.0, self.settings.timeout_s)
                    ),
                    max_retries=0,
                )
            return self._sdk

    def _connected(self) -> None:
        """Reaches the endpoint ``connect`` provides; a failure is remembered, so that every later
        request of this client falls back at once instead of trying to start the server again."""
        if self._connect_error is None:
            try:
                self.base_url, self._api_key = self._connect()
                return
            except Exception as exc:
                self._connect_error = f"{type(exc).__name__}: {exc}"
        raise LLMUnavailable(
            f"the local LLM server is not available ({self._connect_error}); "
            "`nex llm status` says why, `nex llm start` starts it"
        )

    def _count(self, **deltas: float) -> None:
        with self._usage_lock:
            for name, value in deltas.items():
                setattr(self._usage, name, getattr(self._usage, name) + value)

    def usage(self) -> Usage:
        with self._usage_lock:
            return Usage(**{**asdict(self._usage), "by_purpose": dict(self._usage.by_purpose)})

    def _backoff(self, attempt: int) -> None:
        cap = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2**attempt)
        time.sleep(random.uniform(0, cap))

    def _retrying(self, purpose: str, attempt_once: Callable[[], T]) -> tuple[T, int]:
        """Runs ``attempt_once`` until it succeeds or a non-transient error / the last attempt."""
        last: BaseException | None = None
        for attempt in range(self.settings.max_attempts):
            if attempt:
                self._count(retries=1)
                self._backoff(attempt - 1)
            try:
                with self._slots:
                    self._count(calls=1)
                    with self._usage_lock:
                        self._usage.by_purpose[purpose] = self._usage.by_purpose.get(purpose, 0) + 1
                    return attempt_once(), attempt + 1
            except Exception as exc:
                if not _transient(exc):
                    raise
                last = exc
                log.warning("LLM %s attempt %d failed: %s", purpose, attempt + 1, _describe(exc))
        raise LLMUnavailable(f"{purpose}: {self.settings.max_attempts} attempts failed: {_describe(last)}")

    def _record_tokens(self, response) -> tuple[int, int]:
        usage = getattr(response, "usage", None)
        p = int(getattr(usage, "prompt_tokens", 0) or 0)
        c = int(getattr(usage, "completion_tokens", 0) or 0)
        self._count(prompt_tokens=p, completion_tokens=c, cost_usd=self.settings.cost_usd(self.model, p, c))
        return p, c

    def complete_json(
        self, messages: list[dict], schema: type[M], *, purpose: str
    ) -> tuple[M | None, CallInfo]:
        """A structured answer validated against ``schema``; ``None`` when no endpoint is configured or
        every attempt failed (the caller then writes its rule-based text)."""
        info = CallInfo(purpose=purpose, writer=RULE_BASED, prompt_hash=prompt_hash(messages))
        if not self.configured:
            return None, info
        params = {
            "temperature": self.settings.temperature,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema()},
            },
        }
        key = request_key(self.model, messages, params)
        if self._cache is not None:
            hit = self._cache.get(key)
            if hit is not None:
                try:
                    parsed = schema.model_validate(hit)
                except ValidationError:
                    parsed = None
                if parsed is not None:
                    self._count(cache_hits=1)
                    info.writer, info.cached = self.model, True
                    return parsed, info

        def once():
            response = self._openai().chat.completions.create(model=self.model, messages=messages, **params)
            info.prompt_tokens, info.completion_tokens = self._record_tokens(response)
            content = response.choices[0].message.content if response.choices else None
            try:
                return schema.model_validate(json.loads(content or ""))
            except (ValueError, ValidationError) as exc:
                raise InvalidAnswer(f"answer does not match {schema.__name__}: {exc}") from exc

        try:
            parsed, info.attempts = self._retrying(purpose, once)
        except Exception as exc:
            info.error = _describe(exc)
            self._count(failures=1, fallbacks=1)
            log.warning("LLM %s falls back to the rule-based writer: %s", purpose, info.error)
            return None, info
        info.writer = self.model
        info.cost_usd = self.settings.cost_usd(self.model, info.prompt_tokens, info.completion_tokens)
        if self._cache is not None:
            self._cache.put(
                key,
                model=self.model,
                purpose=purpose,
                response=parsed.model_dump(mode="json"),
                usage=(info.prompt_tokens, info.completion_tokens),
            )
        return parsed, info

    def chat(self, messages: list[dict], tools: list[dict] | None = None, stream: bool = False, **params):
        """A raw chat completion (a stream of chunks when ``stream``) for tool-calling loops; not cached.
        Raises ``LLMUnavailable`` when no endpoint is configured or every attempt failed."""
        if not self.configured:
            raise LLMUnavailable(
                "no LLM endpoint configured (set NEX_LLM_BASE_URL or OPENAI_API_KEY, or install a local "
                "model with `nex llm install`; NEX_LLM=off keeps the LLM off)"
            )
        kwargs = {"model": self.model, "messages": messages, **params}
        if tools:
            kwargs["tools"] = tools
        if stream:
            kwargs["stream"] = True

        def once():
            response = self._openai().chat.completions.create(**kwargs)
            if not stream:
                self._record_tokens(response)
            return response

        try:
            response, _ = self._retrying("chat", once)
        except LLMUnavailable:
            self._count(failures=1)
            raise
        return response

    def embed(self, texts: list[str], *, dimensions: int) -> list[list[float]]:
        """Embeddings from the endpoint's ``NEX_EMBEDDING_MODEL`` (see ``nex_assets.llm.embedder``)."""
        if not (self.configured and self.embedding_model):
            raise LLMUnavailable("no embedding model configured (set NEX_EMBEDDING_MODEL)")

        def once():
            response = self._openai().embeddings.create(
                model=self.embedding_model, input=texts, dimensions=dimensions
            )
            tokens = int(getattr(getattr(response, "usage", None), "prompt_tokens", 0) or 0)
            self._count(
                prompt_tokens=tokens, cost_usd=self.settings.cost_usd(self.embedding_model, tokens, 0)
            )
            return [d.embedding for d in sorted(response.data, key=lambda d: d.index)]

        vectors, _ = self._retrying("embeddings", once)
        return vectors

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items`` with up to ``concurrency`` calls in flight, results in input order."""
        items = list(items)
        if len(items) <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=min(self.settings.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
        if self._sdk is not None:
            self._sdk.close()


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    status = getattr(exc, "status_code", None)
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}{f' {status}' if status else ''}: {text}"
