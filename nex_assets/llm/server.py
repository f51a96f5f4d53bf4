"""The local LLM server's lifecycle, shaped like the embedded database's.

``start`` checks the model file's hash, then starts ``_serve.py`` detached (its own session, so a short
command that starts it does not take it down under a long one) on 127.0.0.1 with a port the system
picks. The server writes ``<NEX home>/llm/server.json`` (pid, port, a key made for this run, model) once
the model is loaded; every process joins it by reading that file. A lock file serialises starts, so
parallel Dagster steps that all need the model start it once. ``stop`` (``nex llm stop``) is the only
thing that stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nex_assets.llm import models
from nex_assets.llm.logic.local import threads as resolve_threads
from nex_assets.llm.logic.local import tokens_per_second
from nex_assets.llm.settings import LLMSettings

SERVE = Path(__file__).with_name("_serve.py")
SPEED_PROMPT = "Count from 1 to 300, separated by spaces."


class ServerError(RuntimeError):
    """The local server could not be started or reached; the message says why."""


@dataclass(frozen=True)
class Running:
    pid: int
    base_url: str
    port: int
    api_key: str
    model: str
    file: str
    sha256: str
    context: int
    threads: int
    max_tokens: int
    started_at: str


def state_path() -> Path:
    return models.llm_home() / "server.json"


def log_path() -> Path:
    return models.llm_home() / "server.log"


def running() -> Running | None:
    """The server recorded in NEX's home if its process is alive and is that server."""
    import psutil

    try:
        state = json.loads(state_path().read_text())
        found = Running(**{k: state[k] for k in Running.__dataclass_fields__})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    try:
        proc = psutil.Process(found.pid)
        alive = proc.status() != psutil.STATUS_ZOMBIE and str(SERVE.name) in " ".join(proc.cmdline())
    except psutil.Error:
        alive = False
    return found if alive else None


@contextlib.contextmanager
def _start_lock() -> Iterator[None]:
    models.llm_home().mkdir(parents=True, exist_ok=True)
    with (models.llm_home() / "server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def start(settings: LLMSettings, name: str | None = None) -> tuple[Running, bool]:
    """Starts the local server on model ``name`` (default: the configured one) unless one runs;
    returns it and whether this call started it. The model file is hashed before every start."""
    with _start_lock():
        found = running()
        if found is not None:
            if name and found.model != name:
                raise ServerError(f"the local server runs {found.model}; stop it first (nex llm stop)")
            return found, False
        name, model = models.spec(settings, name)
        try:
            record = models.verify(name, model)
        except models.ModelError as exc:
            raise ServerError(str(exc)) from exc
        state_path().unlink(missing_ok=True)
        n_threads = resolve_threads(model.threads, len(os.sched_getaffinity(0)))
        cmd = [
            sys.executable,
            "-P",
            str(SERVE),
            *("--model-file", record.file, "--name", name, "--sha256", record.sha256),
            *("--state", str(state_path()), "--context", str(model.context)),
            *("--threads", str(n_threads), "--max-tokens", str(model.max_tokens)),
        ]
        # llama.cpp's OpenMP threads sleep rather than spin between tasks (see _serve.py's poll).
        child_env = {"OMP_WAIT_POLICY": "passive", **os.environ}
        with log_path().open("w") as log:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=models.llm_home(),
                env=child_env,
                start_new_session=True,
            )
        return _wait_ready(proc, settings.local.start_timeout_s), True


def _wait_ready(proc: subprocess.Popen, timeout_s: float) -> Running:
    deadline = time.monotonic() + timeout_s
    while True:
        found = running()
        if found is not None and found.pid == proc.pid:
            return found
        code = proc.poll()
        if code is not None:
            raise ServerError(f"the local server exited with code {code} while starting:\n{_log_tail()}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise ServerError(f"the local server did not start within {timeout_s:.0f} s:\n{_log_tail()}")
        time.sleep(0.1)


def _log_tail(lines: int = 15) -> str:
    try:
        text = log_path().read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def stop(timeout_s: float = 30.0) -> bool:
    """Stops the local server; returns False when none was running."""
    import psutil

    found = running()
    if found is None:
        state_path().unlink(missing_ok=True)
        return False
    proc = psutil.Process(found.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout_s)
    except psutil.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    state_path().unlink(missing_ok=True)
    return True


def ensure(settings: LLMSettings) -> Running:
    """The running server, or the configured model started now (commands and assets call this on
    their first request, the way they start the embedded database)."""
    return start(settings)[0]


@dataclass(frozen=True)
class Speed:
    tokens_per_s: float
    tokens: int
    wall_s: float


def measure_speed(server: Running, tokens: int = 32, timeout_s: float = 120.0) -> Speed:
    """Generation speed of one short completion (``ignore_eos``: exactly ``tokens`` tokens)."""
    import httpx

    body = {
        "model": server.model,
        "messages": [{"role": "user", "content": SPEED_PROMPT}],
        "max_tokens": tokens,
        "temperature": 0,
        "ignore_eos": True,
    }
    began = time.monotonic()
    try:
        response = httpx.post(
            f"{server.base_url}/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {server.api_key}"},
            timeout=timeout_s,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ServerError(f"the local server did not answer: {exc}") from exc
    wall = time.monotonic() - began
    answer = response.json()
    generated = int((answer.get("usage") or {}).get("completion_tokens") or 0)
    return Speed(round(tokens_per_second(answer, wall), 1), generated, round(wall, 2))
