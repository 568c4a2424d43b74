"""The starter campaign `b2bmail init` copies: campaign file, segments, templates, recipients.

This folder is the one canonical copy of the starter templates and segments; the repository's
top-level `templates/` and `segments/` are symbolic links to it, so what the examples use and
what an installed package scaffolds cannot drift apart. Read through importlib.resources so
it works from a wheel as well as from a checkout.

May import: errors and output (the files are written through its one atomic guard).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from b2bmail.errors import ConfigError
from b2bmail.output import write_atomic

_SKIP = {"__init__.py", "__pycache__"}


def _files(
    node: Traversable, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Traversable]]:
    found = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name in _SKIP or child.name.endswith(".pyc"):
            continue
        if child.is_dir():
            found.extend(_files(child, (*prefix, child.name)))
        else:
            found.append(((*prefix, child.name), child))
    return found


def scaffold_campaign(directory: str | Path) -> list[Path]:
    """Copy the starter campaign into `directory` (new or empty); return the files written."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(
            "folder is not empty",
            path=target,
            hint="choose a new folder name; nothing was overwritten",
        )
    written = []
    for parts, source in _files(resources.files("b2bmail.starter")):
        path = target.joinpath(*parts)
        write_atomic(path, source.read_bytes())
        written.append(path)
    return written
