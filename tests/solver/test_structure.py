"""The solver's modules import each other without a circle (code review §4 item 5: the
``engine`` ↔ ``greedy`` circle made the baseline importable only through the engine)."""

from __future__ import annotations

import ast
from pathlib import Path

import solver

ROOT = Path(solver.__file__).parent


def _graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = ("solver", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        # Packages re-export their modules; an edge into a package is not a circle of modules.
        graph[name] = {d for d in deps if d in modules and d != name and not _is_package(d)}
    return graph


def _is_package(name: str) -> bool:
    return (ROOT.parent / name.replace(".", "/") / "__init__.py").exists()


def test_no_solver_module_imports_itself_through_others() -> None:
    graph = _graph()
    assert "solver.greedy" in graph and "solver.term.greedy" in graph
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                circles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert circles == []
    assert "solver.engine" not in graph["solver.greedy"]
    assert "solver.term.engine" not in graph["solver.term.greedy"]
