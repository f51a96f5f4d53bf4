"""NEX Studio's speed on a built platform (run `bash scripts/up.sh` first, or point NEX_HOME at a home
whose main job has run): the server time (its Server-Timing header) of the dataset page and of the
explorer's table page, p50/p95 over repeated requests (goal: p95 <= 300 ms), and the time to the first
streamed token of an answer against a loopback OpenAI-protocol server, less that server's own time to
its first token measured directly (goal: <= 100 ms over it). Studio runs as `nex studio` does, in a
process of its own. The last line is one JSON object.

    .venv/bin/python benchmarks/studio.py [--requests 50] [--dataset retail_sales] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE_GOAL_MS = 300
TOKEN_GOAL_MS = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def server_ms(response: httpx.Response) -> float:
    return float(response.headers["server-timing"].split("dur=")[1])


def page_times(client: httpx.Client, path: str, n: int) -> dict:
    for _ in range(3):  # warm: the first request opens the page's connections and templates
        client.get(path).raise_for_status()
    server, total = [], []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        total.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        server.append(server_ms(response))
    return {
        "path": path,
        "requests": n,
        "server_p50_ms": round(pct(server, 0.5), 1),
        "server_p95_ms": round(pct(server, 0.95), 1),
        "client_p95_ms": round(pct(total, 0.95), 1),
    }


def first_token_ms(client: httpx.Client, url: str, payload: dict, headers: dict) -> float:
    started = time.perf_counter()
    with client.stream("POST", url, json=payload, headers=headers) as response:
        response.raise_for_status()
        lines = response.iter_lines()
        for line in lines:
            if not line:
                continue
            event = json.loads(line)
            if event.get("type") in {"text", "error"}:
                if event["type"] == "error":
                    raise SystemExit(f"the answer failed: {event['error']}")
                elapsed = (time.perf_counter() - started) * 1000
                for _ in lines:  # read to the end, so the conversation is complete
                    pass
                return elapsed
    raise SystemExit("the answer streamed no text")


def direct_first_token_ms(base_url: str, model: str) -> float:
    """The loopback server's own time to its first streamed token, asked directly."""
    started = time.perf_counter()
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    first = None
    with httpx.stream("POST", f"{base_url}/chat/completions", json=body, timeout=60) as response:
        for line in response.iter_lines():  # to the end, as Studio's client reads it
            if first is None and '"content": "' in line and '"content": ""' not in line:
                first = (time.perf_counter() - started) * 1000
    if first is None:
        raise SystemExit("the loopback server streamed no token")
    return first


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--asks", type=int, default=10)
    parser.add_argument("--dataset", default="retail_sales")
    parser.add_argument("--latency", type=float, default=0.2, help="the loopback server's own latency (s)")
    args = parser.parse_args()

    from tests.llm_server import TEST_MODEL, Reply, serve

    port = free_port()
    with serve(
        lambda body: Reply.text("Sales rose by a tenth over the year."), latency_s=args.latency
    ) as llm:
        environ = {
            **os.environ,
            "NEX_LLM_BASE_URL": llm.base_url,
            "NEX_LLM_MODEL": TEST_MODEL,
            "OPENAI_API_KEY": "benchmark-key-not-secret",
        }
        studio = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "nex"), "studio", "--port", str(port)],
            env=environ,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        client.get("/favicon.ico")
                        break
                    except httpx.TransportError:
                        if studio.poll() is not None or time.monotonic() > deadline:
                            raise SystemExit(f"nex studio did not start:\n{studio.stderr.read()}") from None
                        time.sleep(0.2)
                home = client.get("/")
                home.raise_for_status()
                if f"/datasets/{args.dataset}" not in home.text:
                    raise SystemExit(f"no dataset {args.dataset} here: run `bash scripts/up.sh` first")
                pages = [
                    page_times(client, f"/datasets/{args.dataset}", args.requests),
                    page_times(client, f"/explore/raw/{args.dataset}", args.requests),
                ]
                headers = {"x-csrf-token": client.cookies["nex_csrf"]}
                payload = {"question": "how did sales change over the year?"}
                first_token_ms(client, "/ask/stream", payload, headers)  # warm: loads the embedder
                studio_ms = [
                    first_token_ms(client, "/ask/stream", payload, headers) for _ in range(args.asks)
                ]
                direct_ms = [direct_first_token_ms(llm.base_url, TEST_MODEL) for _ in range(args.asks)]
        finally:
            studio.terminate()
            studio.wait(timeout=30)
    token = {
        "asks": args.asks,
        "server_latency_ms": round(args.latency * 1000, 1),
        "direct_first_token_p50_ms": round(statistics.median(direct_ms), 1),
        "studio_first_token_p50_ms": round(statistics.median(studio_ms), 1),
        "studio_first_token_p95_ms": round(pct(studio_ms, 0.95), 1),
        "overhead_p50_ms": round(statistics.median(studio_ms) - statistics.median(direct_ms), 1),
        "overhead_p95_ms": round(pct(studio_ms, 0.95) - statistics.median(direct_ms), 1),
    }
    for p in pages:
        print(f"{p['path']:<32} server p50 {p['server_p50_ms']:>6} ms  p95 {p['server_p95_ms']:>6} ms")
    print(
        f"first token: {token['studio_first_token_p50_ms']} ms through Studio, "
        f"{token['direct_first_token_p50_ms']} ms from the server directly: "
        f"{token['overhead_p50_ms']} ms over it (p95 {token['overhead_p95_ms']} ms)"
    )
    result = {
        "benchmark": "studio",
        "pages": pages,
        "first_token": token,
        "goals": {
            "page_p95_ms": PAGE_GOAL_MS,
            "page_goal_met": all(p["server_p95_ms"] <= PAGE_GOAL_MS for p in pages),
            "first_token_overhead_ms": TOKEN_GOAL_MS,
            "first_token_goal_met": token["overhead_p95_ms"] <= TOKEN_GOAL_MS,
        },
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
