"""Cell values normalised with Babel's locale data (CLDR): countries, languages, civility,
roles. Expected codes are ISO 3166-1 alpha-2 and ISO 639-1, written by hand."""

from __future__ import annotations

import pytest

from b2bmail.recipients.fields import canonical_key, normalize_cell, normalize_value


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Afrique du Sud", "ZA"),
        ("South Africa", "ZA"),
        ("ZA", "ZA"),
        ("za", "ZA"),
        ("Zuid-Afrika", "ZA"),
        ("Maroc", "MA"),
        ("Morocco", "MA"),
        ("Belgique", "BE"),
        ("België", "BE"),
        ("belgie", "BE"),
        ("Ireland", "IE"),
        ("Irlande", "IE"),
        ("Pays-Bas", "NL"),
        ("Nederland", "NL"),
        ("Deutschland", "DE"),
        ("ALLEMAGNE", "DE"),
        ("Suisse", "CH"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("Espagne", "ES"),
        ("France", "FR"),
    ],
)
def test_country_names_in_any_language_become_iso_codes(typed: str, code: str) -> None:
    assert normalize_cell("country", typed) == (code, True)


@pytest.mark.parametrize("typed", ["Atlantis", "XX", "Europe du Nord"])
def test_unknown_country_is_kept_as_typed_and_flagged(typed: str) -> None:
    assert normalize_cell("country", typed) == (typed, False)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Anglais", "en"),
        ("anglais", "en"),
        ("English", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("Engels", "en"),
        ("Néerlandais", "nl"),
        ("Nederlands", "nl"),
        ("nl_BE", "nl"),
        ("Français", "fr"),
        ("francais", "fr"),
        ("Deutsch", "de"),
        ("Allemand", "de"),
        ("Espagnol", "es"),
    ],
)
def test_language_names_and_codes_become_iso_639_1(typed: str, code: str) -> None:
    assert normalize_cell("language", typed) == (code, True)


def test_unknown_language_is_kept_as_typed_and_flagged() -> None:
    assert normalize_cell("language", "Elfique") == ("Elfique", False)


@pytest.mark.parametrize(
    ("typed", "civility"),
    [
        ("M.", "mr"),
        ("Mr", "mr"),
        ("Mr.", "mr"),
        ("Monsieur", "mr"),
        ("Mme", "ms"),
        ("Mlle", "ms"),
        ("Madame", "ms"),
        ("Mrs", "ms"),
        ("Ms", "ms"),
        ("Miss", "ms"),
        ("Dhr.", "mr"),
        ("De heer", "mr"),
        ("Mevr.", "ms"),
        ("Mevrouw", "ms"),
        ("Herr", "mr"),
        ("Frau", "ms"),
        ("Sr.", "mr"),
        ("Sra.", "ms"),
    ],
)
def test_civility_words_become_mr_or_ms(typed: str, civility: str) -> None:
    assert normalize_cell("civility", typed) == (civility, True)


def test_unknown_civility_becomes_empty_and_flagged() -> None:
    assert normalize_cell("civility", "Dr") == ("", False)


@pytest.mark.parametrize(
    "header",
    ["Civilité", "Titre", "Title", "Salutation", "Aanhef", "Anrede", "Genre", "Gender"],
)
def test_civility_column_aliases(header: str) -> None:
    assert canonical_key(header) == "civility"


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("Acheteur", "buyer"),
        ("Acheteuse", "buyer"),
        ("Prescripteur", "prescriber"),
        ("Prescriptrice", "prescriber"),
        ("Décideur", "decider"),
        ("Décideuse", "decider"),
        ("Utilisateur", "end_user"),
        ("Utilisatrice", "end_user"),
        ("Inkoper", "buyer"),
        ("Beslisser", "decider"),
        ("Voorschrijver", "prescriber"),
        ("Eindgebruiker", "end_user"),
        ("Decision maker", "decider"),
        ("Buyer", "buyer"),
        ("End user", "end_user"),
    ],
)
def test_role_words_masculine_feminine_dutch_english(typed: str, role: str) -> None:
    assert normalize_value("roles", typed) == frozenset({role})


def test_roles_list_with_unknown_word_is_flagged() -> None:
    assert normalize_cell("roles", "Acheteuse; stagiaire") == (
        frozenset({"buyer", "stagiaire"}),
        False,
    )
