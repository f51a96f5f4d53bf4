"""The local LLM server process: llama.cpp's OpenAI-compatible HTTP server (from ``xllamacpp``) on
127.0.0.1, on a port the system picks, with a key made for this run.

Started detached by ``nex_assets.llm.server.start`` as a script (``python -P <this file>``), so it
imports only the standard library and xllamacpp, not NEX and Dagster. Once the model is loaded it
writes the state file (pid, port, key, model; readable by its owner only) that every NEX process
reads to join it, and it serves until SIGTERM or SIGINT, then removes that file.
"""

import argparse
import json
import os
import secrets
import signal
import sys
import time

STOP = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    for name in ("--model-file", "--name", "--sha256", "--state"):
        p.add_argument(name, required=True)
    for name in ("--context", "--threads", "--max-tokens"):
        p.add_argument(name, type=int, required=True)
    args = p.parse_args(argv)

    # Blocked before llama.cpp starts its threads, so they inherit the mask and only sigwait sees them.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP)
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model_file
    params.model_alias = {args.name}
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.n_ctx = args.context
    params.n_parallel = 1
    params.n_predict = args.max_tokens
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    # Threads sleep instead of spinning while they wait: Dagster steps share the same cores, and
    # spinning threads that lose their core made generation several times slower.
    params.cpuparams.poll = 0
    params.cpuparams_batch.poll = 0
    key = secrets.token_urlsafe(24)
    params.api_keys = [key]
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as exc:
        # llama.cpp has logged why above; the starter shows the end of this log.
        print(f"could not serve {args.model_file}: {exc}", flush=True)
        return 1
    address = server.listening_address
    state = {
        "pid": os.getpid(),
        "base_url": f"{address}/v1",
        "port": int(address.rsplit(":", 1)[1]),
        "api_key": key,
        "model": args.name,
        "file": args.model_file,
        "sha256": args.sha256,
        "context": args.context,
        "threads": args.threads,
        "max_tokens": args.max_tokens,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    tmp = f"{args.state}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, args.state)
    print(f"serving {args.name} on {address}", flush=True)

    signal.sigwait(STOP)
    try:
        with open(args.state) as f:
            mine = json.load(f).get("pid") == os.getpid()
    except (OSError, ValueError):
        mine = False
    if mine:
        os.unlink(args.state)
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
