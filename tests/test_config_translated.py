"""Campaign-file errors in the reader's language (issue 18): the same file:line, the sentence
and the hint in French or Dutch (vous / u), key names left as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_config import CAMPAIGN

from b2bmail import i18n
from b2bmail.config import load_campaign_config
from b2bmail.errors import ConfigError


def _error(tmp_path: Path, old: str, new: str, language: str) -> str:
    (tmp_path / "email.mjml").write_text("<mjml></mjml>", encoding="utf-8")
    (tmp_path / "segments.yaml").write_text("segments: []\n", encoding="utf-8")
    path = tmp_path / "campaign.yaml"
    assert old in CAMPAIGN
    path.write_text(CAMPAIGN.replace(old, new, 1), encoding="utf-8")
    with i18n.using(language), pytest.raises(ConfigError) as info:
        load_campaign_config(path)
    return str(info.value).removeprefix(f"{path}:")


@pytest.mark.parametrize(
    ("language", "old", "new", "expected"),
    [
        (
            "fr",
            "subject:",
            "subjet:",
            "6: clé inconnue 'subjet' dans la campagne — vouliez-vous dire 'subject' ?",
        ),
        (
            "nl",
            "subject:",
            "subjet:",
            "6: onbekende sleutel 'subjet' in de campagne — bedoelde u 'subject'?",
        ),
        (
            "fr",
            "utm: {source: newsletter, medium: email, campaign: t3}",
            "utm: [newsletter]",
            "20: utm doit être un dictionnaire, pas une liste"
            " — écrivez des lignes `clé: valeur` en dessous",
        ),
        (
            "nl",
            "  name: Terrex SA\n",
            "",
            "16: sleutel 'name' ontbreekt in company — voeg `name:` toe",
        ),
        (
            "fr",
            'url: "https',
            'url: "http',
            "13: unsubscribe.url doit être une URL https://"
            " — la désinscription en un clic de la RFC 8058 exige HTTPS",
        ),
        (
            "nl",
            "date: 2026-07-01T08:00:00+02:00",
            "date: 2026-07-01T08:00:00",
            "21: datum '2026-07-01T08:00:00' heeft geen UTC-verschuiving"
            " — voeg er een toe, bijv. +02:00 of Z",
        ),
    ],
    ids=["fr-unknown-key", "nl-unknown-key", "fr-kind", "nl-missing", "fr-https", "nl-offset"],
)
def test_campaign_errors_in_french_and_dutch(
    tmp_path: Path, language: str, old: str, new: str, expected: str
) -> None:
    assert _error(tmp_path, old, new, language) == expected


def test_a_missing_campaign_file_in_french(tmp_path: Path) -> None:
    path = tmp_path / "campaign.yaml"
    with i18n.using("fr"), pytest.raises(ConfigError) as info:
        load_campaign_config(path)
    assert str(info.value) == (
        f"{path}: fichier de campagne introuvable"
        " — vérifiez le chemin (les chemins relatifs partent du dossier courant)"
    )


def test_english_stays_the_text_of_the_code(tmp_path: Path) -> None:
    assert _error(tmp_path, "subject:", "subjet:", "en") == (
        "6: unknown key 'subjet' in the campaign — did you mean 'subject'?"
    )
