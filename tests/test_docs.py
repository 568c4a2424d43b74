"""The documentation is true and current: every command has help with a runnable example and a
manual section, the README is a landing page, the command reference is generated from the
Click commands, and every `b2bmail …` line the docs show names real commands and options — the
quickstart's, in English and French, are run."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest

from b2bmail.cli import main
from b2bmail.cli.app import LANG_OPTION
from b2bmail.i18n import LANGUAGES

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
MANUAL = {p.name: p.read_text(encoding="utf-8") for p in sorted((DOCS / "manual").glob("*.md"))}
ALL_COMMANDS = main.load_all()
COMMANDS = sorted(ALL_COMMANDS)
GUIDES = sorted(p.name for p in (DOCS / "guides").glob("*.md") if not p.name.endswith(".fr.md"))
QUICKSTARTS = ("quickstart.md", "quickstart.fr.md")
# Pages whose `b2bmail …` lines are checked against the Click commands: the README and every
# page of the site but the generated references (made from the commands themselves) and the
# change notes other engineers leave for the lead.
PAGES = [
    REPO / "README.md",
    *sorted(
        p for p in DOCS.rglob("*.md") if p.relative_to(DOCS).parts[0] not in ("notes", "reference")
    ),
]
# What the quickstart runs needs neither the network nor a browser; these commands do (DNS,
# SMTP, Chromium, a server that runs until Ctrl-C), so their lines are checked through Click.
NOT_RUN = {"audit", "check-sender", "preview", "send", "serve", "unsubscribe-server"}


def load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
def test_command_has_its_own_manual_heading(name: str) -> None:
    # Each command is explained in the manual (docs/manual/) under a heading that names it,
    # not only in the generated reference or a summary table.
    headings = [h for text in MANUAL.values() for h in re.findall(r"^#{1,4} .+$", text, re.M)]
    assert any(f"b2bmail {name}" in h for h in headings), f"no manual heading for `{name}`"


def test_readme_opens_with_the_two_commands() -> None:
    head = README[:1500]
    assert "make demo" in head
    assert "make test" in head


def test_readme_is_a_landing_page() -> None:
    # Issue 18: under 12 KB (12 × 1024 bytes); the manual lives in docs/.
    assert len(README.encode("utf-8")) < 12 * 1024
    for page in ("docs/quickstart.md", "docs/quickstart.fr.md", "docs/faq.md", "docs/rules.md"):
        assert f"]({page})" in README, page
    assert "](docs/reference/commands.md)" in README
    assert "](docs/guides/" in README


def test_readme_links_point_at_files() -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if "://" not in link]
    assert local, "the README links nowhere"
    missing = [link for link in local if not (REPO / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_command_reference_is_current() -> None:
    # Regenerated from the commands and compared whole: a command or option added, renamed or
    # re-documented without `python tools/cli_reference.py` fails here.
    expected = load_tool("cli_reference").render()
    actual = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    assert actual == expected, "run python tools/cli_reference.py"


def test_command_reference_has_every_command_and_option() -> None:
    # Independent of the generator: every command and each of its option names is on the page.
    text = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    for name, command in ALL_COMMANDS.items():
        assert f"\n## `b2bmail {name}`\n" in text, name
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                for opt in param.opts:
                    assert f"`{opt}" in text or f", {opt}" in text, f"{name} {opt}"


@pytest.mark.parametrize("page", ["quickstart.md", *(f"guides/{g}" for g in GUIDES)])
def test_quickstart_and_guides_are_in_french(page: str) -> None:
    french = DOCS / page.replace(".md", ".fr.md")
    assert french.exists(), f"no French version of {page}"
    text = french.read_text(encoding="utf-8")
    # The professional register: "vous", never "tu"/"toi"/"ton".
    assert re.search(r"\b(vous|votre|vos)\b", text, re.I), (
        f"{french.name} does not address the reader"
    )
    assert not re.search(r"\b(tu|toi|ton|tes)\b", text, re.I), f"{french.name}: use « vous »"


def shell_lines(text: str) -> list[str]:
    """The command lines of the ```sh blocks of a Markdown page, continuation lines joined,
    with a leading `$ ` dropped."""
    lines: list[str] = []
    for block in re.findall(r"^\s*```(?:sh|bash|shell)\n(.*?)^\s*```", text, re.M | re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines += [line.strip().removeprefix("$ ") for line in joined.splitlines() if line.strip()]
    return lines


def b2bmail_runs(line: str) -> list[list[str]]:
    """The arguments of each `b2bmail` run on a shell line (`a && b` is two), after any
    `NAME=value` assignments; empty when the line does not run b2bmail."""
    runs: list[list[str]] = []
    words: list[str] = []
    for word in [*shlex.split(line, comments=True), "&&"]:
        if word not in ("&&", "||", ";", "|"):
            words.append(word)
            continue
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            words = words[1:]
        if words and words[0] == "b2bmail":
            runs.append(words[1:])
        words = []
    return runs


def check_with_click(args: list[str]) -> None:
    """Fail unless `b2bmail ARGS` names a command and only options it has, with values among
    an option's choices. Files are not opened: a guide may name the reader's own."""
    # The group's own options come first (`b2bmail --lang fr build …`): a flag is one word, an
    # option with a value two (or one, `--lang=fr`); a value must be among its choices.
    # `--lang` is added to the group and to every command by `get_params` (cli/app.py), and
    # checked by its callback rather than a Choice: its values are b2bmail's LANGUAGES.
    # `b2bmail --version` and `b2bmail --help` (eager flags that exit) need no command.
    group_params = {opt: p for p in main.get_params(click.Context(main)) for opt in p.opts}
    exits = False
    while args and args[0].partition("=")[0] in group_params:
        name, eq, value = args[0].partition("=")
        param = group_params[name]
        if isinstance(param, click.Option) and (param.is_flag or param.count):
            exits = exits or param.is_eager
            args = args[1:]
            continue
        if not eq:
            assert len(args) > 1, f"{name} needs a value"
            value, args = args[1], args[1:]
        args = args[1:]
        if param is LANG_OPTION:
            assert value in LANGUAGES, f"b2bmail {name} {value!r}"
    if exits and not args:
        return
    assert args, "no command"
    command = ALL_COMMANDS.get(args[0])
    assert command is not None, f"no command {args[0]!r}"
    ctx = command.make_context(args[0], [], resilient_parsing=True)
    parser = command.make_parser(ctx)
    try:
        values, extra, _ = parser.parse_args(list(args[1:]))
    except click.UsageError as exc:
        raise AssertionError(f"b2bmail {shlex.join(args)}: {exc.format_message()}") from exc
    assert not extra, f"b2bmail {shlex.join(args)}: unexpected arguments {extra}"
    for param in command.get_params(ctx):
        if param is LANG_OPTION and values.get(param.name) is not None:
            assert values[param.name] in LANGUAGES, f"{args[0]} --lang {values[param.name]!r}"
        if isinstance(param.type, click.Choice) and values.get(param.name) is not None:
            given = values[param.name]
            for value in given if isinstance(given, list | tuple) else [given]:
                assert value in param.type.choices, f"{args[0]} {param.opts[0]} {value!r}"


def page_commands() -> list[tuple[str, str]]:
    return [
        (str(page.relative_to(REPO)), line)
        for page in PAGES
        for line in shell_lines(page.read_text(encoding="utf-8"))
        if b2bmail_runs(line)
    ]


def test_pages_show_commands() -> None:
    pages = {page for page, _ in page_commands()}
    for page in ("README.md", "docs/quickstart.md", "docs/quickstart.fr.md", "docs/faq.md"):
        assert page in pages, page
    assert {f"docs/guides/{g}" for g in GUIDES} <= pages


@pytest.mark.parametrize(("page", "line"), page_commands())
def test_every_command_line_shown_exists(page: str, line: str) -> None:
    for args in b2bmail_runs(line):
        check_with_click(args)


def test_check_with_click_catches_mistakes() -> None:
    # The checker itself: a misspelt option, a wrong choice and a missing command all fail.
    for wrong in (
        ["lint", "out", "--formt", "json"],
        ["lint", "out", "--format", "xml"],
        ["bild", "campaign.yaml"],
        ["init", "one", "two"],
        ["--lang", "de", "lint", "out"],
        ["--lang"],
        ["--debug"],
        ["--versoin"],
        ["build", "campaign.yaml", "--lang", "de"],
    ):
        with pytest.raises(AssertionError):
            check_with_click(wrong)
    check_with_click(["--debug", "lint", "out", "--format", "json"])
    check_with_click(["--lang", "fr", "--debug", "lint", "out"])
    check_with_click(["--version"])
    check_with_click(["--lang=nl", "build", "--lang", "fr", "campaign.yaml"])


@pytest.mark.parametrize("page", ["quickstart.md", *(f"guides/{g}" for g in GUIDES)])
def test_french_page_shows_the_same_commands(page: str) -> None:
    # A French reader follows the same steps: the same commands with the same options, in the
    # same order (only file and folder names may be translated).
    def steps(name: str) -> list[list[str]]:
        text = (DOCS / name).read_text(encoding="utf-8")
        runs = [args for line in shell_lines(text) for args in b2bmail_runs(line)]
        return [[args[0], *(a for a in args if a.startswith("-"))] for args in runs]

    assert steps(page.replace(".md", ".fr.md")) == steps(page)


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    """A folder holding a copy of the repository's examples and starter templates, as a fresh
    clone has them (the examples' templates are `../../templates/…`)."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    shutil.copytree(REPO / "templates", tmp_path / "templates", symlinks=False)
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("page", QUICKSTARTS)
def test_quickstart_runs_step_by_step(page: str, examples_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B2BMAIL_", "LC_"))}
    # The French quickstart is followed as issue 18 tries it: on a machine set to French.
    env["LANG"] = "fr_FR.UTF-8" if page.endswith(".fr.md") else "en_GB.UTF-8"
    ran = []
    for line in shell_lines((DOCS / page).read_text(encoding="utf-8")):
        if match := re.fullmatch(r"export ([A-Z_][A-Z0-9_]*)=(\S+)", line):
            env[match[1]] = match[2]
            continue
        runs = b2bmail_runs(line)
        assert len(runs) <= 1, f"{page}: one command a line, so a reader can follow: {line}"
        if not runs:
            continue  # make demo, source .venv/bin/activate: the setup the test already has
        args = runs[0]
        if args[0] in NOT_RUN:
            check_with_click(args)
            continue
        done = subprocess.run(
            [sys.executable, "-m", "b2bmail", *args],
            cwd=examples_copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        # 1 is a finding (the example list has an invalid row on purpose); 2 is a failure.
        assert done.returncode in (0, 1), f"{page}: {line}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        ran.append(args[0])
    assert {"build", "lint", "rules", "segment", "init"} <= set(ran), ran
