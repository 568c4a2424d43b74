"""Exported templates, run by an interpreter of each ESP's language (tests/export/
interpreters.py), give every recipient what b2bmail's own per-recipient merge gives: the same
visible text and the same links, the unsubscribe placeholder aside (issue 17, item 5)."""

from __future__ import annotations

import html
import random
from pathlib import Path
from urllib.parse import unquote

import pytest
from tests.export.interpreters import INTERPRETERS

from b2bmail.export.compile import UNSUBSCRIBE_FIELD, compile_for_export
from b2bmail.export.writer import ESP_KEYS, get_esp, render_for_esp

ROOT = Path(__file__).resolve().parents[2]
UNSUB = "https://unsubscribe.esp.example/u"

CAMPAIGN = """\
name: Export
locale: fr_FR
sender: {from: "Durand <news@durand.example>"}
subject: "{{ recipient.first_name | fallback('Bonjour') }}, l'offre {{ recipient.company }}"
preheader: "Pour {{ recipient.company }}"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
utm: {source: newsletter, campaign: t3}
sample_recipient: {email: a@b.example, first_name: Claire, company: Acme, city: Lyon}
"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>Bonjour {{ recipient.first_name | fallback("Madame, Monsieur") }} de {{ recipient.company }},</mj-text>
  <mj-button href="https://durand.example/agences?ville={{ recipient.city | fallback('Paris') }}">Votre agence</mj-button>
  <mj-text><a href="{{ unsubscribe_url }}">Se désabonner</a></mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
SEGMENTS = "segments:\n  - {id: tous, name: Tous}\n"
# Values a list holds: accents, quotes, ampersands, markup, empty (-> fallback).
FIRST_NAMES = ["Claire", "", "Zoë", "O'Neil & <Co>", 'Ana "María"', "Jean-Pierre"]
COMPANIES = ["Acme", "Dupont & Fils", "L'Atelier <Nord>", "Ünal GmbH"]
CITIES = ["Lyon", "", "Saint-Etienne", "Aix"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    for name, text in {"campaign.yaml": CAMPAIGN, "email.mjml": TEMPLATE, "segments.yaml": SEGMENTS}.items():  # fmt: skip
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "campaign.yaml"


def visible(text: str) -> str:
    """What a reader sees and the links it follows: entities and percent-escapes decoded
    (ESPs differ in how they escape a value, not in the value)."""
    return unquote(html.unescape(text))


def check_roundtrip(campaign: Path, esp_key: str, segment: str | None, seed: int) -> None:
    export = compile_for_export(campaign, [segment] if segment else None)
    esp = get_esp(esp_key)
    written = render_for_esp(export, esp)
    interpret = INTERPRETERS[esp_key]
    mapping = export.campaign.esp_fields
    rng = random.Random(seed)
    for variant, files in zip(export.variants, written.variants, strict=True):
        c = variant.compiled
        for _ in range(6):
            values = {
                "first_name": rng.choice(FIRST_NAMES),
                "company": rng.choice(COMPANIES),
                "city": rng.choice(CITIES),
            }
            ours = {k: v for k, v in values.items() if k in export.fields}
            contact = {esp.attribute(k, mapping): v for k, v in ours.items()}
            expected = {**ours, UNSUBSCRIBE_FIELD: UNSUB}
            for template, got, is_html in (
                (c.html, files.html, True),
                (c.text, files.text, False),
                (c.subject, files.subject, False),
                (c.preheader, files.preheader, False),
            ):
                mine = template.render(expected)
                if esp_key == "sfmc" and template in (c.subject, c.preheader):
                    # SFMC processes the body before the subject line: the body's SET block
                    # holds the variables the subject uses (README.txt says so).
                    got = esp.prelude(tuple(sorted(contact))) + got
                theirs = interpret(got, contact, UNSUB, html=is_html)
                assert visible(theirs) == visible(mine), (esp_key, values)


@pytest.mark.parametrize("esp_key", ESP_KEYS)
def test_tiny_campaign_roundtrip(tiny: Path, esp_key: str) -> None:
    check_roundtrip(tiny, esp_key, None, seed=17)


def one_vat_rate(tmp_path: Path) -> Path:
    """heavy-equipment with one VAT rate for everyone and the informal greeting: its VAT by
    country is recipient logic (a variant per country) and its formal salutation a value made
    per recipient, which the export does not translate yet."""
    example = (ROOT / "examples" / "heavy-equipment").resolve()
    text = (example / "campaign.yaml").read_text(encoding="utf-8")
    assert "vat_by_country: true" in text
    text = text.replace("vat_by_country: true", "vat_by_country: false")
    assert "formal_salutation: true" in text
    text = text.replace("formal_salutation: true", "formal_salutation: false")
    text = text.replace("template: ../../templates/", f"template: {example.parents[1]}/templates/")
    text = text.replace("segments: segments.yaml", f"segments: {example}/segments.yaml")
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("esp_key", ESP_KEYS)
def test_example_roundtrip(tmp_path: Path, esp_key: str) -> None:
    check_roundtrip(one_vat_rate(tmp_path), esp_key, "mining", seed=3)


def test_examples_with_recipient_logic_are_refused_with_their_place() -> None:
    # Not dropped silently: the export stops and names where the logic is.
    from b2bmail.errors import TemplateError

    with pytest.raises(TemplateError) as vat:
        compile_for_export(ROOT / "examples/heavy-equipment/campaign.yaml")
    assert "recipient.country) is not exported yet" in str(vat.value)
    assert "price_table.mjml:" in str(vat.value)
    with pytest.raises(TemplateError) as languages:
        compile_for_export(ROOT / "examples/warmtepompen-nl/campaign.yaml")
    assert "one campaign in several languages is not exported yet" in str(languages.value)
