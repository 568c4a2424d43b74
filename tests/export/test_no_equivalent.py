"""A construct an ESP's language cannot express stops the export: exit 2, one line with the
file:line where the campaign uses it; nothing is dropped silently (issue 17, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli.app import main
from b2bmail.export.writer import get_esp

CAMPAIGN = """\
name: Export
locale: fr_FR
sender: {{from: "Durand <news@durand.example>"}}
subject: "{subject}"
template: email.mjml
segments: segments.yaml
unsubscribe: {{url: "https://durand.example/u/{{{{ recipient.unsubscribe_token }}}}"}}
company: {{name: Durand, postal_address: "1 rue X, 75001 Paris"}}
list_id: "Durand <news.durand.example>"
sample_recipient: {{email: a@b.example, first_name: Claire, civility: ms, last_name: Dupont}}
{extra}"""
SEGMENTS = "segments:\n  - {id: tous, name: Tous}\n"


def template(body: str) -> str:
    return (
        "<mjml><mj-body><mj-section><mj-column>\n"
        f"  <mj-text>{body}</mj-text>\n"
        '  <mj-text><a href="{{ unsubscribe_url }}">Se désabonner</a></mj-text>\n'
        "</mj-column></mj-section></mj-body></mjml>\n"
    )


def write_campaign(folder: Path, body: str, extra: str = "", subject: str = "Offre") -> Path:
    """A one-segment campaign in `folder` whose template shows `body`."""
    campaign = folder / "campaign.yaml"
    campaign.write_text(CAMPAIGN.format(extra=extra, subject=subject), encoding="utf-8")
    (folder / "email.mjml").write_text(template(body), encoding="utf-8")
    (folder / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    return campaign


def run(tmp_path: Path, body: str, esp: str, extra: str = "") -> tuple[int, str]:
    write_campaign(tmp_path, body, extra)
    result = CliRunner().invoke(
        main,
        ["export", str(tmp_path / "campaign.yaml"), "--esp", esp, "--out", str(tmp_path / "out")],
    )
    return result.exit_code, result.output


def test_salutation_is_a_contact_attribute(tmp_path: Path) -> None:
    # Made per recipient by b2bmail (salutation.FORMS: fr "Madame {name}" / "Monsieur
    # {name}", neutral "Madame, Monsieur"), written in contacts.csv, merged by the ESP.
    write_campaign(tmp_path, "{{ recipient | salutation }}")
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,civility,last_name\na@x.example,Mme,Dupont\nb@x.example,M.,Martin\n"
        "c@x.example,,Durand\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["export", str(tmp_path / "campaign.yaml"), "--esp", "brevo", "--recipients",
         str(recipients), "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "brevo" / "tous" / "email.html").read_text(encoding="utf-8")
    assert "{{ contact.SALUTATION }}" in html
    contacts = (tmp_path / "out" / "brevo" / "contacts.csv").read_text(encoding="utf-8")
    assert contacts.splitlines() == [
        "EMAIL;SALUTATION;SEGMENT",
        "a@x.example;Madame Dupont,;tous",
        "b@x.example;Monsieur Martin,;tous",
        "c@x.example;Madame, Monsieur,;tous",
    ]


def test_unsubscribe_token_in_the_body_has_no_equivalent(tmp_path: Path) -> None:
    code, output = run(tmp_path, "jeton {{ recipient.unsubscribe_token }}", "brevo")
    assert code == 2
    assert f"{tmp_path / 'email.mjml'}:2: the unsubscribe token" in output


def test_mailjet_fallback_with_a_quote(tmp_path: Path) -> None:
    code, output = run(
        tmp_path, """{{ recipient.first_name | fallback('Cher "client"') }}""", "mailjet"
    )
    assert code == 2
    assert "end a Mailjet default value" in output


def test_mailchimp_fallback_with_a_merge_tag_opener(tmp_path: Path) -> None:
    code, output = run(tmp_path, "{{ recipient.first_name | fallback('a *| b') }}", "mailchimp")
    assert code == 2
    assert "Mailchimp reads as a merge tag" in output


@pytest.mark.parametrize(
    ("esp", "text"),
    [("mailchimp", "Remise *|FNAME|* ici"), ("sfmc", "Remise 50%% ici"), ("mailjet", "Voir [[x]]")],
)
def test_literal_text_the_esp_would_read_as_a_tag(tmp_path: Path, esp: str, text: str) -> None:
    code, output = run(tmp_path, text, esp)
    assert code == 2
    assert "would be read by" in output


def test_literal_esp_tag_is_kept_when_the_campaign_is_written_for_that_esp(tmp_path: Path) -> None:
    code, output = run(tmp_path, "Remise *|FNAME|* ici", "mailchimp", extra="esp: mailchimp\n")
    assert code == 0, output
    html = (tmp_path / "out" / "mailchimp" / "tous" / "email.html").read_text(encoding="utf-8")
    assert "Remise *|FNAME|* ici" in html


def test_recipient_logic_without_a_list_says_where_and_what_to_give(tmp_path: Path) -> None:
    # Which versions to write, and who gets which, depends on the list: refused without one.
    code, output = run(tmp_path, "{% if recipient.first_name %}x{% endif %}", "brevo")
    assert code == 2
    assert f"{tmp_path / 'email.mjml'}:2: recipient logic (the template tests" in output
    assert "recipient.first_name) needs the recipient list to be exported" in output
    assert "--recipients" in output and not (tmp_path / "out").exists()


def test_a_field_no_column_gives_stops_as_the_build_does(tmp_path: Path) -> None:
    # A misspelt field read by the logic would give every contact the `else`, silently.
    write_campaign(tmp_path, '{% if recipient.countyr == "BE" %}Belgique{% endif %}')
    recipients = tmp_path / "list.csv"
    recipients.write_text("email,country\na@x.example,BE\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["export", str(tmp_path / "campaign.yaml"), "--esp", "brevo", "--recipients",
         str(recipients), "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2
    # At the template line that reads it, with the closest column as "did you mean".
    assert "email.mjml:2: the template names recipient.countyr, and no column of list.csv" in (
        result.output
    )
    assert "did you mean recipient.country?" in result.output
    assert result.output.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("attr", ["FNAME|*", "first name", "x }}", "a%%b"])
def test_attribute_name_that_would_break_a_tag_is_refused(tmp_path: Path, attr: str) -> None:
    # Written inside the ESP's tags (*|FNAME|*, {{ contact.X }}, %%=v(@X)=%%), the name
    # must not end the tag or start another: one line, the campaign's esp line, exit 2.
    extra = f"esp:\n  fields: {{first_name: {attr!r}}}\n"
    code, output = run(tmp_path, "Bonjour {{ recipient.first_name }}", "mailchimp", extra)
    assert code == 2
    assert f"{tmp_path / 'campaign.yaml'}:12: esp.fields gives first_name" in output
    assert output.count("\n") == 1 and not (tmp_path / "out").exists()


def test_plain_attribute_name_is_written() -> None:
    assert get_esp("mailchimp").attribute("first_name", {"first_name": "PRENOM_2"}) == "PRENOM_2"


URL_BODY = '<a href="https://durand.example/offre?nom={{ recipient.last_name }}">Offre</a>'


@pytest.mark.parametrize("esp", ["brevo", "hubspot", "sendgrid", "mailjet", "listmonk"])
def test_value_inside_a_url_without_the_list_is_refused_with_its_place(
    tmp_path: Path, esp: str
) -> None:
    # These ESPs document no way to percent-encode a value: `&` in a name would split the
    # query. Without the list there is no value to pre-encode: refused with file:line
    # rather than a link that breaks for some contacts, and the hint says what to pass.
    write_campaign(tmp_path, URL_BODY)
    result = CliRunner().invoke(
        main,
        ["export", str(tmp_path / "campaign.yaml"), "--esp", esp, "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'email.mjml'}:2: " in result.output
    assert "inside a URL" in result.output and result.output.count("\n") == 1
    assert "pass --recipients LIST" in result.output


def export_with_list(tmp_path: Path, body: str, esp: str) -> tuple[int, str]:
    write_campaign(tmp_path, body)
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,last_name,last_name_url\na@client.example,Dupont & Fils,x\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        main,
        ["export", str(tmp_path / "campaign.yaml"), "--esp", esp, "--recipients",
         str(recipients), "--out", str(tmp_path / "out")],
    )  # fmt: skip
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("esp", "attr", "value"),
    [
        ("brevo", "LASTNAME_URL", "Dupont%20%26%20Fils"),  # esp.yaml: last_name -> LASTNAME
        ("hubspot", "lastname_url", "Dupont%20%26%20Fils"),
        ("sendgrid", "last_name_url", "Dupont%20%26%20Fils"),
        ("mailjet", "lastname_url", "Dupont%20%26%20Fils"),
    ],
)
def test_value_inside_a_url_with_the_list_travels_pre_encoded(
    tmp_path: Path, esp: str, attr: str, value: str
) -> None:
    code, output = export_with_list(tmp_path, URL_BODY, esp)
    assert code == 0, output
    assert f"{attr} is a pre-encoded copy of recipient.last_name" in output
    contacts = (tmp_path / "out" / esp / "contacts.csv").read_text(encoding="utf-8-sig")
    header, row = contacts.splitlines()[:2]
    delimiter = ";" if ";" in header else ","
    assert dict(zip(header.split(delimiter), row.split(delimiter), strict=True))[attr] == value


def test_two_fallbacks_for_one_field_in_urls_are_refused(tmp_path: Path) -> None:
    # One pre-encoded copy per contact cannot hold two different fallbacks.
    body = (
        "<a href=\"https://durand.example/a?n={{ recipient.last_name | fallback('x') }}\">A</a>"
        " <a href=\"https://durand.example/b?n={{ recipient.last_name | fallback('y') }}\">B</a>"
    )
    code, output = export_with_list(tmp_path, body, "brevo")
    assert code == 2, output
    assert f"{tmp_path / 'email.mjml'}:2: recipient.last_name is inside URLs with two" in output
    assert output.count("\n") == 1 and not (tmp_path / "out").exists()


def test_copy_named_like_a_merged_attribute_is_refused(tmp_path: Path) -> None:
    # The template also merges recipient.last_name_url: its attribute is the copy's name.
    body = URL_BODY + " {{ recipient.last_name_url }}"
    code, output = export_with_list(tmp_path, body, "sendgrid")
    assert code == 2, output
    assert "would be the attribute last_name_url, which the emails already merge" in output
    assert output.count("\n") == 1 and not (tmp_path / "out").exists()
