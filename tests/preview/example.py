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
