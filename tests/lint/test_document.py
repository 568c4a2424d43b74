"""Positions, snippets, parts and the parse-once document."""

from __future__ import annotations

import time

import pytest
from tests.lint.helpers import html_codes, lint_html

from b2bmail.errors import InputError
from b2bmail.i18n import using
from b2bmail.lint.api import lint_document, lint_message
from b2bmail.lint.document import Document


def test_element_position_is_the_start_tag() -> None:
    html = '<html>\n<body>\n  <p>x</p> <img\n   src="https://e.com/a.png"\n   width="1">\n</body></html>'
    doc = Document(path="t", html=html)
    img = doc.elements("img")[0]
    assert doc.position(img) == (3, 12)


def test_same_tag_twice_on_a_line() -> None:
    html = '<html><body><img src="https://e.com/a.png" alt="a" width="1" height="1"><img src="b.png" alt="b" width="1" height="1"></body></html>'
    problem = next(p for p in lint_html(html) if p.code == "B2B404")
    assert (problem.line, problem.column) == (1, html.index('<img src="b.png"') + 1)
    assert "b.png" in problem.snippet


def test_style_block_problem_line() -> None:
    html = "<html><head><style>\np { color: red; }\n.x { display: flex; }\n</style></head><body><p>a</p></body></html>"
    problem = next(p for p in lint_html(html) if p.code == "B2B301")
    assert problem.line == 3
    assert "display: flex" in problem.snippet


def test_eml_html_lines_count_within_the_decoded_html_part() -> None:
    raw = (
        "From: a@acme.com\nSubject: Hi\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        '<html lang=3D"en">\n<body>\n<img src=3D"https://e.com/a.png" width=3D"1" height=3D"1">\n</body></html>'
    )
    problem = next(p for p in lint_message(raw.encode(), "t.eml") if p.code == "B2B401")
    assert (problem.part, problem.line, problem.column) == ("html", 3, 1)


def test_visible_text_leaves_out_hidden_and_style() -> None:
    html = (
        '<html><body><div style="display:none">preview text</div><style>p{}</style>'
        "<p>Hello <b>world</b></p></body></html>"
    )
    doc = Document(path="t", html=html)
    assert doc.visible_text == "Hello world"
    assert doc.preheader == "preview text"


def test_visible_text_separates_words_at_blocks_and_br() -> None:
    # Minified, as MJML writes it: no white space between the cells, paragraphs and lines.
    html = (
        "<html><body><table><tr><td><a href='/h'>home</a></td><td><a href='/b'>blog</a></td>"
        "<td>store</td></tr></table><div>SPRING sale</div><p>Line one<br>Line two</p>"
        "<ul><li>first</li><li>second</li></ul>inline<b>bold</b><!-- note -->tail</body></html>"
    )
    doc = Document(path="t", html=html)
    assert doc.visible_text == (
        # Inline elements and comments join text, as a browser shows it.
        "home blog store SPRING sale Line one Line two first second inlineboldtail"
    )
    assert doc.word_count == 12


def test_visible_text_keeps_words_joined_by_zero_width_characters() -> None:
    # Templates put &zwnj; inside addresses and dates so that iOS does not turn them into
    # links; a reader sees "Address" and "28", one word each.
    doc = Document(path="t", html="<p>Addr&zwnj;ess, aug 2&zwnj;8, co&shy;operate</p>")
    assert doc.visible_text == "Address, aug 28, cooperate"


def test_empty_and_broken_input_does_not_raise() -> None:
    for html in ("", "   ", "<", "<<<>>>", "<html><body><p>unclosed"):
        assert isinstance(lint_html(html), list)


def test_text_only_message_is_linted_on_its_text() -> None:
    raw = "From: a@acme.com\nSubject: Hi\n\nHello. Unsubscribe: https://acme.com/u\n"
    problems = lint_message(raw.encode(), "t.eml")
    assert all(p.part != "html" for p in problems)
    assert "B2B701" not in {p.code for p in problems}
    assert any(p.code == "B2B703" and p.part == "text" for p in problems)


