"""A real HTTP server on loopback that speaks the OpenAI protocol, scripted by the test.

It answers ``POST /v1/chat/completions`` (plain, ``tools`` -> ``tool_calls``, ``stream=true`` as SSE)
and ``POST /v1/embeddings``, records every request body, and plays a queue of replies first: normal
answers, HTTP errors (429, 500), hangs past the client's timeout, malformed bodies. With the queue
empty it answers from ``responder`` (default: a valid instance of the requested JSON schema).

    with serve() as server:             # or the `llm_server` / `llm_env` fixtures
        server.enqueue(Reply.error(429), Reply.json({"description": "..."}))
        ...
        assert server.chat_requests and "secret" not in server.all_bodies()
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TEST_MODEL = "nex-test-model"


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[dict] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0
    raw_body: bytes | None = None

    @classmethod
    def json(cls, value: object, **kw) -> Reply:
        return cls(content=json.dumps(value), **kw)

    @classmethod
    def text(cls, content: str, **kw) -> Reply:
        return cls(content=content, **kw)

    @classmethod
    def tool_call(cls, name: str, arguments: dict, **kw) -> Reply:
        return cls(tool_calls=[{"name": name, "arguments": arguments}], **kw)

    @classmethod
    def error(cls, status: int, **kw) -> Reply:
        return cls(status=status, **kw)

    @classmethod
    def hang(cls, seconds: float = 5.0) -> Reply:
        """Answers only after ``seconds``: longer than the client's timeout, so it times out."""
        return cls(content="{}", delay_s=seconds)

    @classmethod
    def malformed(cls) -> Reply:
        """A 200 whose body is not JSON at all."""
        return cls(raw_body=b'{"id": "chatcmpl-broken", "choices": [')


def example_for(schema: dict, root: dict | None = None, name: str = "value") -> object:
    """A small valid instance of a JSON schema (as pydantic writes them), for default answers."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        return example_for(root.get("$defs", {})[ref], root, name)
    for combo in ("anyOf", "oneOf", "allOf"):
        if combo in schema:
            options = [s for s in schema[combo] if s.get("type") != "null"] or schema[combo]
            return example_for(options[0], root, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example_for(v, root, k) for k, v in props.items()}
    if kind == "array":
        return [example_for(schema.get("items", {}), root, name)]
    if kind == "string":
        return f"{name.replace('_', ' ')} written by the test model"
    if kind == "integer":
        return 0
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return False
    return None


def default_responder(body: dict) -> Reply:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return Reply.json(example_for(fmt["json_schema"]["schema"]))
    return Reply.text("ok")


def fake_embedding(text: str, dim: int) -> list[float]:
    """Deterministic unit vectors: equal texts embed equally."""
    seed = hashlib.sha256(text.encode()).digest()
    raw = [((seed[i % 32] ^ (i * 37)) % 255) / 127.0 - 1.0 for i in range(dim)]
    norm = sum(x * x for x in raw) ** 0.5 or 1.0
    return [x / norm for x in raw]


class LLMServer:
    def __init__(self, responder: Callable[[dict], Reply] = default_responder, latency_s: float = 0.0):
        self.responder = responder
        self.latency_s = latency_s
        self.requests: list[tuple[str, dict | None]] = []
        self.raw: list[str] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def chat_requests(self) -> list[dict]:
        return [b for p, b in self.requests if p.endswith("/chat/completions") and b is not None]

    @property
    def embedding_requests(self) -> list[dict]:
        return [b for p, b in self.requests if p.endswith("/embeddings") and b is not None]

    def all_bodies(self) -> str:
        """Every request body as sent, concatenated: what left the machine."""
        with self._lock:
            return "\n".join(self.raw)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.raw.clear()
            self._queue.clear()

    def _next(self, body: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.responder(body)

    def start(self) -> LLMServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                with server._lock:
                    server.requests.append((self.path, body))
                    server.raw.append(raw)
                if body is None:
                    return self._send(400, {"error": {"message": "body is not JSON"}})
                if self.path.endswith("/embeddings"):
                    return self._embeddings(body)
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                reply = server._next(body)
                time.sleep(server.latency_s + reply.delay_s)
                if reply.status != 200:
                    return self._send(reply.status, {"error": {"message": f"scripted {reply.status}"}})
                if reply.raw_body is not None:
                    return self._send_bytes(200, reply.raw_body, "application/json")
                if body.get("stream"):
                    return self._stream(body, reply)
                return self._send(200, _completion(body, reply))

            def _embeddings(self, body: dict):
                time.sleep(server.latency_s)
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                dim = int(body.get("dimensions") or 384)
                data = [
                    {"object": "embedding", "index": i, "embedding": fake_embedding(t, dim)}
                    for i, t in enumerate(texts)
                ]
                tokens = sum(len(str(t).split()) for t in texts)
                self._send(
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": body.get("model"),
                        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                    },
                )

            def _stream(self, body: dict, reply: Reply):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in _chunks(body, reply):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _send(self, status: int, payload: dict):
                self._send_bytes(status, json.dumps(payload).encode(), "application/json")

            def _send_bytes(self, status: int, data: bytes, content_type: str):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (a scripted hang past its timeout).
                    pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


def _usage(body: dict, content: str) -> dict:
    prompt = max(1, len(json.dumps(body.get("messages", []))) // 4)
    completion = max(1, len(content) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _tool_calls(reply: Reply) -> list[dict]:
    return [
        {
            "id": f"call_{i}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
        }
        for i, c in enumerate(reply.tool_calls)
    ]


def _completion(body: dict, reply: Reply) -> dict:
    message: dict = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = _tool_calls(reply)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}
        ],
        "usage": _usage(body, reply.content or json.dumps(reply.tool_calls)),
    }


def _chunks(body: dict, reply: Reply) -> Iterator[dict]:
    base = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body.get("model"),
    }

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    words = (reply.content or "").split(" ")
    for i, word in enumerate(words if reply.content else []):
        yield chunk({"content": word if i == 0 else " " + word})
    for i, call in enumerate(_tool_calls(reply)):
        yield chunk({"tool_calls": [{"index": i, **call}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")


@contextmanager
def serve(responder: Callable[[dict], Reply] = default_responder, latency_s: float = 0.0):
    server = LLMServer(responder, latency_s).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def llm_server() -> Iterator[LLMServer]:
    with serve() as server:
        yield server


@pytest.fixture()
def llm_env(llm_server, monkeypatch) -> LLMServer:
    """The platform's LLM pointed at the loopback server (NEX_LLM_BASE_URL, NEX_LLM_MODEL, a dummy key)."""
    monkeypatch.setenv("NEX_LLM_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("NEX_LLM_MODEL", TEST_MODEL)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-secret")
    monkeypatch.delenv("NEX_EMBEDDING_MODEL", raising=False)
    return llm_server
