from datetime import datetime
from pathlib import Path

import pytest

from b2bmail.config import load_campaign_config
from b2bmail.errors import ConfigError

CAMPAIGN = """\
name: Lettre T3
locale: fr_FR
sender:
  from: "Terrex <news@terrex.example>"
  reply_to: contact@terrex.example
subject: "Nouveautés {{ segment.name }}"
preheader: Le trimestre en bref
template: email.mjml
segments: segments.yaml
content:
  intro: Bonjour
unsubscribe:
  url: "https://news.terrex.example/u/{{ recipient.unsubscribe_token }}"
  mailto: unsubscribe@terrex.example
company:
  name: Terrex SA
  postal_address: 1 rue de l'Exemple, 69000 Lyon
  legal: SA au capital de 1 000 000 €
list_id: "Lettre Terrex <trimestrielle.terrex.example>"
utm: {source: newsletter, medium: email, campaign: t3}
date: 2026-07-01T08:00:00+02:00
"""


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text("<mjml></mjml>", encoding="utf-8")
    (tmp_path / "segments.yaml").write_text("segments: []\n", encoding="utf-8")
    return tmp_path


def test_loads_valid_campaign(campaign_dir: Path) -> None:
    c = load_campaign_config(campaign_dir / "campaign.yaml")
    assert c.name == "Lettre T3"
    assert c.sender.from_addr == "Terrex <news@terrex.example>"
    assert c.sender.reply_to == "contact@terrex.example"
    assert c.unsubscribe.mailto == "mailto:unsubscribe@terrex.example"
    assert c.template == (campaign_dir / "email.mjml").resolve()
    assert c.list_id == "Lettre Terrex <trimestrielle.terrex.example>"
    assert c.utm == {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "t3"}
    assert c.content == {"intro": "Bonjour"}
    assert c.date == datetime.fromisoformat("2026-07-01T08:00:00+02:00")
    assert c.sample_recipient["unsubscribe_token"] == "sample-token"


@pytest.mark.parametrize(
    ("old", "new", "line", "needle"),
    [
        (
            "subject:",
            "subjet:",
            6,
            "unknown key 'subjet' in the campaign — did you mean 'subject'?",
        ),
        ("locale: fr_FR", "locale: xx_YY", 2, "unknown locale 'xx_YY'"),
        ("template: email.mjml", "template: nope.mjml", 8, "template 'nope.mjml' not found"),
        ("  reply_to: contact@terrex.example", "  reply_to: [a]", 5, "must be text"),
        ('  url: "https', '  url: "http', 13, "must be an https:// URL"),
        ("sender:\n", "sender: [\n", 5, "while parsing a flow sequence started on line 3"),
        ("date: 2026-07-01T08:00:00+02:00", "date: tomorrow", 21, "not an ISO 8601"),
        (
            'list_id: "Lettre Terrex <trimestrielle.terrex.example>"',
            "list_id: nodots",
            19,
            "not a list identifier",
        ),
        ("  name: Terrex SA\n", "", 16, "missing key 'name' in company"),
    ],
    ids=[
        "unknown-key",
        "locale",
        "missing-template",
        "wrong-type",
        "http",
        "syntax",
        "date",
        "list-id",
        "missing",
    ],
)
def test_errors_carry_line_and_hint(
    campaign_dir: Path, old: str, new: str, line: int, needle: str
) -> None:
    path = campaign_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign_config(path)
    assert needle in str(info.value)
    assert info.value.line == line
    assert info.value.path == str(path)


def test_missing_campaign_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="campaign file not found"):
        load_campaign_config(tmp_path / "campaign.yaml")
