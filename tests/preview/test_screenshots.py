"""Screenshot labels and `--widths` errors in the reader's language (issue 18). Expected
texts written here, not read from the catalogues."""

from __future__ import annotations

import pytest

from b2bmail.errors import PreviewError
from b2bmail.i18n import using
from b2bmail.preview.screenshots import Shot, parse_widths


@pytest.mark.parametrize(
    ("language", "phone", "dark"),
    [
        ("en", "phone · 375 px · images off", "desktop · 600 px · dark (Apple Mail)"),
        (
            "fr",
            "téléphone · 375 px · images désactivées",
            "ordinateur · 600 px · sombre (Apple Mail)",
        ),
        ("nl", "telefoon · 375 px · afbeeldingen uit", "desktop · 600 px · donker (Apple Mail)"),
    ],
)
def test_shot_labels_in_each_language(language: str, phone: str, dark: str) -> None:
    with using(language):
        assert Shot(375, 900, False, "shot-375.png", b"", "light").label == phone
        assert Shot(600, 900, True, "shot-600-dark.png", b"", "dark").label == dark


def test_invalid_width_in_french() -> None:
    with using("fr"), pytest.raises(PreviewError) as caught:
        parse_widths("600,wide")
    assert caught.value.message == "largeur invalide 'wide' dans --widths '600,wide'"
    assert caught.value.hint == (
        "indiquez des largeurs en pixels séparées par des virgules, entre 200 et 2000, "
        "par ex. 600,375"
    )
