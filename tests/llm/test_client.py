"""The LLM client against the loopback OpenAI-protocol server: answers, faults, cache, accounting."""

from __future__ import annotations

import json

from pydantic import BaseModel

from nex_assets.core import env
from nex_assets.llm import RULE_BASED, LLMResource, LLMUnavailable
from nex_assets.llm.embedder import EndpointEmbedder, get_embedder
from tests.llm_server import TEST_MODEL, Reply


class Answer(BaseModel):
    description: str
    tags: list[str]


def client(**kw):
    return LLMResource(backoff_base_s=0.01, timeout_s=kw.pop("timeout_s", 2.0), **kw).client()


def ask(c, text="describe the column"):
    return c.complete_json([{"role": "user", "content": text}], Answer, purpose="test")


def test_normal_answer_is_validated_and_accounted(llm_env, database):
    llm_env.enqueue(Reply.json({"description": "Units sold.", "tags": ["sales"]}))
    c = client()
    parsed, info = ask(c, "normal answer")
    assert parsed == Answer(description="Units sold.", tags=["sales"])
    assert info.writer == TEST_MODEL and info.attempts == 1 and not info.cached
    body = llm_env.chat_requests[0]
    assert body["model"] == TEST_MODEL and body["response_format"]["type"] == "json_schema"
    usage = c.usage()
    assert usage.calls == 1 and usage.prompt_tokens > 0 and usage.completion_tokens > 0


def test_a_repeated_question_is_answered_from_the_cache(llm_env, database):
    first, _ = ask(client(), "cached question")
    llm_env.reset()
    c = client()
    again, info = ask(c, "cached question")
    assert again == first and info.cached and llm_env.chat_requests == []
    assert c.usage().cache_hits == 1 and c.usage().calls == 0


def test_429_then_success_is_retried(llm_env, database):
    llm_env.enqueue(Reply.error(429), Reply.json({"description": "after 429", "tags": []}))
    c = client()
    parsed, info = ask(c, "429 question")
    assert parsed.description == "after 429" and info.attempts == 2
    assert c.usage().retries == 1 and len(llm_env.chat_requests) == 2


def test_repeated_500s_fall_back_to_rule_based(llm_env, database):
    llm_env.enqueue(*[Reply.error(500)] * 4)
    c = client(max_attempts=4)
    parsed, info = ask(c, "500 question")
    assert parsed is None and info.writer == RULE_BASED and "500" in info.error
    assert len(llm_env.chat_requests) == 4 and c.usage().fallbacks == 1


def test_a_hang_past_the_timeout_is_retried(llm_env, database):
    llm_env.enqueue(Reply.hang(3.0), Reply.json({"description": "after hang", "tags": []}))
    parsed, info = ask(client(timeout_s=0.5), "hang question")
    assert parsed.description == "after hang" and info.attempts == 2


def test_malformed_bodies_and_invalid_answers_are_retried(llm_env, database):
    llm_env.enqueue(Reply.malformed(), Reply.text("not json at all"), Reply.json({"description": 3}))
    llm_env.enqueue(Reply.json({"description": "finally", "tags": ["x"]}))
    parsed, info = ask(client(max_attempts=4), "malformed question")
    assert parsed.description == "finally" and info.attempts == 4


def test_no_endpoint_means_rule_based_and_no_request(monkeypatch, llm_server, database):
    for name in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    c = client()
    assert not c.configured
    parsed, info = ask(c)
    assert parsed is None and info.writer == RULE_BASED and llm_server.requests == []


def test_chat_returns_tool_calls_and_streams(llm_env, database):
    llm_env.enqueue(Reply.tool_call("run_sql", {"sql": "select 1"}), Reply.text("streamed words here"))
    c = client()
    tools = [{"type": "function", "function": {"name": "run_sql", "parameters": {"type": "object"}}}]
    response = c.chat([{"role": "user", "content": "q"}], tools=tools)
    call = response.choices[0].message.tool_calls[0]
    assert call.function.name == "run_sql" and json.loads(call.function.arguments) == {"sql": "select 1"}
    text = "".join(
        ch.choices[0].delta.content or "" for ch in c.chat([{"role": "user", "content": "s"}], stream=True)
    )
    assert text == "streamed words here" and llm_env.chat_requests[1]["stream"] is True


def test_chat_without_endpoint_raises(monkeypatch, database):
    for name in ("NEX_LLM_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    try:
        client().chat([{"role": "user", "content": "q"}])
    except LLMUnavailable as exc:
        assert "NEX_LLM_BASE_URL" in str(exc)
    else:
        raise AssertionError("chat without an endpoint must raise")


def test_endpoint_embeddings_when_an_embedding_model_is_named(llm_env, monkeypatch):
    monkeypatch.setenv("NEX_EMBEDDING_MODEL", "text-embedding-3-small")
    embedder = get_embedder()
    assert isinstance(embedder, EndpointEmbedder) and embedder.dim == 384
    vectors = embedder.embed(["a", "b", "a"])
    assert len(vectors[0]) == 384 and vectors[0] == vectors[2] != vectors[1]
    assert llm_env.embedding_requests[0]["dimensions"] == 384


def test_the_local_embedder_is_the_default(monkeypatch):
    monkeypatch.delenv("NEX_EMBEDDING_MODEL", raising=False)
    embedder = get_embedder()
    assert embedder.name == "all-MiniLM-L6-v2" and env.llm_endpoint().embedding_model is None
    a, b, c = embedder.embed(["total amount a customer spent", "customer spend", "store latitude"])
    dot = lambda x, y: sum(i * j for i, j in zip(x, y, strict=True))  # noqa: E731
    assert len(a) == 384 and dot(a, b) > dot(a, c)
