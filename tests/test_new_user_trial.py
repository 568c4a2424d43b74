"""The new-user trial of issue 14, end to end: a French Excel export (Windows-1252, `;`,
civilities as typed, sizes written `1 200` with a no-break space, countries and languages
named in French) built per recipient in one run. Every recipient gets the right salutation,
segment, language and VAT, and `segment` reports what it normalised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.personalize.test_build import parse, texts
from tests.recipients.test_needs import CAMPAIGN as NEEDS_CAMPAIGN
from tests.recipients.test_needs import SEGMENTS as SIZE_RULE

from b2bmail.cli.app import main

# The campaign of tests/recipients/test_needs.py in three languages, with a price.
CAMPAIGN = (
    NEEDS_CAMPAIGN.replace("locale: fr_FR\n", "locale: fr_FR\nlanguages: [fr, nl, en]\n")
    .replace(
        'subject: "Offre {{ recipient.company }}"',
        'subject: {fr: "Offre {{ segment.name }}", nl: "Aanbod {{ segment.name }}",'
        ' en: "Offer {{ segment.name }}"}',
    )
    .replace("company: Acme}", "last_name: Exemple}")
) + "content:\n  price: 1000\n  vat: {fr: TVA, nl: btw, en: VAT}\n"
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>{{ recipient | salutation }}</mj-text>
  <mj-text>{% set rate = recipient.country | vat_rate %}{% if rate is none %}{{ content.price | money }} HT{% else %}{{ content.price | ttc(rate) | money }} TTC, {{ content.vat }} {{ rate }} %{% endif %}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
# Grands comptes from 250 people (Aoife's 250 is the limit), everyone else in `autres`.
SEGMENTS = SIZE_RULE.replace("FIELD", "company.size")
# As French Excel saves "CSV (séparateur : point-virgule)": Windows-1252, CRLF, and `1 200`
# with a no-break space (byte 0xA0), which a `size >= 50` rule must read as 1200.
LIST = (
    "Courriel;Civilité;Nom;Effectif;Pays;Langue\r\n"
    "marie@mines.example;Mme;Dupont;1\xa0200;France;Français\r\n"
    "jan@bouw.example;Dhr.;Jansen;12;Pays-Bas;Néerlandais\r\n"
    "els@bouw.example;Mevr.;De Vries;1\xa0200;Belgique;Néerlandais\r\n"
    "paul@carrieres.example;M.;Lambert;8;Belgique;Français\r\n"
    "aoife@quarry.example;Mrs;O'Neil;250;Irlande;Anglais\r\n"
    "john@mining.example;M.;Smith;1\xa0200;Afrique du Sud;Anglais\r\n"
).encode("cp1252")

# Expected by hand: the salutation forms of the issue; VAT from the Commission's table (FR 20,
# NL 21, BE 21, IE 23; none in ZA, outside the EU: HT only); amounts as CLDR writes them in
# fr_FR, nl and en_FR (English in the campaign's territory, languages.language_locale),
# from CLDR's currency patterns: `1 200,00 €` with U+202F and U+00A0, nl `€ 1.210,00`.
EXPECTED = {
    "000002-marie@mines.example": (
        "grands",
        "Offre Grands comptes",
        "Madame Dupont,",
        "1\u202f200,00\xa0€ TTC, TVA 20 %",
    ),
    "000003-jan@bouw.example": (
        "autres",
        "Aanbod Autres",
        "Geachte heer Jansen,",
        "€\xa01.210,00 TTC, btw 21 %",
    ),
    "000004-els@bouw.example": (
        "grands",
        "Aanbod Grands comptes",
        "Geachte mevrouw De Vries,",
        "€\xa01.210,00 TTC, btw 21 %",
    ),
    "000005-paul@carrieres.example": (
        "autres",
        "Offre Autres",
        "Monsieur Lambert,",
        "1\u202f210,00\xa0€ TTC, TVA 21 %",
    ),
    "000006-aoife@quarry.example": (
        "grands",
        "Offer Grands comptes",
        "Dear Ms O'Neil,",
        "1\u202f230,00\xa0€ TTC, VAT 23 %",
    ),
    "000007-john@mining.example": ("grands", "Offer Grands comptes", "Dear Mr Smith,", "1\u202f000,00\xa0€ HT"),
}  # fmt: skip


@pytest.fixture
def trial(tmp_path: Path) -> Path:
    for name, text in {"campaign.yaml": CAMPAIGN, "email.mjml": TEMPLATE, "segments.yaml": SEGMENTS}.items():  # fmt: skip
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "list.csv").write_bytes(LIST)
    return tmp_path


def test_every_recipient_gets_salutation_segment_language_and_vat(trial: Path) -> None:
    out = trial / "out"
    result = CliRunner().invoke(
        main,
        ["build", str(trial / "campaign.yaml"), "--recipients", str(trial / "list.csv"),
         "--per-recipient", "--out", str(out)],
        env={"B2BMAIL_UNSUBSCRIBE_SECRET": "k" * 32},
    )  # fmt: skip
    assert (result.exit_code, result.stderr) == (0, "")
    found = {p.stem: p.parent.name for p in out.glob("*/*.eml")}
    assert found == {name: segment for name, (segment, *_) in EXPECTED.items()}
    for name, (segment, subject, greeting, price) in EXPECTED.items():
        msg = parse((out / segment / f"{name}.eml").read_bytes())
        lines = [line.strip() for line in texts(msg)[0].splitlines() if line.strip()]
        assert (msg["Subject"], lines) == (subject, [greeting, price]), name


def test_segment_reports_what_it_normalised(trial: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["segment", str(trial / "list.csv"), "--segments", str(trial / "segments.yaml"),
         "--locale", "fr_FR", "--format", "json"],
    )  # fmt: skip
    assert (result.exit_code, result.stderr) == (0, "")
    data = json.loads(result.stdout)
    assert data["input"]["encoding"] == "cp1252" and data["input"]["delimiter"] == ";"
    assert data["buckets"]["grands"] == 4 and data["buckets"]["autres"] == 2
    # Six rows: every civility, country and language recognised; the French names rewritten
    # to their codes, none left as typed.
    values = data["values"]
    assert {k: (v["normalized"], v["unchanged"], v["unrecognized"]) for k, v in values.items()} == {
        "civility": (6, 0, 0),
        "country": (6, 0, 0),
        "language": (6, 0, 0),
    }
    text = CliRunner().invoke(
        main, ["segment", str(trial / "list.csv"), "--segments", str(trial / "segments.yaml"),
               "--locale", "fr_FR"],
    )  # fmt: skip
    assert "  civility: 6 normalised, 0 already canonical" in text.stdout
