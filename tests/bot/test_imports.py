"""The import rules of bot/__init__.py, checked on the source with `ast` (nothing is imported)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "generator", "storage")
ADAPTERS = ("bot.discord", "bot.line", "bot.web")
ASSEMBLY = "bot.serve"  # the one module that puts the bot together


def module_names() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _typing_only(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:`: imports there never run."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_that_run(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import outside `if TYPE_CHECKING:`, those inside functions included (they run too)."""
    waiting = list(ast.iter_child_nodes(tree))
    while waiting:
        node = waiting.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif _typing_only(node):
            assert isinstance(node, ast.If)
            waiting.extend(node.orelse)
        else:
            waiting.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (with their packages, whose __init__ runs too)."""
    modules = module_names()

    def ours(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in imports_that_run(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            else:
                assert node.level == 0, f"{name}: relative import"
                base = node.module or ""
                targets.update(f"{base}.{alias.name}" for alias in node.names)
                targets.add(base)
        edges = set()
        for target in filter(None, map(ours, targets)):
            parts = target.split(".")
            edges.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
        graph[name] = {edge for edge in edges if edge in modules and edge != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while (member := stack.pop()) != module:
                group.append(member)
            if group:
                found.append(sorted([module, *group]))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_one_that_imports_it_back():
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_an_import_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_never_imports_an_adapter_only_serve_puts_them_together():
    def is_adapter(module: str) -> bool:
        return module.startswith(tuple(f"{adapter}." for adapter in ADAPTERS)) or module in ADAPTERS

    importers = {
        module
        for module, imported in import_graph().items()
        if not is_adapter(module) and any(map(is_adapter, imported))
    }
    assert importers == {ASSEMBLY}


def test_the_service_is_imported_without_torch():
    """A serving process (or a NATS front-end) needs no torch: only the generator process does."""
    check = "import bot.service, sys; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", check], check=True, cwd=ROOT)
