"""One campaign, several languages (issue 14 part 6): `languages: [fr, en]`, values per
language, each recipient gets the content of their language, in one build."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.personalize.test_build import parse, texts

from b2bmail.campaign import build_campaign
from b2bmail.config import load_campaign_config
from b2bmail.errors import ConfigError
from b2bmail.languages import language_locale
from b2bmail.personalize.build import build_per_recipient

CAMPAIGN = """\
name: Bilingue
locale: fr_BE
languages: [fr, nl]
sender: {from: "Durand <news@durand.example>"}
subject: {fr: "Offre de printemps", nl: "Lenteaanbieding"}
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Durand, postal_address: "1 rue X, 1000 Bruxelles"}
list_id: "Durand <news.durand.example>"
sample_recipient: {email: a@b.example}
content:
  price: 1234.5
  hero: {title: {fr: "Nouveautés", nl: "Nieuw"}}
"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>{{ content.hero.title }} {{ content.price | money }}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
LIST = (
    "email;langue\n"
    "a@x.example;Français\n"
    "b@x.example;Nederlands\n"
    "c@x.example;\n"
    "d@x.example;Deutsch\n"
)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    files = {
        "campaign.yaml": CAMPAIGN,
        "email.mjml": TEMPLATE,
        "segments.yaml": "segments:\n  - {id: tous, name: Tous}\n",
        "list.csv": LIST,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def test_each_recipient_gets_their_language_in_one_build(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
    )
    assert report.messages == 4 and report.buckets["unassigned"] == 0
    # Amounts as CLDR writes them in fr_BE and nl_BE (Babel's format_currency).
    expected = {
        "000002-a@x.example": ("Offre de printemps", "Nouveautés 1\u202f234,50\xa0€"),
        "000003-b@x.example": ("Lenteaanbieding", "Nieuw €\xa01.234,50"),
        "000004-c@x.example": ("Offre de printemps", "Nouveautés 1\u202f234,50\xa0€"),
        "000005-d@x.example": ("Offre de printemps", "Nouveautés 1\u202f234,50\xa0€"),
    }
    for name, (subject, line) in expected.items():
        msg = parse((out / "tous" / f"{name}.eml").read_bytes())
        assert (msg["Subject"], texts(msg)[0].strip()) == (subject, line)


def test_the_build_writes_the_sample_in_each_language_in_its_locale(
    campaign: Path, tmp_path: Path
) -> None:
    (tmp_path / "email.mjml").write_text(
        TEMPLATE.replace("</mj-text>", " {{ campaign.date | date('long') }}</mj-text>"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = build_campaign(campaign, out, date=datetime(2026, 3, 2, 8, tzinfo=UTC), lint=False)
    # CLDR's fr_BE and nl_BE (Babel): amounts and long dates as each language writes them.
    expected = {
        "fr": ("Offre de printemps", "Nouveautés 1\u202f234,50\xa0€ 2 mars 2026"),
        "nl": ("Lenteaanbieding", "Nieuw €\xa01.234,50 2 maart 2026"),
    }
    for lang, (subject, line) in expected.items():
        folder = out / "tous" / lang
        assert sorted(p.name for p in folder.iterdir()) == ["email.eml", "email.html", "email.txt"]
        assert (folder / "email.txt").read_text(encoding="utf-8").strip() == line
        msg = parse((folder / "email.eml").read_bytes())
        assert (msg["Subject"], texts(msg)[0].strip()) == (subject, line)
        assert report.manifest["segments"][0]["languages"][lang]["subject"] == subject
    assert not (out / "tous" / "email.html").exists()  # one folder per language, no third copy


def test_a_campaign_in_one_language_keeps_one_folder(tmp_path: Path) -> None:
    files = {
        "campaign.yaml": CAMPAIGN.replace("languages: [fr, nl]", "languages: [fr]")
        .replace('{fr: "Offre de printemps", nl: "Lenteaanbieding"}', '"Offre"')
        .replace('{fr: "Nouveautés", nl: "Nieuw"}', '"Nouveautés"'),
        "email.mjml": TEMPLATE,
        "segments.yaml": "segments:\n  - {id: tous, name: Tous}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    build_campaign(tmp_path / "campaign.yaml", tmp_path / "out", lint=False)
    assert sorted(p.name for p in (tmp_path / "out" / "tous").iterdir()) == [
        "email.eml",
        "email.html",
        "email.txt",
    ]


def test_a_value_given_for_some_languages_only_is_an_error(tmp_path: Path, campaign: Path) -> None:
    text = CAMPAIGN.replace('{fr: "Nouveautés", nl: "Nieuw"}', '{fr: "Nouveautés"}')
    text = text.replace("languages: [fr, nl]", "languages: [fr, nl, en]")
    campaign.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="not for"):
        load_campaign_config(campaign)


def test_language_locale_keeps_the_campaigns_territory() -> None:
    assert language_locale("fr_BE", "nl") == "nl_BE"
    assert language_locale("fr_BE", "fr") == "fr_BE"
    assert language_locale("nl_NL", "fr") == "fr"  # CLDR has no fr_NL


def test_warmtepompen_example_writes_french_for_its_belgian_rows(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "warmtepompen-nl"
    out = tmp_path / "out"
    report = build_per_recipient(
        example / "campaign.yaml",
        example / "recipients.csv",
        out_dir=out,
        environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
    )
    assert report.messages == 6 and report.buckets["unassigned"] == 0
    subjects = {eml.name: parse(eml.read_bytes())["Subject"] for eml in out.rglob("*.eml")}
    assert subjects["000006-julie.lambert@chauffage-lambert.example.eml"] == (
        "Warmtepomp Nieuws · les nouveautés de septembre"
    )
    assert subjects["000002-sanne.de.vries@installatiebedrijf.example.eml"] == (
        "Warmtepomp Nieuws · nieuws voor installateurs"
    )


def test_the_locale_must_be_in_the_default_language(campaign: Path) -> None:
    campaign.write_text(
        CAMPAIGN.replace("languages: [fr, nl]", "languages: [nl, fr]"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="not in the default language nl"):
        load_campaign_config(campaign)
