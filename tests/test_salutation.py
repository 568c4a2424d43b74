"""Formal salutations in fr, nl, en and de: the forms are the business-letter conventions
written out by hand, not derived from the code."""

from __future__ import annotations

import pytest

from b2bmail.salutation import (
    FORMS,
    SALUTATION_FIELDS,
    salutation,
    salutation_language,
    salutation_values,
)


@pytest.mark.parametrize(
    ("civility", "last_name", "language", "expected"),
    [
        ("ms", "Dupont", "fr", "Madame Dupont,"),
        ("mr", "Durand", "fr", "Monsieur Durand,"),
        ("", "Durand", "fr", "Madame, Monsieur,"),
        ("ms", "", "fr", "Madame, Monsieur,"),
        ("mr", "Le Goff", "fr", "Monsieur Le Goff,"),
        ("ms", "De Vries", "nl", "Geachte mevrouw De Vries,"),
        ("mr", "Jansen", "nl", "Geachte heer Jansen,"),
        ("mr", "van der Berg", "nl", "Geachte heer van der Berg,"),
        ("", "Jansen", "nl", "Geachte heer, mevrouw,"),
        ("ms", "Okafor", "en", "Dear Ms Okafor,"),
        ("mr", "Smith", "en", "Dear Mr Smith,"),
        ("mr", "O'Neil", "en", "Dear Mr O'Neil,"),
        ("", "", "en", "Dear Sir or Madam,"),
        ("ms", "Müller", "de", "Sehr geehrte Frau Müller,"),
        ("mr", "Schmidt", "de", "Sehr geehrter Herr Schmidt,"),
        ("", "Schmidt", "de", "Sehr geehrte Damen und Herren,"),
    ],
)
def test_salutation_by_language_civility_and_name(
    civility: str, last_name: str, language: str, expected: str
) -> None:
    assert salutation(civility, last_name, language) == expected


def test_without_comma_for_a_greeting_of_ones_own() -> None:
    assert "Bonjour " + salutation("ms", "Dupont", "fr", comma=False) + "," == (
        "Bonjour Madame Dupont,"
    )


@pytest.mark.parametrize(
    ("language", "campaign_locale", "expected"),
    [
        ("", "nl_BE", "Geachte heer Jansen,"),  # no language: the campaign's
        ("es", "fr_FR", "Monsieur Jansen,"),  # no Spanish forms: the campaign's
        ("Klingon", "", "Dear Mr Jansen,"),  # neither: English
        ("en", "fr_FR", "Dear Mr Jansen,"),  # the recipient's language wins
    ],
)
def test_language_falls_back_to_the_campaigns(
    language: str, campaign_locale: str, expected: str
) -> None:
    assert salutation("mr", "Jansen", language, campaign_locale=campaign_locale) == expected


def test_salutation_values_make_both_fields() -> None:
    values = {"civility": "ms", "last_name": "  De   Vries ", "language": "nl"}
    assert salutation_values(values, "fr_FR") == {
        "salutation": "Geachte mevrouw De Vries,",
        "salutation_bare": "Geachte mevrouw De Vries",
    }
    assert salutation_values(values, "fr_FR", frozenset({"salutation_bare"})) == {
        "salutation_bare": "Geachte mevrouw De Vries"
    }


def _reference(civility: str, last_name: str, language: str, locale: str) -> str:
    # The definition the fast path replaces: the form's str.format, civility parsed each time.
    woman, man, neutral = FORMS[salutation_language(language, locale)]
    name = " ".join(last_name.split())
    which = {"mr": 1, "m": 1, "ms": 0, "mrs": 0, "mme": 0}.get(civility.strip().rstrip(".").lower())
    return neutral if which is None or not name else (man if which else woman).format(name=name)


@pytest.mark.parametrize("language", [*FORMS, "", "es", "nl-BE"])
@pytest.mark.parametrize("civility", ["M.", " Mme. ", "MR", "Mrs", "ms", "", "Dr"])
@pytest.mark.parametrize("last_name", ["Dupont", " van  der Berg ", "{name}", "{0}", "", "  "])
def test_split_forms_agree_with_str_format(civility: str, last_name: str, language: str) -> None:
    expected = _reference(civility, last_name, language, "fr_FR")
    assert salutation(civility, last_name, language, campaign_locale="fr_FR") == expected + ","
    values = {"civility": civility, "last_name": last_name, "language": language}
    assert salutation_values(values, "fr_FR") == {
        "salutation": expected + ",",
        "salutation_bare": expected,
    }


def test_salutation_values_writes_every_salutation_field() -> None:
    # salutation_values writes the fields of SALUTATION_FIELDS out one by one (no loop):
    # a field added there must be added there too.
    values = {"civility": "mme", "last_name": "Dupont", "language": "fr"}
    made = salutation_values(values, "")
    assert made.keys() == SALUTATION_FIELDS.keys()
    for name, comma in SALUTATION_FIELDS.items():
        assert made[name] == salutation("mme", "Dupont", "fr", comma=comma)
