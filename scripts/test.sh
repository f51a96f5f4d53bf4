#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install, lint, prepare the dbt manifest, pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1
# Studio's browser tests drive Debian's chromium through chromium-driver (OS packages, tests/studio).
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver \
    >/dev/null || { echo "could not install chromium and chromium-driver (apt-get)" >&2; exit 1; }
fi
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
.venv/bin/nex dbt prepare || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a broken suite, not a pass" >&2
  exit 1
fi
exit "$rc"
