"""The import graph of src/gongbao: no cycle, and no import pointing up the layers.

Read from the source with ``ast`` (nothing is imported): every ``import``/``from … import``
of a gongbao module, at module level, inside a function or under ``if TYPE_CHECKING:``
(an annotation is a dependency too). A new top-level module or package must be given its layer here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "gongbao"

# Low to high: a module may import its own layer or a lower one.
LAYERS: list[set[str]] = [
    {"gongbao", "model", "errors", "text", "labels", "layout", "budget", "pagemeta", "atom"},
    {"gazetteer", "decode", "grammar"},
    {"formats"},
    {"extract"},
    {"pipeline", "completeness", "report"},
    {"export"},
    {"search"},
    {"store"},
    {"views", "browse", "ingest", "ingest_worker", "evaluate", "serving"},
    {"api", "web"},
    {"http", "cli"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# Siblings that must not know each other.
APART = [("api", "web")]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str) -> str:
    """The module a dotted name refers to: itself if a module or package, else its parent
    (``from gongbao.store import open_store`` imports gongbao.store)."""
    while name.count("."):
        rel = Path(*name.split(".")[1:])
        if (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists():
            return name
        name = name.rsplit(".", 1)[0]
    return name


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets |= {_resolve(alias.name) for alias in node.names if alias.name.split(".")[0] == "gongbao"}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                elif (node.module or "").split(".")[0] == "gongbao":
                    source = node.module
                else:
                    continue
                # `from . import x` names a submodule x when there is one
                targets |= {_resolve(f"{source}.{alias.name}") for alias in node.names}
        graph[module] = targets - {module}
    return graph


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


GRAPH = imports()


def test_every_module_has_a_layer():
    assert sorted({top(m) for m in GRAPH} - RANK.keys()) == []


def test_no_import_points_up():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                    if RANK.get(top(b), 0) > RANK.get(top(a), 0))
    assert upward == []


@pytest.mark.parametrize("one, other", APART)
def test_siblings_stay_apart(one, other):
    crossing = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                      if {top(a), top(b)} == {one, other})
    assert crossing == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    assert cycles(GRAPH) == []


def test_the_checks_can_fail():
    """The graph reader sees real edges (the stores implement search's backend interface, the
    HTTP app mounts the API), and the cycle finder finds a cycle."""
    assert "gongbao.search.backend" in GRAPH["gongbao.store.sqlite_search"]
    assert any(top(b) == "api" for b in GRAPH["gongbao.http.app"])
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
