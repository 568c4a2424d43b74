"""The library's import boundaries, read from the source with `ast` (nothing is imported).

`MAY_IMPORT` is the table ARCHITECTURE.md shows under "What may import what"; a test keeps the
two equal. Every import statement of every module under src/b2bmail counts, at any depth:
module level, inside a function, under `if TYPE_CHECKING:`. On top of the table: a few
third-party packages belong to one unit each (click to cli/, dnspython to deliverability/dns/,
jinja2 to render/), and the modules import one another without a cycle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "b2bmail"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

#: Unit -> what its modules may import from the rest of b2bmail. A unit is a top-level module,
#: a top-level package, or one of deliverability's four packages (`b2bmail` itself is the root
#: `__init__`, which holds `__version__`). An entry that names a unit grants all of it; one that
#: names a module inside a unit grants that module only (`personalize.tokens`). A unit always
#: may import itself. Listed bottom to top: a unit names only units listed before it.
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "b2bmail": (),
    "i18n": (),
    "errors": (),
    "signals": (),
    "journey": (),
    "salutation": (),
    "mjml_structure": (),
    "languages": ("errors",),
    "config": ("errors", "languages"),
    "output": ("errors", "signals"),
    "segments": ("config", "errors"),
    "render": (
        "config",
        "segments",
        "journey",
        "salutation",
        "mjml_structure",
        "errors",
        "output",
    ),
    "recipients": ("segments", "journey", "errors", "output"),
    "lint": ("b2bmail", "mjml_structure", "errors", "output"),
    "deliverability": (),
    "deliverability.dns": ("errors",),
    "deliverability.records": ("deliverability.dns.answers", "errors"),
    "deliverability.audit": (
        "deliverability.dns",
        "deliverability.records",
        "recipients",
        "config",
        "errors",
        "output",
    ),
    "deliverability.sender": ("deliverability.dns", "deliverability.records", "config", "errors"),
    "campaign": (
        "render",
        "lint",
        "personalize.tokens",
        "salutation",
        "config",
        "segments",
        "errors",
        "output",
    ),
    "personalize": (
        "campaign",
        "render",
        "recipients",
        "journey",
        "salutation",
        "config",
        "segments",
        "errors",
        "output",
    ),
    "starter": ("languages", "render", "errors", "output"),
    "preview": (
        "campaign",
        "deliverability.audit",
        "recipients",
        "segments",
        "config",
        "errors",
        "output",
    ),
    "unsubscribe": ("personalize.tokens", "recipients", "config", "errors", "output"),
    "send": (
        "personalize",
        "deliverability.audit",
        "deliverability.sender",
        "deliverability.dns",
        "config",
        "errors",
        "output",
    ),
    "export": (
        "campaign",
        "personalize",
        "render",
        "recipients",
        "journey",
        "salutation",
        "segments",
        "config",
        "errors",
        "output",
    ),
    "cli": (
        "b2bmail",
        "campaign",
        "personalize",
        "export",
        "preview",
        "unsubscribe",
        "send",
        "starter",
        "languages",
        "deliverability.audit",
        "deliverability.sender",
        "deliverability.records",
        "deliverability.dns",
        "lint",
        "recipients",
        "render",
        "segments",
        "config",
        "journey",
        "output",
        "signals",
        "errors",
    ),
    "__main__": ("cli",),
}

#: Units every unit may import: messages are translated where they are written, so the
#: translation lookup (which imports nothing from b2bmail) sits below everything.
EVERY_UNIT_MAY_IMPORT = ("i18n",)

#: Third-party package -> the only units that may import it.
OWNED_BY: dict[str, tuple[str, ...]] = {
    "click": ("cli",),  # the library never parses options or prints
    "dns": ("deliverability.dns",),  # dnspython: everything else speaks in `Answer`s
    "jinja2": ("render",),  # recipient data is merged into compiled output, never templated
}


def module_name(path: Path, src: Path = SRC) -> str:
    """`b2bmail.render.mime` for src/b2bmail/render/mime.py; a package is its `__init__`."""
    parts = path.relative_to(src.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """The row of `MAY_IMPORT` a b2bmail module belongs to."""
    parts = module.split(".")[1:]
    if not parts:
        return "b2bmail"
    if parts[0] == "deliverability" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


@dataclass(frozen=True)
class Import:
    """One module an import statement loads: `b2bmail.…` (resolved against the modules that
    exist: `from b2bmail import lint` loads b2bmail.lint, `from b2bmail import __version__`
    loads b2bmail) or a third-party top-level name."""

    line: int
    module: str


def imports(path: Path, known: set[str], src: Path = SRC) -> Iterator[Import]:
    """Every module each import statement in `path` loads (see `Import`)."""
    name = module_name(path, src)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, _known_prefix(alias.name, known))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                target = f"{origin}.{alias.name}"
                module = target if target in known else _known_prefix(origin, known)
                yield Import(node.lineno, module)


def _known_prefix(module: str, known: set[str]) -> str:
    """The longest b2bmail module `module` names, or its top-level name if it is not b2bmail's."""
    parts = module.split(".")
    if parts[0] != "b2bmail":
        return parts[0]
    while len(parts) > 1 and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts)


