"""The language of a run at the command line (issue 18): `--lang` before or after the command,
B2BMAIL_LANG and LANG, help and Click's own words translated, one-line errors for a language
b2bmail does not speak, and machine formats kept English unless `--lang` asks.

Expected texts are written here, not read from the catalogue."""

from __future__ import annotations

import gettext
import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner

from b2bmail import i18n
from b2bmail.cli import main
from b2bmail.cli.app import COMMANDS
from b2bmail.cli.preview import format_preview

# Every command module imported now, in English (as at the collection of tests/test_docs.py):
# Click fixes some words when a module builds its options (the `file` of `click.Path`), so a
# first import under `--lang fr` would leave them French for the tests that follow.
main.load_all()

#: Every variable the language may come from, unset: a test names the one it means.
NO_LANGUAGE: dict[str, str | None] = dict.fromkeys(
    ("B2BMAIL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"), None
)


def run(args: list[str], **env: str) -> click.testing.Result:
    return CliRunner().invoke(main, args, env={**NO_LANGUAGE, **env}, prog_name="b2bmail")


@pytest.mark.parametrize(
    ("args", "usage", "summary", "option"),
    [
        (
            ["--lang", "fr", "build", "--help"],
            "Utilisation : b2bmail build [OPTIONS] CAMPAIGN",
            "  Construire un e-mail par segment : HTML, texte brut et un exemple .eml.",
            "Construire uniquement ce segment (répétable).",
        ),
        (
            ["build", "--lang", "nl", "--help"],
            "Gebruik: b2bmail build [OPTIONS] CAMPAIGN",
            "  Bouw één e-mail per segment: HTML, platte tekst en een voorbeeld-.eml.",
            "Bouw alleen dit segment (herhaalbaar).",
        ),
    ],
    ids=["fr-before-the-command", "nl-after-the-command"],
)
def test_build_help_in_french_and_dutch(
    args: list[str], usage: str, summary: str, option: str
) -> None:
    result = run(args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [usage, "", summary]
    assert option in result.stdout
    # The examples are commands: shown as written, under a translated heading.
    assert "      b2bmail build campaign.yaml --segment mining" in result.stdout


def test_help_in_english_is_the_source_text() -> None:
    result = run(["build", "--help"])
    assert result.stdout.splitlines()[:3] == [
        "Usage: b2bmail build [OPTIONS] CAMPAIGN",
        "",
        "  Build one email per segment: HTML, plain text and a sample .eml.",
    ]
    assert "  Example:\n      b2bmail build" in result.stdout
    assert "Show this message and exit." in result.stdout


def test_lang_from_the_posix_locale_in_a_fresh_process() -> None:
    env = {k: v for k, v in os.environ.items() if k not in NO_LANGUAGE}
    result = subprocess.run(
        [sys.executable, "-c", "from b2bmail.cli import main; main(prog_name='b2bmail')", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**env, "LANG": "fr_FR.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Utilisation : b2bmail [OPTIONS] COMMAND [ARGS]...",
        "",
        "  Construire, vérifier et auditer des campagnes d'e-mailing B2B.",
    ]
    assert "  -h, --help         Afficher ce message et quitter." in lines
    # The command list comes from `COMMANDS` without importing the modules, translated too.
    assert any(line.startswith("  init                Créer un nouveau dossier") for line in lines)


@pytest.mark.parametrize(
    ("args", "env", "error"),
    [
        (["--lang", "fr", "lint", "--nope"], {}, "Erreur : Option '--nope' inconnue."),
        (["lint", "--nope"], {"LANG": "fr_FR.UTF-8"}, "Erreur : Option '--nope' inconnue."),
        (["lint", "--nope"], {"B2BMAIL_LANG": "nl"}, "Fout: Onbekende optie '--nope'."),
    ],
    ids=["--lang", "LANG", "B2BMAIL_LANG"],
)
def test_clicks_own_words_in_the_language(args: list[str], env: dict[str, str], error: str) -> None:
    result = run(args, **env)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith(error)
    assert ("Utilisation :" in result.stderr) == ("Erreur" in error)


def test_did_you_mean_and_try_help_in_french() -> None:
    result = run(["--lang", "fr", "lint", "--frmat", "json", "x.html"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Utilisation : b2bmail lint [OPTIONS] PATHS...\n"
        "Essayez 'b2bmail lint --help' pour de l'aide.\n"
        "\n"
        "Erreur : Option '--frmat' inconnue. Vouliez-vous dire '--format' ?\n"
    )


@pytest.mark.parametrize(
    "args",
    [["--lang", "de", "lint", "x.html"], ["lint", "--lang", "de", "x.html"], ["--lang", "de"]],
    ids=["before", "after", "alone"],
)
def test_a_language_b2bmail_does_not_speak_is_one_line_exit_2(args: list[str]) -> None:
    result = run(args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "b2bmail: --lang 'de': b2bmail speaks en, fr, nl — use one of them\n"


def test_an_unknown_b2bmail_lang_is_one_line_exit_2_unless_lang_is_given() -> None:
    result = run(["rules", "B2B999"], B2BMAIL_LANG="klingon")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "b2bmail: B2BMAIL_LANG 'klingon': b2bmail speaks en, fr, nl — use one of them\n"
    )
    # --lang outranks B2BMAIL_LANG, after the command name too.
    chosen = run(["rules", "--lang", "fr", "B2B999"], B2BMAIL_LANG="klingon")
    assert chosen.exit_code == 2
    assert chosen.stderr.splitlines()[-1] == (
        "Erreur : règle inconnue 'B2B999' — lancez `b2bmail rules` pour la liste"
    )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["lint", "--lang", "fr"], {}, "fichier ou dossier introuvable — vérifiez le chemin"),
        (["lint"], {"LANG": "nl_BE.UTF-8"}, "bestand of map bestaat niet — controleer het pad"),
        # A program reads JSON: English, whatever the person's locale says...
        (["lint", "--format", "json"], {"B2BMAIL_LANG": "fr"}, "no such file or folder"),
        (["lint", "--format", "sarif"], {"LANG": "fr_FR.UTF-8"}, "no such file or folder"),
        # ... unless --lang asks for another language, before or after the command.
        (
            ["--lang", "fr", "lint", "--format", "json"],
            {},
            "fichier ou dossier introuvable — vérifiez le chemin",
        ),
        (
            ["lint", "--format", "junit", "--lang", "nl"],
            {"B2BMAIL_LANG": "fr"},
            "bestand of map bestaat niet — controleer het pad",
        ),
    ],
    ids=["fr-text", "nl-text", "json-env", "sarif-env", "json-lang", "junit-lang"],
)
def test_messages_and_the_machine_format_rule(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    missing = tmp_path / "missing.html"
    result = run([*args, str(missing)], **env)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"b2bmail: {missing}: {expected}" + (
        " — check the path\n" if expected == "no such file or folder" else "\n"
    )


def seen_language(
    monkeypatch: pytest.MonkeyPatch, module: str, name: str, result: Any = None
) -> list[str]:
    """Replace `module.name` by a function that records the language it is called in, then
    returns `result` (or calls the real one when `result` is None)."""
    target = importlib.import_module(module)
    real: Callable[..., Any] = getattr(target, name)
    languages: list[str] = []

    def record(*args: Any, **kwargs: Any) -> Any:
        languages.append(i18n.current_language())
        return real(*args, **kwargs) if result is None else result

    monkeypatch.setattr(target, name, record)
    return languages


def lint_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    page = tmp_path / "a.html"
    page.write_text("<html><body><p>hi</p></body></html>", encoding="utf-8")
    return ["lint", str(page)]


def segment_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,sector\na@acme.example,mines\n", encoding="utf-8")
    segments = tmp_path / "segments.yaml"
    segments.write_text(
        "segments:\n  - {id: mining, name: Mines, priority: 1, rule: {field: sector, equals: mines}}\n",
        encoding="utf-8",
    )
    return ["segment", str(recipients), "--segments", str(segments)]


def audit_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # No DNS: the audit itself is replaced by a report that reaches no level.
    monkeypatch.setattr(
        "b2bmail.deliverability.audit.run.audit_file",
        lambda *args, **kwargs: SimpleNamespace(reaches=lambda level: False),
    )
    recipients = tmp_path / "list.csv"
    recipients.write_text("email\na@acme.example\n", encoding="utf-8")
    return ["audit", str(recipients)]


#: Command -> (how to prepare its run, and per format the function that writes the output and
#: what it returns when faked, None to run the real one).
WATCHED: dict[str, tuple[Callable[..., list[str]], dict[str, tuple[str, str, Any]]]] = {
    "lint": (
        lint_page,
        dict.fromkeys(("json", "github", "text"), ("b2bmail.cli.lint", "format_problems", None)),
    ),
    "segment": (
        segment_list,
        {
            "json": ("b2bmail.recipients.report", "report_json", {}),
            "csv": ("b2bmail.recipients.segmenting", "segment_csv_chunks", [b""]),
            "text": ("b2bmail.recipients.report", "report_text", ""),
        },
    ),
    "audit": (
        audit_list,
        {
            "json": ("b2bmail.deliverability.audit.report", "format_json", ""),
            "csv": ("b2bmail.deliverability.audit.report", "format_csv", ""),
            "text": ("b2bmail.deliverability.audit.report", "format_text", ""),
        },
    ),
}


@pytest.mark.parametrize(
    ("command", "output_format", "args", "env", "expected"),
    [
        ("lint", "json", [], {"B2BMAIL_LANG": "fr"}, "en"),
        ("lint", "github", [], {"LANG": "fr_FR.UTF-8"}, "en"),
        ("lint", "text", [], {"B2BMAIL_LANG": "fr"}, "fr"),
        ("lint", "json", ["--lang", "fr"], {}, "fr"),
        ("segment", "json", [], {"LANG": "nl_NL.UTF-8"}, "en"),
        ("segment", "csv", [], {"LANG": "nl_NL.UTF-8"}, "en"),
        ("segment", "text", [], {"LANG": "nl_NL.UTF-8"}, "nl"),
        ("segment", "json", ["--lang", "nl"], {"LANG": "fr_FR.UTF-8"}, "nl"),
        ("audit", "json", [], {"B2BMAIL_LANG": "fr"}, "en"),
        ("audit", "csv", [], {"B2BMAIL_LANG": "fr"}, "en"),
        ("audit", "text", [], {"B2BMAIL_LANG": "fr"}, "fr"),
        ("audit", "csv", ["--lang", "fr"], {}, "fr"),
    ],
)
def test_machine_formats_are_english_unless_lang_is_given(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
    output_format: str,
    args: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    prepare, writers = WATCHED[command]
    module, name, fake = writers[output_format]
    languages = seen_language(monkeypatch, module, name, fake)
    argv = prepare(tmp_path, monkeypatch)
    result = run([*argv, "--format", output_format, *args], **env)
    assert result.exit_code in (0, 1), result.stderr
    assert languages == [expected]


def test_the_bug_line_in_french(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr("b2bmail.cli.lint.lint_paths", fail)
    page = tmp_path / "a.html"
    page.write_text("<html><body>hi</body></html>", encoding="utf-8")
    result = run(["--lang", "fr", "lint", str(page)])
    assert (result.exit_code, result.stderr) == (
        2,
        "b2bmail: erreur interne (un bogue — merci de le signaler) : ValueError: boom"
        " — relancez avec --debug pour voir la trace d'appels\n",
    )


def test_init_speaks_dutch(tmp_path: Path) -> None:
    target = tmp_path / "campagne"
    result = run(["--lang", "nl", "init", str(target)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"aangemaakt: {target / 'campaign.yaml'}" in lines
    assert lines[-1] == (
        f"volgende stap: b2bmail build {target / 'campaign.yaml'} --out {target / 'out'}"
    )


def _preview(errors: int, warnings: int) -> Any:
    segment = SimpleNamespace(
        segment_id="mining",
        html_bytes=2048,
        errors=errors,
        warnings=warnings,
        shots=[],
        layout_problems=(),
    )
    return SimpleNamespace(segments=[segment], index="out/index.html")


@pytest.mark.parametrize(
    ("language", "errors", "warnings", "expected"),
    [
        # French counts zero in the singular (CLDR: one = 0 and 1), English and Dutch do not.
        ("en", 0, 1, "0 errors, 1 warning"),
        ("fr", 0, 1, "0 erreur, 1 avertissement"),
        ("fr", 2, 1, "2 erreurs, 1 avertissement"),
        ("nl", 0, 1, "0 fouten, 1 waarschuwing"),
        ("nl", 1, 2, "1 fout, 2 waarschuwingen"),
    ],
)
def test_preview_summary_plurals(language: str, errors: int, warnings: int, expected: str) -> None:
    with i18n.using(language):
        lines = format_preview(_preview(errors, warnings)).splitlines()
    size = {"en": "2.0 KB", "fr": "2,0 Ko", "nl": "2,0 kB"}[language]  # decimal sign and unit
    assert lines[0].startswith(f"mining     {size}  {expected}  ")
    assert (
        lines[1]
        == {"en": "gallery: ", "fr": "galerie : ", "nl": "galerij: "}[language] + "out/index.html"
    )


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_translated_summaries_are_one_sentence(language: str) -> None:
    # `b2bmail --help` shortens each summary at its first full stop, as Click does with the
    # docstring: a translation with a full stop inside ("p. ex.") would be cut there.
    commands = main.load_all()
    with i18n.using(language):
        for name, entry in COMMANDS.items():
            assert commands[name].get_short_help_str(limit=10_000) == i18n._(entry.summary)
            assert i18n._(entry.summary) != entry.summary, name


def test_every_click_module_speaks_through_b2bmail() -> None:
    # A new Click module that looks its words up with gettext would print English in fr/nl.
    for module_info in pkgutil.iter_modules(click.__path__):
        if module_info.name == "_winconsole":  # Windows only
            continue
        names = vars(importlib.import_module(f"click.{module_info.name}"))
        assert names.get("_") is not gettext.gettext, module_info.name
        assert names.get("ngettext") is not gettext.ngettext, module_info.name


def test_a_run_leaves_the_callers_language_as_it_was() -> None:
    run(["--lang", "nl", "lint", "--nope"])
    assert i18n.current_language() == "en"
    # No variable names a language: the run keeps the caller's (`i18n.using`).
    with i18n.using("fr"):
        result = run(["rules", "B2B999"])
        assert i18n.current_language() == "fr"
    assert result.stderr.splitlines()[-1].startswith("Erreur : règle inconnue 'B2B999'")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_english_file_metavar_in_french_help(command: str) -> None:
    # `--dkim-key FILE` stayed English next to every other option's FICHIER: a metavar written
    # by hand is not Click's translated word. In a fresh process: Click fixes the word when the
    # command's module is imported, which this test module did in English.
    result = subprocess.run(
        [sys.executable, "-m", "b2bmail", "--lang", "fr", command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    options = [line.split()[:2] for line in result.stdout.splitlines() if line.startswith("  --")]
    assert [o for o in options if len(o) == 2 and o[1] in {"FILE", "DIRECTORY", "PATH"}] == []
