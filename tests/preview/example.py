"""A private copy of the example campaign (and the templates it points to) for edits in tests."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_example(tmp_path: Path) -> Path:
    """Copy examples/heavy-equipment and templates/ keeping their relative layout."""
    shutil.copytree(
        ROOT / "examples" / "heavy-equipment", tmp_path / "examples" / "heavy-equipment"
    )
    shutil.copytree((ROOT / "templates").resolve(), tmp_path / "templates")
    return tmp_path / "examples" / "heavy-equipment" / "campaign.yaml"


def header_partial(campaign: Path) -> Path:
    """The header partial of a copied example (included inside <mj-body>)."""
    return campaign.parents[2] / "templates" / "partials" / "header.mjml"


def break_template(partial: Path) -> int:
    """Append a Jinja syntax error to `partial`; return the line it is on."""
    text = partial.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    partial.write_text(text + "{% if %}\n", encoding="utf-8")
    return text.count("\n") + 1
