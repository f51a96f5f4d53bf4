"""The layout holds: each domain's pure logic (``<domain>/logic``) and the shared helpers
(``common``) import no Dagster, database driver or MLflow and nothing of the package outside pure
code, and no module imports another that imports it back, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nex_assets"
IMPURE = (
    "dagster",
    "dagster_dbt",
    "dagster_postgres",
    "psycopg",
    "psycopg2",
    "sqlalchemy",
    "mlflow",
    "pgserver",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement is (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found


GRAPH = {name: {m for m in imports(path) if m in MODULES} for name, path in MODULES.items()}


PURE = sorted(n for n in MODULES if n.startswith("nex_assets.common") or ".logic" in n)


def test_there_is_pure_logic_in_every_domain_that_computes():
    domains = {n.split(".")[1] for n in PURE if ".logic" in n}
    assert {"datasets", "quality", "dictionary", "synthetic", "ml", "monitoring", "chat"} <= domains


@pytest.mark.parametrize("name", PURE)
def test_pure_logic_imports_no_dagster_driver_mlflow_or_impure_module(name):
    bad = sorted(
        m
        for m in imports(MODULES[name])
        if m.split(".")[0] in IMPURE
        or (m in MODULES and not (m.startswith("nex_assets.common") or ".logic" in m))
    )
    assert not bad, f"{name} imports {bad}"


def test_no_import_cycles():
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = [0]

    def visit(node: str) -> None:
        # Tarjan's strongly connected components, iteratively deep enough for this package.
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in GRAPH[node]:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"
