"""Every command has help with a runnable example, and the README documents it."""

from pathlib import Path

import click
import pytest

from b2bmail.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
ALL_COMMANDS = main.load_all()
COMMANDS = sorted(ALL_COMMANDS)


def test_the_cli_has_commands() -> None:
    assert {"build", "init", "lint", "rules", "segment", "audit", "check-sender"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_summary_and_example(name: str) -> None:
    command = ALL_COMMANDS[name]
    assert isinstance(command, click.Command)
    assert command.help, f"{name} has no help"
    assert command.help.strip().splitlines()[0].endswith("."), f"{name}: one-line summary"
    assert "Example" in command.help, f"{name} has no Example block"
    assert f"b2bmail {name}" in command.help, f"{name}'s example does not run b2bmail {name}"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_readme(name: str) -> None:
    assert f"b2bmail {name}" in README, f"README does not document `b2bmail {name}`"


def test_readme_opens_with_the_two_commands() -> None:
    head = README[:1500]
    assert "make demo" in head
    assert "make test" in head


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to -."""
    kept = "".join(c for c in heading.strip().lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def test_readme_links_point_at_its_headings() -> None:
    import re

    anchors = {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", README, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert links, "the README's table of contents is gone"
    assert links <= anchors, f"links to missing sections: {sorted(links - anchors)}"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_its_own_readme_heading(name: str) -> None:
    # Each command is explained under a heading that names it, not only in the summary table.
    import re

    headings = re.findall(r"^#{2,4} .+$", README, re.M)
    assert any(f"b2bmail {name}" in h for h in headings), f"no README heading for `{name}`"
