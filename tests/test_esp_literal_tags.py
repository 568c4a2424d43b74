"""A campaign written for one ESP (`esp: NAME`) may hold that ESP's own tags: they pass through
the build untouched and are not B2B606 errors; our own leftovers still are (issue 17, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.export.test_no_equivalent import write_campaign

from b2bmail.cli.app import main
from b2bmail.i18n import using


def build(tmp_path: Path, body: str, esp: str = "", subject: str = "Offre") -> tuple[int, str]:
    campaign = write_campaign(tmp_path, body, esp, subject)
    result = CliRunner().invoke(main, ["build", str(campaign), "--out", str(tmp_path / "out")])
    return result.exit_code, result.output


BREVO = "{% raw %}Bonjour {{ contact.FIRSTNAME }}{% endraw %}"
MAILCHIMP = "Bonjour *|FNAME|*"


@pytest.mark.parametrize(
    ("esp", "body", "kept"),
    [
        ("brevo", BREVO, "Bonjour {{ contact.FIRSTNAME }}"),
        ("mailchimp", MAILCHIMP, "Bonjour *|FNAME|*"),
        ("sfmc", "Bonjour %%FirstName%%", "Bonjour %%FirstName%%"),
    ],
)
def test_esp_tags_pass_when_the_campaign_names_the_esp(
    tmp_path: Path, esp: str, body: str, kept: str
) -> None:
    code, output = build(tmp_path, body, esp=f"esp: {esp}\n")
    assert code == 0, output
    assert "B2B606" not in output
    html = (tmp_path / "out" / "tous" / "email.html").read_text(encoding="utf-8")
    assert kept in html


def test_esp_tag_in_the_subject_passes(tmp_path: Path) -> None:
    code, output = build(tmp_path, "x", esp="esp: mailchimp\n", subject="Offre *|FNAME|*")
    assert code == 0, output


def test_without_esp_the_brevo_tag_stops_the_build(tmp_path: Path) -> None:
    code, output = build(tmp_path, BREVO)
    assert code == 2
    assert "unresolved template syntax '{{'" in output


def test_without_esp_the_mailchimp_tag_is_a_lint_error(tmp_path: Path) -> None:
    code, output = build(tmp_path, MAILCHIMP)
    assert code == 1
    assert "B2B606" in output


def test_our_own_leftover_is_still_caught_with_esp(tmp_path: Path) -> None:
    code, output = build(tmp_path, "{% raw %}{{ content.offer }}{% endraw %}", esp="esp: brevo\n")
    assert code == 2
    assert "unresolved template syntax '{{'" in output


def test_other_esp_tags_are_still_errors(tmp_path: Path) -> None:
    code, output = build(tmp_path, MAILCHIMP, esp="esp: brevo\n")
    assert code == 1
    assert "B2B606" in output


def test_unknown_esp_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    code, output = build(tmp_path, "x", esp="esp: sendinblue\n")
    assert code == 2
    assert f"{tmp_path / 'campaign.yaml'}:11: unknown ESP 'sendinblue'" in output


def build_in(
    language: str, tmp_path: Path, body: str, esp: str = "", subject: str = "Offre"
) -> tuple[int, str]:
    """`build` with messages in `language` (issue 18): the B2B606 messages are translated,
    and the filter that lets the ESP's own tags through must not depend on their words."""
    campaign = write_campaign(tmp_path, body, esp, subject)
    args = ["build", str(campaign), "--out", str(tmp_path / "out")]
    with using(language):
        result = CliRunner().invoke(main, args, env={"B2BMAIL_LANG": language})
    return result.exit_code, result.output


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_esp_tags_pass_in_every_language(tmp_path: Path, language: str) -> None:
    code, output = build_in(language, tmp_path, MAILCHIMP, esp="esp: mailchimp\n")
    assert code == 0, output
    assert "B2B606" not in output


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_esp_tag_in_the_subject_passes_in_every_language(tmp_path: Path, language: str) -> None:
    code, output = build_in(
        language, tmp_path, "x", esp="esp: mailchimp\n", subject="Offre *|FNAME|*"
    )
    assert code == 0, output


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "syntaxe de modèle non résolue '*|FNAME|*' — complétez-la ou supprimez-la"),
        ("nl", "onopgeloste sjabloonsyntaxis '*|FNAME|*' — vul haar in of verwijder haar"),
    ],
)
def test_other_esp_tags_are_still_errors_in_every_language(
    tmp_path: Path, language: str, expected: str
) -> None:
    code, output = build_in(language, tmp_path, MAILCHIMP, esp="esp: brevo\n")
    assert code == 1, output
    assert expected in output
