#!/usr/bin/env bash
# One command from a fresh clone: install, start the embedded PostgreSQL, write the sample
# world, build the whole asset graph through Dagster, and say what was built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/nex db start
.venv/bin/nex sample
.venv/bin/nex dbt prepare
.venv/bin/nex run
