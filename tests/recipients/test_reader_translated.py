"""Recipient-list errors and the segment report in the reader's language (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bmail import i18n
from b2bmail.errors import InputError
from b2bmail.recipients.reader import read_recipients


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "le fichier est vide — exportez à nouveau la liste avec une ligne d'en-tête"),
        ("nl", "het bestand is leeg — exporteer de lijst opnieuw met een kopregel"),
    ],
)
def test_an_empty_list_in_french_and_dutch(tmp_path: Path, language: str, expected: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"")
    with i18n.using(language), pytest.raises(InputError) as info:
        read_recipients(path)
    assert str(info.value) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "1: aucune colonne d'e-mail parmi les en-têtes ('nom', 'société') ; séparateur"
            " point-virgule — nommez la colonne email, e_mail, courriel, adresse_e_mail, adresse_email"
            " (ou passez --delimiter si les colonnes n'ont pas été séparées)",
        ),
        (
            "nl",
            "1: geen e-mailkolom tussen de kolomkoppen ('nom', 'société'); scheidingsteken"
            " puntkomma — noem de kolom een van email, e_mail, courriel, adresse_e_mail, adresse_email"
            " (of geef --delimiter mee als de kolommen niet zijn gesplitst)",
        ),
    ],
)
def test_no_email_column_in_french_and_dutch(tmp_path: Path, language: str, expected: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text("nom;société\nDupont;Acme\n", encoding="utf-8")
    with i18n.using(language), pytest.raises(InputError) as info:
        read_recipients(path)
    assert str(info.value) == f"{path}:{expected}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "list.csv: ligne 7: valeur vide"), ("nl", "list.csv: rij 7: valeur vide")],
)
def test_a_csv_row_is_named_in_the_readers_language(language: str, expected: str) -> None:
    with i18n.using(language):
        assert str(InputError("valeur vide", path="list.csv", row=7)) == expected
