"""What the benchmarks that run NEX as a user does share: the `nex` command, timed, and a copy of the
project's people-edited folders to run it in (the checkout's files stay as they are)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEX = str(ROOT / ".venv" / "bin" / "nex")


def nex(*args: str, timeout: float | None = None) -> float:
    """Runs `nex ARGS` from the checkout with this process's environment; its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [NEX, *args], capture_output=True, text=True, env=os.environ, cwd=ROOT, timeout=timeout
    )
    if done.returncode != 0:
        raise SystemExit(f"nex {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def project_copy(base: Path) -> Path:
    """``env.project_folders()`` and the workspace under ``base/project``, where a benchmark writes its
    sample world."""
    from nex_assets.core import env

    project = base / "project"
    for name, folder in env.project_folders().items():
        if folder.is_dir():
            shutil.copytree(folder, project / name, ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copy(ROOT / "workspace.yaml", project / "workspace.yaml")
    return project
