"""A contact's value, or a version's key, never becomes template code in the ESP's
language: values stay merge tags filled at send time and travel in contacts.csv, and the
versions of an email are keyed by b2bmail's own b2bmail_variant (v1, v2…), so a value
holding the ESP's delimiters (`*|`, `{{`, `%%`, `}}`) cannot open or close a tag."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from tests.export.interpreters import INTERPRETERS

from b2bmail.export.writer import ESP_KEYS, export_campaign, get_esp

CAMPAIGN = """\
name: Export
locale: fr_FR
sender: {from: "Durand <news@durand.example>"}
subject: "Offre {{ recipient.first_name }}"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
sample_recipient: {email: a@b.example, first_name: Claire, country: FR}
"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>{% if recipient.country == "FR" %}TVA 20 %{% else %}Pays {{ recipient.country }}{% endif %} {{ recipient.first_name }}</mj-text>
  <mj-text><a href="{{ unsubscribe_url }}">Se désabonner</a></mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
# Each ESP's own tag delimiters around a marker (XQZ) no template holds, and closers alone.
VALUES = ["*|XQZ|*", "{{ XQZ }}", "{% if XQZ %}", "%%XQZ%%", "%%=v(@XQZ)=%%", "[[data:XQZ:\"\"]]", "}}XQZ", "XQZ|*", "]%%XQZ"]  # fmt: skip
UNSUB = "https://unsubscribe.esp.example/u"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("delimiters")
    (folder / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (folder / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (folder / "segments.yaml").write_text(
        "segments:\n  - {id: tous, name: Tous}\n", encoding="utf-8"
    )
    rows = ["email,first_name,country", "fr@x.example,Claire,FR"]
    # A value both as the field the logic reads (country) and as a printed one.
    rows += [f"c{i}@x.example,{v},{v}" for i, v in enumerate(VALUES)]
    with (folder / "list.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        for row in rows:
            writer.writerow(next(csv.reader([row])))
    export_campaign(folder / "campaign.yaml", ESP_KEYS, folder / "out", recipients=folder / "list.csv")  # fmt: skip
    return folder / "out"


def contacts(folder: Path, esp_key: str) -> list[dict[str, str]]:
    esp = get_esp(esp_key)
    with (folder / "contacts.csv").open(encoding=esp.csv_encoding, newline="") as stream:
        header, *rows = csv.reader(stream, delimiter=esp.csv_delimiter)
    if esp_key == "listmonk":  # email, name, attributes (JSON)
        return [{"Email": r[0], **json.loads(r[2])} for r in rows]
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("esp_key", ESP_KEYS)
def test_values_with_esp_delimiters_stay_data(exported: Path, esp_key: str) -> None:
    folder = exported / esp_key
    written = {p: p.read_text(encoding="utf-8") for p in folder.glob("tous/**/*.*")}
    assert written
    for path, text in written.items():
        assert "XQZ" not in text, (esp_key, path.name)
    esp = get_esp(esp_key)
    variant_attr = esp.attribute("b2bmail_variant", {})
    people = contacts(folder, esp_key)
    # The versions' keys in the list are b2bmail's own, whatever the values.
    assert {c[variant_attr] for c in people} == {"v1", "v2"}
    # Run by the ESP's interpreter, a contact's value is printed as the text it is.
    interpret = INTERPRETERS[esp_key]
    first = esp.attribute("first_name", {})
    for contact in people:
        value = contact.get(first) or contact.get("FirstName", "")
        if value not in VALUES:
            continue
        version = "" if esp.choice is not None else contact[esp.segment_column].partition("/")[2]
        body = (folder / "tous" / version / "email.txt").read_text(encoding="utf-8")
        # (unescaped: whether an ESP HTML-escapes its plain text is not the point here)
        out = html.unescape(interpret(body, contact, UNSUB, html=False))
        assert re.search(rf"Pays {re.escape(value)} {re.escape(value)}", out), (esp_key, out)
