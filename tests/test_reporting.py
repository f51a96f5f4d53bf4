"""A failing test reaches the log with its reason even when CPython 3.11's AST state is thrown off while
pytest draws the report (tests/reporting.py): a finalizer that parses, run by the collector in the middle
of pytest's own parse of the failing module, is the deterministic form of what another thread does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAILING = '''import ast
import gc

{pad}


class Reparse:
    """Freed by the collector (a cycle); parses when finalized, from a stack depth that changes each
    time (the state is thrown off unless the depths happen to agree), and leaves another one behind."""

    def __del__(self):
        DEPTH[0] = (DEPTH[0] + 1) % 7
        nested(DEPTH[0])
        arm()


DEPTH = [0]


def nested(n):
    return ast.parse("f(x)") if n == 0 else nested(n - 1)


def arm():
    r = Reparse()
    r.me = r


def test_fails():
    arm()
    gc.set_threshold(5)
    assert 1 + 1 == 3, "the reason CI must show"
'''


def _run(folder: Path, *plugin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, "test_fails.py"],
        cwd=folder,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_failure_is_reported_when_the_ast_state_is_thrown_off(tmp_path):
    # A long module keeps pytest's parse of it running across many collections.
    pad = "\n".join(f"PAD_{i} = [{i}, ({i}, {{'k': {i}}})]" for i in range(3000))
    (tmp_path / "test_fails.py").write_text(FAILING.format(pad=pad))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")

    reported = _run(tmp_path, "-p", "tests.reporting")
    out = reported.stdout + reported.stderr
    assert reported.returncode == 1, out
    assert "INTERNALERROR" not in out
    assert "1 failed" in out and "the reason CI must show" in out and "test_fails.py" in out

    if sys.version_info[:2] == (3, 11):
        # Without it, pytest itself crashes on this module: the reproduction is the real thing.
        bare = _run(tmp_path)
        assert (
            bare.returncode == 3 and "AST constructor recursion depth mismatch" in bare.stdout + bare.stderr
        )
