"""The `serve` page in the reader's language (issue 18): its HTML words, its script's words
(the JSON object `T`), and `<html lang>`. Expected texts written here, not read from the
catalogues."""

from __future__ import annotations

import json
import re

import pytest

from b2bmail.i18n import using
from b2bmail.preview import page
from b2bmail.preview.page import APP_PAGE, PAGE_WORDS, SCRIPT_WORDS, app_page


def script_words(html: str) -> dict[str, str]:
    found = re.search(r"const T = (\{.*?\});\n", html)
    assert found is not None
    words: dict[str, str] = json.loads(found.group(1))
    return words


def test_english_page_is_the_page_as_written() -> None:
    with using("en"):
        html = app_page()
    assert html.replace(
        "const T = " + json.dumps({w: w for w in SCRIPT_WORDS}, ensure_ascii=False), "const T = {}"
    ) == (APP_PAGE)


def test_every_page_word_is_found_in_the_page() -> None:
    # A word no longer in the HTML would silently stay English.
    for word in PAGE_WORDS:
        assert f">{word}<" in APP_PAGE or f'title="{word}"' in APP_PAGE, word


@pytest.mark.parametrize(
    ("language", "html_words", "script"),
    [
        (
            "fr",
            [
                '<html lang="fr">',
                "<title>aperçu b2bmail</title>",
                "<h2>Segments</h2>",
                '<button data-width="375">Téléphone 375</button>',
                '<button data-images="off">Images désactivées</button>',
                'title="les vues sombre et Outlook sont des simulations (voir le manuel, Previewing a campaign)"',
            ],
            {"No lint problems.": "Aucun problème de lint.", "warning": "avertissement"},
        ),
        (
            "nl",
            [
                '<html lang="nl">',
                "<h2>Segmenten</h2>",
                '<button data-view="dark">Donker · Apple Mail</button>',
            ],
            {"build {n}": "build {n}", "server stopped": "server gestopt"},
        ),
    ],
)
def test_page_in_each_language(
    language: str, html_words: list[str], script: dict[str, str]
) -> None:
    with using(language):
        html = app_page()
    for word in html_words:
        assert word in html
    words = script_words(html)
    assert set(words) == set(SCRIPT_WORDS)
    for english, translated in script.items():
        assert words[english] == translated


def test_a_translation_cannot_close_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "_", lambda word: "</script><script>alert(1)</script>")
    html = app_page()
    assert html.count("</script>") == APP_PAGE.count("</script>")
    assert "<h2>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h2>" in html
