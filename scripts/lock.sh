#!/usr/bin/env bash
# Re-resolves the lock from pyproject.toml. Run it after changing a dependency there (arguments go to
# uv, e.g. --upgrade-package NAME or --upgrade; without them every pin already in the lock is kept
# where it still fits), then the whole suite on a fresh install, and commit pyproject.toml with both files:
#   requirements.lock      the project's packages and its dev tools, direct and transitive, each at one
#                          version with the hashes of its files
#   requirements-llm.lock  the default local model's wheels (the llm-default extra; they have no dependencies)
# The lock is for the interpreter scripts/install.sh uses (Python 3.11 on Linux x86-64), resolved from
# the sources pip is set up with on this machine (scripts/pip_sources.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
UV=.venv/bin/uv
if [ ! -x "$UV" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$PY" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install --quiet "uv==0.13.*"
  UV=$tmp/venv/bin/uv
fi
mapfile -t SOURCES < <("$PY" scripts/pip_sources.py --constraints)
common=("${SOURCES[@]}" --python "$PY" --generate-hashes --custom-compile-command "bash scripts/lock.sh" --quiet "$@")
"$UV" pip compile pyproject.toml --extra dev --excludes scripts/lock-excludes.txt "${common[@]}" \
  -o requirements.lock
"$PY" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["llm-default"]))' \
  | "$UV" pip compile - --no-deps --no-annotate "${common[@]}" -o requirements-llm.lock
for lock in requirements.lock requirements-llm.lock; do
  echo "$lock: $(grep -c '^[A-Za-z0-9]' "$lock") packages"
done
