"""The journey vocabulary: stage words from lists -> the canonical stage."""

from __future__ import annotations

import pytest

from b2bmail.journey import normalize_stage, slugify


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("decision", "decision"),
        (" Décision ", "decision"),
        ("Découverte", "awareness"),
        ("Réflexion", "consideration"),
        ("CONSIDERATION", "consideration"),
        ("", None),
        ("prospect", None),
        ("{{ stage }}", None),
        (None, None),
        (frozenset({"decision"}), None),
    ],
    ids=["canonical", "french-accented", "decouverte", "reflexion", "upper", "blank",
         "unknown", "template-syntax", "none", "not-text"],
)  # fmt: skip
def test_normalize_stage(value: object, expected: str | None) -> None:
    assert normalize_stage(value) == expected


def test_slugify_strips_accents_and_joins_runs() -> None:
    assert slugify("\ufeffAdresse E-mail") == "adresse_e_mail"
    assert slugify("  Étape / Phase ") == "etape_phase"
