"""An `esp:` campaign's own tags pass lint's B2B606 in every language (issues 17 and 18): the
build recognises the finding by its code, its part and the tag it quotes, never by the words
around them, which are translated."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from b2bmail.campaign import BuiltSegment, esp_tag_problem
from b2bmail.lint.problem import Part, Problem

HTML = "<p>Bonjour {{ contact.FIRSTNAME }}, {{ content.offer }}</p>"


def _segment(esp: str, subject: str = "Offre") -> BuiltSegment:
    return cast(
        BuiltSegment,
        SimpleNamespace(esp=esp, subject=subject, preheader="", html=HTML, text=""),
    )


def _problem(message: str, part: Part = "html", snippet: str = "") -> Problem:
    return Problem(
        "email.html", "B2B606", "unresolved-template-syntax", "error", message, 1, 1, snippet, part
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("syntaxe de modèle non résolue '{{ contact.FIRSTNAME }}' — complétez-la", True),
        ("il reste dans l'e-mail la syntaxe '{{ contact.FIRSTNAME }}' — complétez-la", True),
        ("onopgeloste sjabloonsyntaxis '{{ contact.FIRSTNAME }}' — vul in of verwijder", True),
        ("syntaxe de modèle non résolue '{{ content.offer }}' — complétez-la", False),
    ],
    ids=["fr", "fr-apostrophe-before", "nl", "our-own-leftover"],
)
def test_the_esp_tag_is_found_whatever_the_words(message: str, expected: bool) -> None:
    assert esp_tag_problem(_problem(message), _segment("brevo")) is expected


def test_the_subject_finding_is_known_by_its_place_not_its_words() -> None:
    seg = _segment("mailchimp", subject="Offre *|FNAME|*")
    found = _problem(
        "syntaxe de modèle non résolue dans l'objet", "headers", "Subject: Offre *|FNAME|*"
    )
    assert esp_tag_problem(found, seg)
    other = _problem(
        "syntaxe de modèle non résolue dans l'en-tête X-Tag", "headers", "X-Tag: *|A|*"
    )
    assert not esp_tag_problem(other, seg)
