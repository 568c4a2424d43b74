"""`b2bmail rules` in the reader's language: the list, and one rule explained (issue 18).

The expected texts are written here, not read from the catalogues: a translation changed or
lost in fr.po or nl.po fails these tests."""

from __future__ import annotations

import pytest

from b2bmail.i18n import using
from b2bmail.lint.explain import explain_rule, list_rules
from b2bmail.lint.registry import find_rule

B2B101 = {
    "en": """\
B2B101 subject-missing [error] — reading

What it does:
    Flags a message (an .eml, or an email handed over by the build) without a subject.
    Bare HTML files have no subject and are not checked.

Why it matters:
    The subject is what decides whether a busy buyer opens the email at all; many
    filters score an empty subject as spam.
""",
    "fr": """\
B2B101 subject-missing [erreur] — lecture

Ce que fait la règle :
    Signale un message (un .eml, ou un e-mail transmis par le build) sans objet. Les
    fichiers HTML seuls n’ont pas d’objet et ne sont pas vérifiés.

Pourquoi c’est important :
    C’est l’objet qui décide si un acheteur pressé ouvre l’e-mail ; de nombreux filtres
    comptent un objet vide comme du spam.
""",
    "nl": """\
B2B101 subject-missing [fout] — lezen

Wat de regel doet:
    Meldt een bericht (een .eml, of een e-mail die de build aanlevert) zonder onderwerp.
    Losse HTML-bestanden hebben geen onderwerp en worden niet gecontroleerd.

Waarom het ertoe doet:
    Het onderwerp bepaalt of een drukke inkoper de e-mail überhaupt opent; veel filters
    rekenen een leeg onderwerp als spam.
""",
}
# The example and its fix are email code: the same in every language, under its heading.
EXAMPLE = """
{example}
    From: News <news@example.com>

    Hello

{instead}
    From: News <news@example.com>
    Subject: Your March maintenance schedule

    Hello
"""
HEADINGS = {
    "en": ("Example:", "Use instead:"),
    "fr": ("Exemple :", "À utiliser plutôt :"),
    "nl": ("Voorbeeld:", "Gebruik in plaats daarvan:"),
}


@pytest.mark.parametrize("language", ["en", "fr", "nl"])
def test_rule_explained_in_each_language(language: str) -> None:
    rule = find_rule("B2B101")
    assert rule is not None
    with using(language):
        text = explain_rule(rule)
    example, instead = HEADINGS[language]
    assert text == B2B101[language] + EXAMPLE.format(example=example, instead=instead)


def test_explained_thresholds_heading_in_french() -> None:
    rule = find_rule("subject-too-long")
    assert rule is not None
    with using("fr"):
        text = explain_rule(rule)
    assert text.startswith("B2B102 subject-too-long [avertissement] — lecture\n")
    assert text.endswith("Seuils ([tool.b2bmail.lint.thresholds]) :\n    subject-max-chars = 60\n")


def test_rule_list_in_dutch() -> None:
    rule = find_rule("B2B401")
    assert rule is not None
    with using("nl"):
        line = list_rules([rule])
    assert line == (
        "B2B401  img-missing-alt  fout     afbeeldingen   Meldt een `<img>` zonder `alt`-attribuut"
        ' (`alt=""` is juist voor een decoratieve afbeelding).\n'
    )


def test_rule_prose_follows_the_language_of_each_call() -> None:
    # The registry is cached once per process (lru_cache): what it caches is English, and
    # each read is translated then, so a French call never leaves French behind.
    rule = find_rule("B2B401")
    assert rule is not None
    with using("fr"):
        french = rule.summary
    assert rule.summary.startswith("Flags an `<img>` without an `alt` attribute")
    assert french.startswith("Signale une `<img>` sans attribut `alt`")
    assert rule.english_sections == rule.sections  # English: the docstring itself


def test_rule_list_columns_fit_the_french_words() -> None:
    # "erreur" is padded to "avertissement": the columns line up in French too.
    rules = [find_rule("B2B101"), find_rule("B2B102"), find_rule("B2B509")]
    assert None not in rules
    with using("fr"):
        text = list_rules([r for r in rules if r is not None])
    assert text == (
        "B2B101  subject-missing   erreur         lecture        Signale un message (un .eml, ou "
        "un e-mail transmis par le build) sans objet. Les fichiers HTML seuls n’ont pas d’objet et "
        "ne sont pas vérifiés.\n"
        "B2B102  subject-too-long  avertissement  lecture        Signale un objet de plus de "
        "`subject-max-chars` (60) caractères.\n"
        "B2B509  small-text        avertissement  accessibilité  Signale un texte dont la taille "
        "de police inline (héritée) est inférieure à `min-font-px` (14 px). Les pieds de page et "
        "mentions légales sont inclus : eux aussi doivent pouvoir être lus.\n"
    )
