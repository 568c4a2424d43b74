"""`b2bmail export`: both examples for the seven ESPs, the contacts CSV as the ESP's importer
reads it, the unsubscribe placeholder in place of our URL, and its speed (issue 17)."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.export.test_roundtrip import CAMPAIGN, SEGMENTS, TEMPLATE_FIXED_URL

from b2bmail.cli.app import main
from b2bmail.export.writer import ESP_KEYS
from b2bmail.personalize.tokens import SECRET_ENV

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


@pytest.mark.parametrize("example", ["heavy-equipment", "warmtepompen-nl"])
def test_both_examples_export_for_every_esp(tmp_path: Path, example: str) -> None:
    # Both examples as they are: VAT by country, the formal salutation, two languages.
    campaign = ROOT / "examples" / example / "campaign.yaml"
    code, output = export(
        str(campaign), "--esp", "all", "--recipients", str(campaign.parent / "recipients.csv"),
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, output
    for key in ESP_KEYS:
        folder = tmp_path / "out" / key
        readme = (folder / "README.txt").read_text(encoding="utf-8")
        assert "Where each file goes:" in readme and "Click tracking:" in readme
        emails = sorted(p.parent for p in folder.rglob("email.html"))
        assert emails
        for email in emails:
            assert {p.name for p in email.iterdir()} == {
                "email.html", "email.txt", "subject.txt", "preheader.txt"
            }  # fmt: skip
            html = (email / "email.html").read_text(encoding="utf-8")
            text = (email / "email.txt").read_text(encoding="utf-8")
            placeholder = PLACEHOLDERS[key]
            if example == "warmtepompen-nl":  # the campaign's language
                placeholder = placeholder.replace("_FR]", "_NL]")
            assert placeholder in html and placeholder in text
            # Our unsubscribe URL and token are not used; UTM parameters stay.
            assert "desinscription" not in html and "afmelden" not in html
            assert "zQ9m" not in html and "utm_source=" in html


def test_warmtepompen_one_folder_per_language(tmp_path: Path) -> None:
    campaign = ROOT / "examples" / "warmtepompen-nl" / "campaign.yaml"
    code, output = export(
        str(campaign), "--esp", "brevo", "--recipients", str(campaign.parent / "recipients.csv"),
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, output
    folder = tmp_path / "out" / "brevo"
    with (folder / "contacts.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["EMAIL"]: r for r in csv.DictReader(f, delimiter=";")}
    # recipients.csv: julie.lambert is `fr`, sanne.de.vries `nl` (and the `nl` subject).
    julie, sanne = rows["julie.lambert@chauffage-lambert.example"], rows["sanne.de.vries@installatiebedrijf.example"]  # fmt: skip
    assert (julie["LANGUAGE"], julie["SEGMENT"]) == ("fr", "installateurs--decision/fr")
    assert (sanne["LANGUAGE"], sanne["SEGMENT"]) == ("nl", "installateurs--consideration/nl")
    subject = (folder / "installateurs--decision" / "fr" / "subject.txt").read_text(
        encoding="utf-8"
    )
    assert subject == "Warmtepomp Nieuws · les nouveautés de septembre\n"
    assert "Languages:" in (folder / "README.txt").read_text(encoding="utf-8")


def test_mailjet_gets_one_template_per_version(tmp_path: Path) -> None:
    # heavy-equipment's VAT by country: Mailjet has no conditional b2bmail writes, so each
    # version is its own folder, and the segment column names each contact's.
    campaign = HEAVY / "campaign.yaml"
    code, output = export(
        str(campaign), "--esp", "mailjet", "--esp", "brevo", "--segment", "mining",
        "--recipients", str(HEAVY / "recipients.csv"), "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 0, output
    assert "versions: one template per version (they differ by recipient.country)" in output
    assert "inside Brevo's conditional on the contact's b2bmail_variant" in output
    folder = tmp_path / "out" / "mailjet"
    with (folder / "contacts.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["b2bmail_variant"] for r in rows} == {"v1", "v2"}
    for row in rows:
        assert row["segment"].endswith("/" + row["b2bmail_variant"])
        assert (folder / row["segment"] / "email.html").is_file()
    assert "Versions:" in (folder / "README.txt").read_text(encoding="utf-8")


def test_a_segment_with_logic_and_no_contact_is_named_not_written(tmp_path: Path) -> None:
    # Its versions (VAT by country) come from the list: with no contact in it, no email,
    # and README.txt says so rather than leaving it out without a word.
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,sector,country\nana@mines.example,Mines,France\n", encoding="utf-8"
    )
    code, output = export(
        str(HEAVY / "campaign.yaml"), "--esp", "brevo", "--recipients", str(recipients),
        "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 0, output
    folder = tmp_path / "o" / "brevo"
    assert {p.name.partition("--")[0] for p in folder.iterdir() if p.is_dir()} == {"mining"}
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "Not written: aggregates, rental, construction — no contact of the list" in readme
    assert "not written: aggregates, rental, construction (no contact" in output


def test_brevo_contacts_as_brevo_import_reads_them(tmp_path: Path) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email;first_name;sector;country\n"
        "ana@mines.example;Ana;Mines;France\n"
        'bob@mines.example;=HYPERLINK("x");Mines;France\n'
        "carl@stop.example;Carl;Mines;France\n"
        "not-an-address;Dan;Mines;France\n"
        "ana@mines.example;Ana;Mines;France\n",
        encoding="utf-8",
    )
    suppress = tmp_path / "stop.txt"
    suppress.write_text("stop.example\n", encoding="utf-8")
    code, output = export(
        str(HEAVY / "campaign.yaml"), "--esp", "brevo", "--segment", "mining",
        "--recipients", str(recipients), "--suppress", str(suppress), "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 0, output
    data = (tmp_path / "o" / "brevo" / "contacts.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    # Brevo's importer: UTF-8, semicolon-separated, columns named after the attributes.
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    assert rows[0] == ["EMAIL", "FIRSTNAME", "SALUTATION", "SEGMENT"]
    assert [r[0] for r in rows[1:]] == ["ana@mines.example", "bob@mines.example"]
    assert rows[2][1] == '\'=HYPERLINK("x")'  # a formula made inert (output.csv_safe)
    assert {r[3] for r in rows[1:]} <= {"mining--awareness", "mining--consideration", "mining--decision"}  # fmt: skip
    assert {r[2] for r in rows[1:]} == {"Madame, Monsieur,"}  # no civility: the neutral form
    readme = (tmp_path / "o" / "brevo" / "README.txt").read_text(encoding="utf-8")
    assert "invalid 1, duplicate 1, suppressed 1" in readme
    assert "contacts: 2 of 5 row(s) (invalid 1, duplicate 1, suppressed 1)" in output


def test_listmonk_contacts_hold_attributes_as_json(tmp_path: Path) -> None:
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email,first_name,sector,country\nana@mines.example,Ana,Mines,France\n", encoding="utf-8"
    )
    code, output = export(
        str(HEAVY / "campaign.yaml"), "--esp", "listmonk", "--segment", "mining",
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
    for name, text in {
        **files,
        "email.mjml": TEMPLATE_FIXED_URL,
        "segments.yaml": SEGMENTS,
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, output = export(str(tmp_path / "campaign.yaml"), "--esp", "brevo", "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 0, output
    subject = (tmp_path / "o" / "brevo" / "tous" / "subject.txt").read_text(encoding="utf-8")
    assert subject.startswith("{{ contact.PRENOM|default:'Bonjour' }}, l")
    assert "{{ contact.COMPANY }}" in subject  # the ESP's default name where none is given


def test_unknown_segment_is_one_line_exit_2(tmp_path: Path) -> None:
    code, output = export(str(HEAVY / "campaign.yaml"), "--esp", "brevo", "--segment", "nope", "--out", str(tmp_path / "o"))  # fmt: skip
    assert code == 2
    assert output.count("\n") == 1 and "no segment with id 'nope'" in output


def _cpu_seconds(*args: str, env: Mapping[str, str] | None = None) -> float:
    """CPU time (user + system) of one `b2bmail` run in a fresh process (no warm caches)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    environ = {**os.environ, **(env or {})}
    # exit 1 is findings (lint warnings), still a full run
    done = subprocess.run([sys.executable, "-m", "b2bmail", *args], capture_output=True, env=environ)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_export_for_seven_esps_costs_less_than_three_builds(tmp_path: Path) -> None:
    # Issue 17, item 6: all seven ESPs from one compile, under 3x one `build` (CPU time):
    # the example as it is, whose versions (VAT by country) both compile from the list.
    campaign, recipients = str(HEAVY / "campaign.yaml"), str(HEAVY / "recipients.csv")
    build = _cpu_seconds(
        "build", campaign, "--recipients", recipients, "--per-recipient",
        "--out", str(tmp_path / "build"), env={SECRET_ENV: "k"},
    )  # fmt: skip
    export = _cpu_seconds(
        "export", campaign, "--esp", "all", "--recipients", recipients,
        "--out", str(tmp_path / "esp"),
    )  # fmt: skip
    assert export < 3 * build


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            ("Où va chaque fichier :", "Désinscription :", "  contacts.csv : 2 contacts, UTF-8,"),
        ),
        ("nl", ("Waar elk bestand hoort:", "Afmelden:", "  contacts.csv: 2 contacten, UTF-8,")),
    ],
)
def test_readme_is_written_in_the_language_of_the_run(
    tmp_path: Path, lang: str, expected: tuple[str, ...]
) -> None:
    # README.txt is text for a person, like every message: in the run's language (issue 18).
    recipients = tmp_path / "list.csv"
    recipients.write_text(
        "email;first_name;sector;country\n"
        "ana@mines.example;Ana;Mines;France\n"
        "eva@mines.example;Eva;Mines;France\n",
        encoding="utf-8",
    )
    code, output = export(
        str(HEAVY / "campaign.yaml"), "--esp", "brevo", "--segment", "mining",
        "--recipients", str(recipients), "--out", str(tmp_path / "o"), "--lang", lang,
    )  # fmt: skip
    assert code == 0, output
    readme = (tmp_path / "o" / "brevo" / "README.txt").read_text(encoding="utf-8")
    for line in expected:
        assert line in readme, (line, readme)
    assert "{{ unsubscribe }}" in readme  # the ESP's own words stay as the ESP writes them
