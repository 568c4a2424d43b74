"""A campaign written for one ESP (`esp: NAME`) may hold that ESP's own tags: they pass through
the build untouched and are not B2B606 errors; our own leftovers still are (issue 17, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli.app import main

CAMPAIGN = """\
name: Literal
locale: fr_FR
sender: {{from: "Durand <news@durand.example>"}}
subject: "{subject}"
template: email.mjml
segments: segments.yaml
unsubscribe: {{url: "https://durand.example/u/{{{{ recipient.unsubscribe_token }}}}"}}
company: {{name: Durand, postal_address: "1 rue X, 75001 Paris"}}
list_id: "Durand <news.durand.example>"
{esp}"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>{body}</mj-text>
  <mj-text><a href="{{{{ unsubscribe_url }}}}">Se désabonner</a></mj-text>
</mj-column></mj-section></mj-body></mjml>
"""


def build(tmp_path: Path, body: str, esp: str = "", subject: str = "Offre") -> tuple[int, str]:
    campaign = CAMPAIGN.format(esp=esp, subject=subject)
    (tmp_path / "campaign.yaml").write_text(campaign, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE.format(body=body), encoding="utf-8")
    (tmp_path / "segments.yaml").write_text("segments:\n  - {id: tous, name: Tous}\n")
    result = CliRunner().invoke(
        main, ["build", str(tmp_path / "campaign.yaml"), "--out", str(tmp_path / "out")]
    )
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
    assert f"{tmp_path / 'campaign.yaml'}:10: unknown ESP 'sendinblue'" in output
