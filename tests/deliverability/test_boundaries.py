"""The import boundaries of src/b2bmail/deliverability/, read from the source with `ast`.

The package docstrings promise them (deliverability/__init__.py): only dns/ imports dnspython,
imports point one way (dns <- records <- audit, sender) and audit/ and sender/ stay apart.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import b2bmail.deliverability

ROOT = Path(b2bmail.deliverability.__file__).parent
PKG = "b2bmail.deliverability"

# package -> the packages of deliverability/ it must never import
FORBIDDEN = {
    "dns": ("records", "audit", "sender"),
    "records": ("audit", "sender"),
    "audit": ("sender",),
    "sender": ("audit",),
}
# records/ finds records through the `Lookup` protocol: from dns/ it needs answers.py alone
RECORDS_MAY_USE_FROM_DNS = (f"{PKG}.dns.answers",)


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, tuple[str, ...]]]:
    """For every import statement in `path`, at any depth (function-level and TYPE_CHECKING
    imports count too): its line and the absolute module names it may bind. Relative imports
    are resolved against `root`; `from p import x` gives both p and p.x (x may be a module)."""
    package = [PKG, *path.relative_to(root).parent.parts]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, (alias.name,)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, (module, *(f"{module}.{alias.name}" for alias in node.names))


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def boundary_violations(root: Path) -> list[str]:
    """Every import under `root` (a deliverability/ tree) that crosses a boundary, as
    `path:line: what`."""
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        top = parts[0] if len(parts) > 1 else ""
        where = path.relative_to(root.parent)
        for line, modules in imported_modules(path, root):
            dnspython = [m for m in modules if _is_within(m, "dns")]
            if dnspython and top != "dns":
                problems.append(
                    f"{where}:{line}: imports dnspython ({dnspython[0]}); only dns/ may"
                )
            for other in FORBIDDEN.get(top, ()):
                crossing = [m for m in modules if _is_within(m, f"{PKG}.{other}")]
                if crossing:
                    problems.append(f"{where}:{line}: {top}/ imports {crossing[0]}")
            if top == "records":
                beyond = [
                    m
                    for m in modules
                    if _is_within(m, f"{PKG}.dns")
                    and m != f"{PKG}.dns"
                    and not any(_is_within(m, allowed) for allowed in RECORDS_MAY_USE_FROM_DNS)
                ]
                if beyond:
                    problems.append(
                        f"{where}:{line}: records/ imports {beyond[0]}; only dns.answers"
                    )
    return problems


def test_the_source_keeps_its_boundaries() -> None:
    assert boundary_violations(ROOT) == []


def test_the_checker_reads_the_real_imports() -> None:
    # Guards against a checker that passes because it reads nothing.
    def modules(path: Path) -> set[str]:
        return {m for _, names in imported_modules(path, ROOT) for m in names}

    assert {"dns.asyncquery", "dns.message"} <= modules(ROOT / "dns" / "resolver.py")
    assert f"{PKG}.dns.answers" in modules(ROOT / "records" / "spf" / "terms.py")


@pytest.mark.parametrize(
    ("file", "source", "expected"),
    [
        (
            "records/spf/bad.py",
            "import dns.resolver\n",
            "imports dnspython (dns.resolver); only dns/ may",
        ),
        ("audit/bad.py", "from dns import name\n", "imports dnspython (dns); only dns/ may"),
        (
            "records/bad.py",
            "from b2bmail.deliverability.audit.run import audit_domain\n",
            "records/ imports b2bmail.deliverability.audit.run",
        ),
        (
            "records/dmarc/bad.py",
            "def f() -> None:\n    from ...sender import check\n",
            "records/ imports b2bmail.deliverability.sender",
        ),
        (
            "records/bad.py",
            "from b2bmail.deliverability import audit\n",
            "records/ imports b2bmail.deliverability.audit",
        ),
        (
            "records/bad.py",
            "from b2bmail.deliverability.dns.resolver import DnsResolver\n",
            "records/ imports b2bmail.deliverability.dns.resolver; only dns.answers",
        ),
        (
            "dns/bad.py",
            "from b2bmail.deliverability.records.spf import parse_spf\n",
            "dns/ imports b2bmail.deliverability.records.spf",
        ),
        (
            "sender/bad.py",
            "from b2bmail.deliverability.audit.mx import collect_mx\n",
            "sender/ imports b2bmail.deliverability.audit.mx",
        ),
    ],
    ids=[
        "dnspython-in-records",
        "dnspython-in-audit",
        "records-imports-audit",
        "relative-import-of-sender-in-a-function",
        "package-import-of-audit",
        "records-imports-the-resolver",
        "dns-imports-records",
        "sender-imports-audit",
    ],
)
def test_a_crossing_import_is_reported(
    tmp_path: Path, file: str, source: str, expected: str
) -> None:
    root = tmp_path / "deliverability"
    for package in ("dns", "records/spf", "records/dmarc", "audit", "sender"):
        (root / package).mkdir(parents=True, exist_ok=True)
    (root / "dns" / "resolver.py").write_text("import dns.resolver\n", encoding="utf-8")
    (root / "records" / "dkim.py").write_text(
        "from b2bmail.deliverability.dns.answers import Lookup\n", encoding="utf-8"
    )
    assert boundary_violations(root) == []  # the allowed imports pass
    (root / file).write_text(source, encoding="utf-8")
    problems = boundary_violations(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"deliverability/{file}:")
    assert problems[0].endswith(expected)
