"""The language of a run: --lang, then B2BMAIL_LANG, then LC_ALL / LC_MESSAGES / LANG (POSIX)."""

from __future__ import annotations

import pytest

from b2bmail import i18n


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        (None, {}, "en"),
        ("fr", {"B2BMAIL_LANG": "nl"}, "fr"),
        (None, {"B2BMAIL_LANG": "nl_BE", "LANG": "fr_FR.UTF-8"}, "nl"),
        (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, {"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "fr_FR.UTF-8"}, "nl"),
        # LC_ALL overrides both, even when it names a locale without a catalogue (POSIX 8.2).
        (None, {"LC_ALL": "C", "LC_MESSAGES": "nl_NL.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"LC_ALL": "", "LANG": "fr_BE@euro"}, "fr"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        ("en-GB", {"LANG": "fr_FR.UTF-8"}, "en"),
    ],
)
def test_the_language_of_a_run(
    explicit: str | None, environ: dict[str, str], expected: str
) -> None:
    assert i18n.choose_language(explicit, environ) == expected


@pytest.mark.parametrize(("explicit", "environ"), [("de", {}), (None, {"B2BMAIL_LANG": "klingon"})])
def test_asking_by_name_for_a_language_b2bmail_does_not_speak_is_an_error(
    explicit: str | None, environ: dict[str, str]
) -> None:
    with pytest.raises(i18n.UnknownLanguage, match="en, fr, nl"):
        i18n.choose_language(explicit, environ)


def test_using_switches_for_a_block_and_restores() -> None:
    assert i18n.current_language() == "en"
    with i18n.using("fr"):
        assert i18n.current_language() == "fr"
    assert i18n.current_language() == "en"


@pytest.mark.parametrize(
    ("language", "size", "expected"),
    [
        # 34611 bytes = 33.799 KiB; the decimal sign and unit of each language (CLDR: fr and
        # nl write a decimal comma; French says "Ko", Dutch "kB").
        ("en", 34611, "33.8 KB"),
        ("fr", 34611, "33,8 Ko"),
        ("nl", 34611, "33,8 kB"),
        ("fr", 1264128, "1234,5 Ko"),  # 1234.5 KiB: no grouping, as the English "1234.5 KB"
    ],
)
def test_format_kb(language: str, size: int, expected: str) -> None:
    with i18n.using(language):
        assert i18n.format_kb(size) == expected


def test_translate_filled_translates_the_template_a_text_was_filled_from() -> None:
    templates = ("{gateway} in front of {mailbox}", "(domain does not exist)")
    with i18n.using("fr"):
        assert (
            i18n.translate_filled("Proofpoint in front of Microsoft 365", templates)
            == "Proofpoint devant Microsoft 365"
        )
        assert i18n.translate_filled("(domain does not exist)", templates) == "(domaine inexistant)"
        assert i18n.translate_filled("Mimecast", templates) == "Mimecast"  # no template: as is
