"""`{{ recipient | salutation }}` per recipient (a merge field made from civility, last name
and language) and in the sample build."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.personalize.test_build import parse, texts

from b2bmail.campaign import render_campaign
from b2bmail.personalize.build import build_per_recipient

CAMPAIGN = """\
name: Salutations
locale: fr_FR
sender: {from: "Durand <news@durand.example>"}
subject: "Offre"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
sample_recipient: {email: a@b.example, civility: ms, last_name: "Le Goff"}
"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>{{ recipient | salutation }}</mj-text>
  <mj-text>Bonjour {{ recipient | salutation(comma=False) }}, voici.</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
SEGMENTS = "segments:\n  - {id: tous, name: Tous}\n"
LIST = (
    "email;civilité;nom;langue\n"
    "a@x.example;Mme;Dupont;\n"
    "b@x.example;Dhr.;van der Berg;Nederlands\n"
    "c@x.example;Frau;Müller;Allemand\n"
    "d@x.example;;O'Neil;Anglais\n"
)


FILES = {"campaign.yaml": CAMPAIGN, "email.mjml": TEMPLATE, "segments.yaml": SEGMENTS}


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    for name, text in {**FILES, "list.csv": LIST}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def plain_text(data: bytes) -> str:
    return texts(parse(data))[0]


@pytest.mark.parametrize(
    ("name", "first", "greeting"),
    [
        ("000002-a@x.example", "Madame Dupont,", "Bonjour Madame Dupont, voici."),
        (
            "000003-b@x.example",
            "Geachte heer van der Berg,",
            "Bonjour Geachte heer van der Berg, voici.",
        ),
        (
            "000004-c@x.example",
            "Sehr geehrte Frau Müller,",
            "Bonjour Sehr geehrte Frau Müller, voici.",
        ),
        ("000005-d@x.example", "Dear Sir or Madam,", "Bonjour Dear Sir or Madam, voici."),
    ],
)
def test_each_recipient_gets_the_salutation_of_its_language(
    campaign: Path, tmp_path: Path, name: str, first: str, greeting: str
) -> None:
    out = tmp_path / "out"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
    )
    assert report.messages == 4
    text = plain_text((out / "tous" / f"{name}.eml").read_bytes())
    assert first in text.splitlines()
    assert greeting in text


def test_the_sample_shows_the_salutation(campaign: Path) -> None:
    (seg,) = render_campaign(campaign).segments
    assert "Madame Le Goff," in seg.text.splitlines()
    assert "Bonjour Madame Le Goff, voici." in seg.text
    assert "Madame Le Goff," in seg.html
