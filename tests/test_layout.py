"""The product's packages have no import loops: every ``import`` in ``hub/`` and
``tutorial_utils/`` (at module level or inside a function) is read with :mod:`ast`, and the
graph of imports between their modules must be acyclic."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "tutorial_utils")


def module_files(root: Path = REPO_ROOT) -> dict[str, Path]:
    """``{"hub.cloud.eks": path, "hub.cloud": path of its __init__.py, ...}``."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The product modules that module ``name`` imports (``from pkg import mod`` counts as the
    module ``pkg.mod`` when that is one, else as ``pkg``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            # `from hub.cloud import eks` imports hub.cloud.eks; `from hub.x import f` hub.x
            targets = [t for t in targets if t in modules][:1] or [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = REPO_ROOT) -> dict[str, set[str]]:
    modules = module_files(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop as ``[a, b, ..., a]``, or ``None`` (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_loop_in_the_product():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import loop: " + " -> ".join(cycle)


@pytest.mark.parametrize(
    "graph, loops",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
        ({"a": {"a.x"}, "a.x": {"a.y"}, "a.y": {"a.x"}}, True),
    ],
)
def test_the_loop_finder_finds_loops(graph, loops):
    assert (find_cycle(graph) is not None) is loops


def test_function_level_and_relative_imports_are_read(tmp_path):
    pkg = tmp_path / "hub"
    (pkg / "cli").mkdir(parents=True)
    (tmp_path / "tutorial_utils").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text("def f():\n    from hub.cli import main\n")
    (pkg / "cli" / "__init__.py").write_text("")
    (pkg / "cli" / "main.py").write_text("from ..settings import f\n")
    graph = import_graph(tmp_path)
    assert graph["hub.settings"] == {"hub.cli.main"}
    assert graph["hub.cli.main"] == {"hub.settings"}
    assert find_cycle(graph) is not None
