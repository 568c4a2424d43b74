"""Package boundaries, read from the source with `ast` (nothing is imported).

- render/ is an engine: it never imports recipients/, lint/, personalize/, campaign or cli/
  (render/__init__.py says why); what each other package may import is in its __init__.
- Only b2bmail/cli/ imports click: the library never parses options or prints.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "b2bmail"

#: Package (folder or module under src/b2bmail) -> b2bmail modules it may never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "render": (
        "b2bmail.recipients",
        "b2bmail.lint",
        "b2bmail.personalize",
        "b2bmail.campaign",
        "b2bmail.cli",
    ),
    "personalize": ("b2bmail.lint", "b2bmail.preview", "b2bmail.cli"),
    "campaign.py": ("b2bmail.recipients", "b2bmail.preview", "b2bmail.cli"),
    "recipients": (
        "b2bmail.render",
        "b2bmail.lint",
        "b2bmail.personalize",
        "b2bmail.campaign",
        "b2bmail.cli",
    ),
    "preview": ("b2bmail.cli",),
}


def imported_modules(path: Path, src: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, absolute module names) of every import statement in a file, at any depth (lazy
    imports inside functions and `if TYPE_CHECKING:` blocks count too). `from a import b`
    names both `a` and `a.b` (b may be a module: `from b2bmail import lint`)."""
    package = ".".join(("b2bmail", *path.relative_to(src).parent.parts))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the file's package
                base = package.rsplit(".", node.level - 1)[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, [module, *(f"{module}.{alias.name}" for alias in node.names)]


def violations(root: Path, forbidden: tuple[str, ...], src: Path = SRC) -> list[str]:
    """`file:line imports module` for each import statement under `root` (a folder or a file
    of `src`) that names a forbidden module or one inside it."""
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    found = []
    for path in files:
        for line, modules in sorted(imported_modules(path, src)):
            bad = [m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)]
            if bad:
                found.append(f"{path.relative_to(src.parent)}:{line} imports {bad[0]}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_what_it_must_not(package: str) -> None:
    assert violations(SRC / package, FORBIDDEN[package]) == []


def test_only_the_cli_imports_click() -> None:
    found = [
        v
        for path in sorted(SRC.rglob("*.py"))
        if SRC / "cli" not in path.parents
        for v in violations(path, ("click",))
    ]
    assert found == []


def test_a_bad_import_is_caught(tmp_path: Path) -> None:
    # The checker itself, on a render module given a lazy import of the linter, a relative
    # import of recipients, a `from b2bmail import cli` and click.
    fake = tmp_path / "b2bmail"
    (fake / "render").mkdir(parents=True)
    (fake / "render" / "x.py").write_text(
        "import click\n"
        "def f():\n"
        "    from b2bmail.lint.api import lint_email\n"
        "from ..recipients import reader\n"
        "from b2bmail import cli\n"
        "from . import merge\n",
        encoding="utf-8",
    )
    assert violations(fake / "render", FORBIDDEN["render"], fake) == [
        "b2bmail/render/x.py:3 imports b2bmail.lint.api",
        "b2bmail/render/x.py:4 imports b2bmail.recipients",
        "b2bmail/render/x.py:5 imports b2bmail.cli",
    ]
    assert violations(fake / "render" / "x.py", ("click",), fake) == [
        "b2bmail/render/x.py:1 imports click"
    ]