def _nested(levels: int) -> str:
    """A `javascript:` link under `levels` divs: with <html> and <body>, at depth levels + 3."""
    link = '<a href="javascript:alert(1)">x</a>'
    return "<html><body>\n" + "<div>" * levels + link + "</div>" * levels + "</body></html>"


@pytest.mark.parametrize("levels", [300, 2045], ids=["past-libxml2-default", "at-the-limit"])
def test_a_deeply_nested_link_is_linted(levels: int) -> None:
    # libxml2 stops at 256 levels unless told otherwise: the link was never seen, and the
    # file linted clean. With huge_tree it reads 2048 levels (libxml2 2.14): the link is at 2048.
    assert "B2B602" in html_codes(_nested(levels))


def test_nesting_past_the_parser_limit_is_an_error_not_a_clean_file() -> None:
    with pytest.raises(InputError) as caught:
        Document(path="deep.html", html=_nested(2046))
    assert caught.value.message == (
        "elements nested more than 2048 levels deep: too deeply nested to check"
    )
    assert (caught.value.path, caught.value.line) == ("deep.html", 2)


def test_html_size_at_the_limit_and_one_byte_past() -> None:
    limit = 2_000_000  # the documented bound (docs/manual/lint.md, "b2bmail lint PATH...")
    page = "<html><body><p>x</p></body></html>"
    Document(path="big.html", html=page + " " * (limit - len(page)))  # exactly the limit
    with pytest.raises(InputError) as caught:
        Document(path="big.html", html=page + " " * (limit + 1 - len(page)))
    assert caught.value.message == "the HTML is 2,000,001 bytes; lint reads at most 2,000,000"


@pytest.mark.parametrize(
    "html",
    [
        # Tens of thousands of problems on one line (minified HTML): each used to search its
        # tag's whole list and count back over the line (2.5 minutes for 20,000 images).
        "<html><body>" + '<img src="x.png">' * 20_000 + "</body></html>",
        # One problem per rule of a long <style> block, each counting the lines before it.
        "<html><head><style>\n"
        + "".join(f".c{i} {{ display: flex; position: absolute; }}\n" for i in range(20_000))
        + "</style></head><body><p>x</p></body></html>",
        # A disable comment per element: each problem went through every directive.
        "<html><body>"
        + '<!-- b2bmail-disable-next-line B2B999 -->\n<img src="x.png">\n' * 20_000
        + "</body></html>",
    ],
    ids=["one-line", "style-block", "directives"],
)
def test_tens_of_thousands_of_problems_lint_in_linear_time(html: str) -> None:
    started = time.process_time()
    problems = lint_html(html)
    assert len(problems) >= 40_000
    assert time.process_time() - started < 5  # about 0.5 s; quadratic, it took minutes


def test_cached_facts_hold_no_message_so_a_second_language_is_honoured() -> None:
    # A Document caches its facts (lint.cached) and rules share values through `memo`: none
    # of them may hold a message, or linting the same document again in another language
    # would give the first language's words (issue 18).
    html = '<html><body><img src="https://e.com/a.png" width="1" height="1"></body></html>'
    doc = Document(path="t.html", html=html)
    with using("fr"):
        french = [p.message for p in lint_document(doc) if p.code == "B2B401"]
    with using("nl"):
        dutch = [p.message for p in lint_document(doc) if p.code == "B2B401"]
    english = [p.message for p in lint_document(doc) if p.code == "B2B401"]
    assert french == [
        "l’image https://e.com/a.png n’a pas de texte alternatif — décrivez-la, "
        'ou alt="" si elle est décorative'
    ]
    assert dutch == [
        "afbeelding https://e.com/a.png heeft geen alt-tekst — beschrijf haar, "
        'of alt="" als ze decoratief is'
    ]
    assert english == [
        'image https://e.com/a.png has no alt text — describe it, or alt="" if decorative'
    ]
