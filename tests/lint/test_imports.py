"""`b2bmail.lint` has no import cycle: the rules import what a rule is (`lint.rule`), the
registry imports the rules, never the other way round, not even from inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import b2bmail.lint

PACKAGE = "b2bmail.lint"
ROOT = Path(b2bmail.lint.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of `b2bmail.lint` it imports, wherever the import statement is
    (top level, function, `if TYPE_CHECKING:`)."""
    modules = {module_name(path): path for path in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against this module's package
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    origin = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    origin = node.module or ""
                targets.add(origin)
                # `from package import submodule` imports the submodule.
                targets.update(f"{origin}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that ends where it starts, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_find_cycle_finds_a_function_level_cycle() -> None:
    # The shape lint had before: registry imports rules inside a function, rules import registry.
    graph = {"registry": {"rules"}, "rules": {"registry", "document"}, "document": set()}
    assert find_cycle(graph) == ["registry", "rules", "registry"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_every_module_and_the_rules_edges() -> None:
    graph = import_graph()
    assert "b2bmail.lint.rules.a11y" in graph and "b2bmail.lint.document" in graph
    assert "b2bmail.lint.rules" in graph["b2bmail.lint.registry"]
    assert "b2bmail.lint.rule" in graph["b2bmail.lint.rules.a11y"]


def test_lint_has_no_import_cycle() -> None:
    assert find_cycle(import_graph()) is None