def library(src: Path = SRC) -> dict[str, Path]:
    """Module name -> file, for every module under `src`."""
    return {module_name(path, src): path for path in sorted(src.rglob("*.py"))}


def entry_module(entry: str) -> str:
    """The module an entry of `MAY_IMPORT` names (`b2bmail` is the root package)."""
    return "b2bmail" if entry == "b2bmail" else f"b2bmail.{entry}"


def _grants(entry: str, module: str) -> bool:
    full = entry_module(entry)
    return module == full or (entry != "b2bmail" and module.startswith(full + "."))


def boundary_violations(src: Path = SRC) -> list[str]:
    """`file:line: unit imports module` for every import the table or `OWNED_BY` forbids."""
    modules = library(src)
    found = []
    for name, path in modules.items():
        unit = unit_of(name)
        for imp in sorted(imports(path, set(modules), src), key=lambda i: i.line):
            if imp.module.split(".")[0] == "b2bmail":
                target = unit_of(imp.module)
                allowed = (*MAY_IMPORT[unit], *EVERY_UNIT_MAY_IMPORT)
                if target == unit or any(_grants(e, imp.module) for e in allowed):
                    continue
            elif imp.module not in OWNED_BY or unit in OWNED_BY[imp.module]:
                continue
            found.append(f"{path.relative_to(src.parent)}:{imp.line}: {unit} imports {imp.module}")
    return found


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the b2bmail modules it imports, wherever the statement is (top level, function,
    `if TYPE_CHECKING:`), with the packages above each (their `__init__` runs first)."""
    modules = library(src)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        # The packages above `name` are already importing when it runs: no edge to them.
        running = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
        targets: set[str] = set()
        for imp in imports(path, set(modules), src):
            parts = imp.module.split(".")
            if parts[0] == "b2bmail":
                targets.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        graph[name] = {t for t in targets - running if t in modules}
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


def architecture_table(text: str) -> dict[str, tuple[str, ...]]:
    """The rows of ARCHITECTURE.md's "What may import what" table: unit -> may import."""
    section = text.split("## What may import what", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (unit := re.fullmatch(r"`([\w.]+)`", cells[1])):
            rows[unit.group(1)] = tuple(re.findall(r"`([\w.]+)`", cells[2]))
    return rows


def test_every_import_keeps_to_the_table() -> None:
    assert boundary_violations() == []


def test_the_modules_import_each_other_without_a_cycle() -> None:
    # Counting lazy and TYPE_CHECKING imports too: a cycle hidden in a function is still one.
    assert find_cycle(import_graph()) is None


def test_the_table_is_a_layering() -> None:
    # Each unit names only units listed before it, so the allowed directions have no cycle,
    # and every unit of the source has a row (a new package has to be placed). An entry may
    # name one module of a later unit (campaign -> personalize.tokens) when that module imports
    # nothing but what lies below the importer: it sits below in fact, wherever its folder is.
    order, modules = list(MAY_IMPORT), library()
    assert all(MAY_IMPORT[unit] == () for unit in EVERY_UNIT_MAY_IMPORT)
    for position, unit in enumerate(order):
        below = set(order[:position])
        for entry in MAY_IMPORT[unit]:
            target = entry_module(entry)
            if unit_of(target) in below:
                continue
            assert entry != unit_of(target) and target in modules, f"{unit} -> {entry}"
            found = imports(modules[target], set(modules))
            reached = {unit_of(i.module) for i in found if i.module.split(".")[0] == "b2bmail"}
            assert reached <= below, f"{unit} -> {entry} -> {reached}"
    assert {unit_of(name) for name in library()} == set(MAY_IMPORT)


def test_architecture_md_shows_the_same_table() -> None:
    table = architecture_table(ARCHITECTURE.read_text(encoding="utf-8"))
    assert {u: set(e) for u, e in table.items()} == {u: set(e) for u, e in MAY_IMPORT.items()}


def test_architecture_md_names_every_package_and_top_level_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    packages = [f"{p.parent.relative_to(SRC).as_posix()}/" for p in SRC.rglob("__init__.py")]
    names = [*(p for p in packages if p != "./"), *(p.name for p in SRC.glob("*.py"))]
    assert [n for n in sorted(names) if f"`{n}`" not in text] == []


def test_the_checker_reads_the_real_imports() -> None:
    # Guards against a checker that passes because it reads nothing.
    found = {imp.module for imp in imports(SRC / "campaign.py", set(library()))}
    assert {"b2bmail.render.mime", "b2bmail.lint.api", "hashlib"} <= found  # lint.api is lazy
    resolver = SRC / "deliverability" / "dns" / "resolver.py"
    assert "dns" in {imp.module for imp in imports(resolver, set(library()))}
    graph = import_graph()
    assert "b2bmail.lint.rules" in graph["b2bmail.lint.registry"]
    assert "b2bmail.lint.rule" in graph["b2bmail.lint.rules.a11y"]
    assert "b2bmail.personalize" in graph["b2bmail.campaign"]  # the package runs first


BAD_IMPORTS = [
    (
        "render/x.py",
        "def f():\n    from b2bmail.lint.api import lint_email\n",
        "render",
        "lint.api",
    ),
    ("render/x.py", "from ..recipients import reader\n", "render", "recipients.reader"),
    ("render/x.py", "from b2bmail import cli\n", "render", "cli"),
    ("render/x.py", "import click\n", "render", "click"),
    ("personalize/x.py", "import jinja2\n", "personalize", "jinja2"),
    (
        "lint/x.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import b2bmail.render\n",
        "lint",
        "render",
    ),
    (
        "campaign.py",
        "from b2bmail.personalize.build import Personalizer\n",
        "campaign",
        "personalize.build",
    ),
    (
        "deliverability/records/x.py",
        "from b2bmail.deliverability.dns.resolver import R\n",
        "deliverability.records",
        "deliverability.dns.resolver",
    ),
    (
        "deliverability/records/x.py",
        "from b2bmail.deliverability import audit\n",
        "deliverability.records",
        "deliverability.audit",
    ),
    ("deliverability/audit/x.py", "import dns.resolver\n", "deliverability.audit", "dns"),
    ("deliverability/records/x.py", "from dns import name\n", "deliverability.records", "dns"),
    (
        "deliverability/sender/x.py",
        "from ..audit import mx\n",
        "deliverability.sender",
        "deliverability.audit.mx",
    ),
    (
        "deliverability/dns/x.py",
        "from ..records.spf import parse_spf\n",
        "deliverability.dns",
        "deliverability.records.spf",
    ),
]


def _fake_library(tmp_path: Path) -> Path:
    """A tiny b2bmail tree whose imports all keep to the table."""
    src = tmp_path / "b2bmail"
    files = {
        "__init__.py": "",
        "errors.py": "",
        "campaign.py": "from b2bmail.personalize.tokens import message_id\n",
        "render/__init__.py": "",
        "render/mime.py": "import jinja2\nfrom b2bmail.errors import B2bmailError\n",
        "lint/__init__.py": "",
        "lint/api.py": "",
        "cli/__init__.py": "import click\nfrom b2bmail.campaign import x\n",
        "recipients/__init__.py": "",
        "recipients/reader.py": "",
        "personalize/__init__.py": "",
        "personalize/tokens.py": "",
        "personalize/build.py": "from b2bmail import campaign\n",
        "deliverability/__init__.py": "",
        "deliverability/dns/__init__.py": "",
        "deliverability/dns/answers.py": "",
        "deliverability/dns/resolver.py": "import dns.asyncquery\n",
        "deliverability/records/__init__.py": "",
        "deliverability/records/spf/__init__.py": (
            "from b2bmail.deliverability.dns.answers import Lookup\n"
        ),
        "deliverability/audit/__init__.py": "",
        "deliverability/audit/mx.py": "from ..records import spf\n",
        "deliverability/sender/__init__.py": "",
    }
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text, encoding="utf-8")
    return src


@pytest.mark.parametrize(
    ("file", "source", "unit", "module"),
    BAD_IMPORTS,
    ids=[f"{unit}-imports-{module}" for _, _, unit, module in BAD_IMPORTS],
)
def test_a_bad_import_is_caught(
    tmp_path: Path, file: str, source: str, unit: str, module: str
) -> None:
    src = _fake_library(tmp_path)
    assert boundary_violations(src) == []  # the allowed imports pass
    target = src / file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source, encoding="utf-8")
    [problem] = boundary_violations(src)
    full = module if module in OWNED_BY else f"b2bmail.{module}"
    assert problem == f"b2bmail/{file}:{source.count(chr(10))}: {unit} imports {full}"


def test_find_cycle_finds_a_cycle_through_a_package() -> None:
    # campaign -> personalize.tokens runs personalize/__init__ first: were it to import build
    # (which imports campaign), that would be a cycle.
    graph = {
        "campaign": {"personalize", "personalize.tokens"},
        "personalize": {"personalize.build"},
        "personalize.build": {"campaign"},
        "personalize.tokens": set(),
    }
    assert find_cycle(graph) == ["campaign", "personalize", "personalize.build", "campaign"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
