"""scripts/pip_sources.py hands uv the sources pip is set up with (scripts/install.sh, scripts/lock.sh)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("pip_sources", ROOT / "scripts" / "pip_sources.py")
pip_sources = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_sources)

LISTING = """\
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/pip/constraints.txt'
global.extra-index-url='file:///opt/a/simple file:///opt/b/simple'
global.find-links='/opt/old'
install.find-links='/opt/install'
:env:.find-links='/opt/wheels'
:env:.default-timeout='180'
"""


def test_pip_precedence_environment_over_install_over_global():
    config = pip_sources.read_config(LISTING)
    assert config["find-links"] == "/opt/wheels"
    assert config["extra-index-url"] == "file:///opt/a/simple file:///opt/b/simple"


def test_uv_gets_every_source_and_the_constraints_only_when_resolving():
    config = pip_sources.read_config(LISTING)
    args = pip_sources.uv_arguments(config, constraints=False)
    assert args == [
        "--index-strategy",
        "unsafe-best-match",
        "--find-links",
        "/opt/wheels",
        "--extra-index-url",
        "file:///opt/a/simple",
        "--extra-index-url",
        "file:///opt/b/simple",
    ]
    assert pip_sources.uv_arguments(config, constraints=True)[-2:] == [
        "--constraints",
        "/etc/pip/constraints.txt",
    ]
    index = pip_sources.uv_arguments(
        pip_sources.read_config("global.index-url='https://mirror/simple'\n"), constraints=False
    )
    assert index == ["--index-strategy", "unsafe-best-match", "--index-url", "https://mirror/simple"]


def test_a_machine_without_pip_configuration_gets_uv_defaults():
    assert pip_sources.uv_arguments(pip_sources.read_config(""), constraints=True) == [
        "--index-strategy",
        "unsafe-best-match",
    ]


def test_it_runs_on_this_machine_with_pip_alone():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "pip_sources.py"), "--constraints"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[:2] == ["--index-strategy", "unsafe-best-match"]
    assert len(out) % 2 == 0 and all(flag.startswith("--") for flag in out[::2])
