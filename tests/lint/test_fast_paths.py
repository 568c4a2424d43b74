"""The speed paths of the lint engine give what the plain way gives.

Each fast path (see benchmarks/lint.py) is checked against a direct, slow computation of the
same thing, over hand-made edge cases and every template of the real-world corpus.
"""

from __future__ import annotations

import binascii
import gc
import re
import weakref
from bisect import bisect_right
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from b2bmail.lint.api import _problem
from b2bmail.lint.document import Document, qp_size_bound
from b2bmail.lint.problem import Problem
from b2bmail.lint.rules.a11y import Inherited
from b2bmail.lint.sources import read_document

CORPUS = Path(__file__).resolve().parents[2] / "../shared/research/data/email-corpus"
CORPUS_FILES = sorted(CORPUS.resolve().rglob("*.html")) if CORPUS.exists() else []

EDGE_CASES = [
    "<html><body><p>a</p><p>b</p>\n<p>c</p></body></html>",
    "<p>one</p><p>two</p><p>three</p>",  # implied html/body
    "<html><body><table><tr><td>a</td><td>b</td></tr>\n<tr><td>c</td></tr></table></body></html>",
    "<html><body>\n<div style='max-width:600px'><!--[if mso]><table><tr><td><![endif]-->"
    "<p>x</p><!--[if mso]></td></tr></table><![endif]--></div>\n"
    "<!--[if mso]><table><tr><td><![endif]--><div style='max-width:600px'>y</div>"
    "<div><!--[IF MSO]><TD><![endif]--><span>a</span><span>b</span></div></body></html>",
    "<html><body><img src=a.png><img src=b.png>\n\n<img\nsrc=c.png></body></html><p>late</p>",
    # Background images with and without a colour behind them (B2B508's fallback colour).
    "<html><body><table background='a.jpg'><tr><td><p style='color:#ffffff'>on image</p></td>"
    "<td bgcolor='#222222' style='background-image:url(a.jpg)'>fallback</td>"
    "<td style='background:url(a.jpg); color:#ffffff'>css image "
    "<span style='background-color:#000000'>inner</span></td></tr></table></body></html>",
    # More than eight of a tag on a line (minified HTML), among longer tag names.
    "<html><body>"
    + "<b>x</b><br><abbr>y</abbr><a href=#>z</a><bdi>w</bdi>" * 12
    + "\n<img\nsrc=a.png>" * 3
    + "<img src=b.png>" * 10
    + "</body></html>",
    "<html><head><style>p { color: RGB(1 2 3) } /* var(--x) */</style></head>"
    "<body bgcolor='#000000'><font color='#777777'><p>grey on black</p>"
    "<span style='color:#ffffff'>white</span></font><table bgcolor='#ffffff'><tr>"
    "<td style='background:#222222'><font color='#333333' style='color:#eeeeee'>x</font></td>"
    "<td bgcolor='nonsense' style='font-size:10px'>small <b>bold</b></td></tr></table>"
    "<div style='display:none'>hidden</div><style>p { background: url(a.png) }</style>"
    "<p style='margin: 0 Var(--gap)'>&nbsp;</p><title>t</title></body></html>",
]


MISSING = f"email corpus not found at {CORPUS} (clone shared/ beside the repo)"


def from_corpus(read: Callable[[Path], Any], files: Sequence[Path] = CORPUS_FILES) -> list[Any]:
    """One parameter per corpus file; without the corpus, one that skips and says why (so the
    corpus cases never vanish from the run unnoticed)."""
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="corpus-missing")]
    return [read(path) for path in files]


def all_documents() -> list[Any]:
    return [Document(path="edge", html=html) for html in EDGE_CASES] + from_corpus(read_document)


def _slow_same_line(doc: Document, el: etree._Element) -> list[etree._Element]:
    return [other for other in doc.root.iter(el.tag) if other.sourceline == el.sourceline]


def _slow_mso_fallback(el: etree._Element) -> bool:
    candidates = [el.getprevious()]
    parent = el.getparent()
    if parent is not None and parent[0] is not el:
        candidates.append(parent[0])
    candidates.append(el[0] if len(el) else None)
    for node in candidates:
        if node is not None and node.tag is etree.Comment:
            text = (node.text or "").lower()
            if "[if" in text and "mso" in text and ("<table" in text or "<td" in text):
                return True
    return False


@pytest.mark.skipif(not CORPUS.is_dir(), reason=MISSING)
def test_the_corpus_is_there() -> None:
    # When the research folder is there, the corpus cases above must not be silently empty.
    assert len(CORPUS_FILES) >= 5


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_ghost_table_fallback(doc: Document) -> None:
    found = 0
    for el in doc.root.iter(etree.Element):
        assert doc.has_mso_fallback(el) == _slow_mso_fallback(el)
        found += _slow_mso_fallback(el)
    if doc.path == "edge" and "max-width" in doc.source:
        assert found >= 3


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_styled_elements_in_document_order(doc: Document) -> None:
    order = {el: i for i, el in enumerate(doc.root.iter())}
    styled = list(doc.inline_styles)
    assert doc.styled_order(reversed(styled)) == sorted(styled, key=order.__getitem__)


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_styles_by_property_index(doc: Document) -> None:
    expected: dict[str, list[tuple[str, list[etree._Element]]]] = {}
    groups: dict[str, list[etree._Element]] = {}
    for el in doc.root.iter(etree.Element):
        raw = el.get("style")
        if raw:
            groups.setdefault(raw, []).append(el)
    for elements in groups.values():
        for prop, value in doc.style(elements[0]).items():
            expected.setdefault(prop, []).append((value, elements))
    assert doc.styles_by_property == expected


@pytest.mark.parametrize(
    "data",
    [
        *(b"", b"=", b"a\nb\n", b" \n.\n", "é=\n\t\x00".encode(), b"x" * 500 + b"\n" * 3),
        *from_corpus(Path.read_bytes, CORPUS_FILES[:3]),
    ],
)
def test_quoted_printable_bound(data: bytes) -> None:
    assert qp_size_bound(data) >= len(binascii.b2a_qp(data))


def test_fast_problem_equals_problem() -> None:
    fields = dict(
        path="a.html",
        code="B2B401",
        name="img-missing-alt",
        severity="error",
        message="m",
        line=3,
        column=None,
        snippet="<img>",
        part="html",
    )
    fast, slow = _problem(**fields), Problem(**fields)  # type: ignore[arg-type]
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    with pytest.raises(AttributeError):
        fast.line = 4  # type: ignore[misc]


def _slow_position(doc: Document, el: etree._Element) -> tuple[int, int | None]:
    """Where `el`'s start tag begins, with an index of every line start of the source."""
    line = el.sourceline or 1
    source = doc.source
    starts = [0] + [i + 1 for i, char in enumerate(source) if char == "\n"]
    if line > len(starts):
        return line, None
    group = _slow_same_line(doc, el)
    end = starts[line] if line < len(starts) else len(source)
    begin = starts[max(0, line - 15)]
    needle = "<" + el.tag
    back = len(group) - group.index(el)
    offset = end
    while back:
        offset = source.rfind(needle, begin, offset)
        if offset == -1:
            return line, None
        if source[offset + len(needle) : offset + len(needle) + 1] in " \t\n\r/>":
            back -= 1
    real_line = max(i for i, start in enumerate(starts, 1) if start <= offset)
    return real_line, offset - starts[real_line - 1] + 1


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_element_positions(doc: Document) -> None:
    for el in doc.root.iter(etree.Element):
        assert doc.position(el) == _slow_position(doc, el), el.tag
        line = doc.position(el)[0]
        assert doc.line_text(line) == [*doc.source.split("\n"), ""][line - 1]


def _check_lines_and_offsets(source: str, lines_first: bool) -> None:
    """Lines and offsets of a fresh document of `source` as an index of every line start
    (lines end at "\n" only, as lxml counts them) gives them, asked for in either order:
    the blocks of eight lines are found on demand, as far as the questions reach."""
    doc = Document(path="edge", html=source)
    starts = [0] + [i + 1 for i, char in enumerate(source) if char == "\n"]
    texts = source.split("\n")
    step = max(1, len(source) // 3000)  # every offset of a small source, a sample of a big one
    offsets = [*range(len(source), -1, -step), *starts, *(start - 1 for start in starts[1:])]

    def lines() -> None:
        for line in [*range(len(starts) + 9, -2, -1), *range(len(starts) + 9)]:
            want = texts[line - 1] if 1 <= line <= len(texts) else ""
            assert doc.line_text(line) == want, line

    if lines_first:
        lines()
    for offset in offsets:
        line = bisect_right(starts, offset)
        assert doc.offset_position(offset) == (line, offset - starts[line - 1] + 1), offset
    lines()


# Around the blocks of eight lines: 0 to 26 lines, ending with a newline or not.
_LINE_COUNTS = [
    "".join(f"<p>{i}é</p>\n" for i in range(count)) + tail
    for count in (0, 1, 7, 8, 9, 15, 16, 17, 24, 25, 26)
    for tail in ("", "<p>last</p>", "\n")
]


@pytest.mark.parametrize("lines_first", [False, True])
@pytest.mark.parametrize("source", _LINE_COUNTS + EDGE_CASES)
def test_lines_and_offsets_around_the_blocks_of_eight(source: str, lines_first: bool) -> None:
    _check_lines_and_offsets(source, lines_first)


@pytest.mark.parametrize("path", from_corpus(lambda path: path), ids=lambda p: Path(p).name)
def test_lines_and_offsets_on_the_corpus(path: Path) -> None:
    source = read_document(path).source
    _check_lines_and_offsets(source, lines_first=False)
    _check_lines_and_offsets(source, lines_first=True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab é\n\r\t<p>"), max_size=400))
def test_lines_and_offsets_of_any_text(source: str) -> None:
    _check_lines_and_offsets(source, lines_first=False)


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_word_count_from_the_kept_tokens(doc: Document) -> None:
    from b2bmail.lint.facts.text import _WORD, count_words, squash_spaces

    assert doc.word_count == count_words(doc.visible_text) == len(_WORD.findall(doc.visible_text))
    assert doc.visible_text == squash_spaces(doc.visible_text)


_WORDY_TEXT = st.text(alphabet=st.sampled_from("ab9Z_'’-.,!?;:/()&@ \t\n\x0b\x1c\xa0é€·–"))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_WORDY_TEXT, st.text(alphabet=st.characters(max_codepoint=127)), st.text()))
def test_word_count_as_the_word_pattern_finds_words(text: str) -> None:
    # Both ways of count_words: ASCII text by byte translation, other text token by token.
    from b2bmail.lint.facts.text import _WORD, count_words

    assert count_words(text) == len(_WORD.findall(text))


@pytest.mark.parametrize(
    ("value", "important"),
    [("0 !important", True), ("0 !IMPORTANT", True), ("0 !Important", True), ("0 !", False)],
)
def test_important_in_any_case(value: str, important: bool) -> None:
    from b2bmail.lint.css import parse_style

    assert (parse_style(f"margin: {value}")["margin"] == "0") is important


def test_cached_computes_once_and_stores_in_the_instance() -> None:
    from b2bmail.lint.cached import cached

    calls = []

    class Thing:
        @cached
        def value(self) -> int:
            """The answer."""
            calls.append(1)
            return 42

    thing = Thing()
    assert thing.value == 42
    assert thing.value == 42
    assert calls == [1]
    assert thing.__dict__["value"] == 42
    assert isinstance(Thing.value, cached)
    assert Thing.value.__doc__ == "The answer."


def test_configuration_plan_follows_select_ignore_severity_and_thresholds() -> None:
    from b2bmail.lint.config import LintConfig
    from b2bmail.lint.registry import all_rules

    assert [rule for rule, _sev, _t in LintConfig().plan] == list(all_rules())
    config = LintConfig().merged(
        {
            "select": ["B2B1"],
            "ignore": ["B2B103"],
            "severity": {"B2B106": "error"},
            "thresholds": {"max-words": 50},
        }
    )
    plan = {rule.code: (severity, thresholds) for rule, severity, thresholds in config.plan}
    assert all(code.startswith("B2B1") for code in plan) and "B2B103" not in plan
    assert plan["B2B106"] == ("error", {"max-words": 50, "words-per-minute": 238})
    assert plan["B2B101"][0] is None


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("a { color: red }", [("color", None)]),
        (
            "@media x { a { color: red } } b { margin: 0 }",
            [("color", "@media x"), ("margin", None)],
        ),
        (
            "@media x { @supports y { a { color: red } } b { top: 0 } } c { left: 0 }",
            [("color", "@supports y"), ("top", "@media x"), ("left", None)],
        ),
        (  # stray closing braces; a rule inside a rule (its text is read as declarations)
            "} } @media x { a { b { color: red } width: 1px } }",
            [("color", "@media x"), ("b { color", "@media x")],
        ),
        ("@media x { @font-face { font-family: A } }", [("font-family", "@media x")]),
        ("@media x { a { color: red }", [("color", "@media x")]),  # never closed
    ],
)
def test_stylesheet_declarations_know_their_innermost_group(
    css: str, expected: list[tuple[str, str | None]]
) -> None:
    from b2bmail.lint.css import parse_stylesheet

    sheet = parse_stylesheet(css)
    assert [(d.prop, d.media) for d in sheet.declarations] == expected


def _slow_css_texts(doc: Document) -> str:
    raws = [el.get("style") or "" for el in doc.root.iter(etree.Element)]
    return "\n".join([*raws, *(el.text or "" for el in doc.root.iter("style"))]).lower()


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_css_function_precheck(doc: Document) -> None:
    import re

    css = _slow_css_texts(doc)
    for name in ("rgb", "rgba", "var", "url", "calc"):
        slow = re.search(rf"{name}\(", css) is not None
        assert doc.calls_css_function(name) == slow, name
    if doc.path == "edge" and "RGB(" in doc.source:
        assert doc.calls_css_function("rgb") and doc.calls_css_function("var")


def _slow_text_styles(doc: Document) -> list[tuple[etree._Element, Inherited]]:
    """Each visible text element with its inherited (colour, background, whether that
    background is an image with no colour, size), by a walk down from the root for every
    element: the definition, slowly."""
    from b2bmail.lint.css import RGB, parse_color, parse_px, parse_style
    from b2bmail.lint.rules.a11y import WHITE

    found: list[tuple[etree._Element, Inherited]] = []
    hidden = doc.hidden_set
    for el in doc.body.iter(etree.Element):
        if el.tag in ("style", "script", "title") or el in hidden:
            continue
        if not el.text or el.text.isspace():
            continue
        color: RGB | None = None
        background: RGB | None = WHITE
        image_only, size = False, None
        for node in [*reversed(list(el.iterancestors())), el]:
            if node.tag == "font" and node.get("color"):
                color = parse_color(node.get("color")) or color
            has_bgcolor = bool(node.get("bgcolor") and parse_color(node.get("bgcolor")))
            if has_bgcolor:
                background, image_only = parse_color(node.get("bgcolor")), False
            style = parse_style(node.get("style") or "")
            if "color" in style and parse_color(style["color"]):
                color = parse_color(style["color"])
            colored = False
            for prop in ("background-color", "background"):
                if prop in style and parse_color(style[prop]):
                    background, image_only, colored = parse_color(style[prop]), False, True
            image = any(
                "url(" in style.get(p, "").lower() for p in ("background", "background-image")
            )
            if node.tag in ("table", "td", "th", "body") and node.get("background"):
                image = True
            if image and not colored and not has_bgcolor:
                image_only = True
            if "font-size" in style and parse_px(style["font-size"]):
                size = parse_px(style["font-size"])
        assert background is not None
        found.append((el, (color, background, image_only, size)))
    return found


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_inherited_text_styles(doc: Document) -> None:
    from b2bmail.lint.rules.a11y import _computed

    assert _computed(doc) == _slow_text_styles(doc)


def test_inherited_text_styles_edge_case() -> None:
    from b2bmail.lint.rules.a11y import _computed

    doc = Document(path="edge", html=EDGE_CASES[-1])
    found = {el.text: state for el, state in _computed(doc)}
    assert found["grey on black"] == ((119, 119, 119), (0, 0, 0), False, None)
    assert found["white"][0] == (255, 255, 255)
    assert found["x"] == ((238, 238, 238), (34, 34, 34), False, None)  # the style wins
    assert found["small "] == (None, (255, 255, 255), False, 10.0)
    assert "hidden" not in found and "t" not in found


_BACKGROUND_EDGE = (
    "<html><body background='b.jpg'><div background='d.jpg'>d</div><div background=''>e</div>"
    "<table BACKGROUND='t.jpg'><tr background='r.jpg'><th background=' '>h</th>"
    "<td background='c.jpg'>c</td><td>n</td></tr></table><p background='p.jpg'>p</p></body></html>"
)


@pytest.mark.parametrize(
    "doc",
    [Document(path="edge", html=_BACKGROUND_EDGE), *all_documents()],
    ids=lambda d: Path(d.path).name,
)
def test_background_attributes_read_once_for_two_rules(doc: Document) -> None:
    # B2B304 and B2B508 share one read of the `background` attribute: each keeps what its
    # own loop over its tags used to find.
    from b2bmail.lint.rules._shared import background_attributes

    shared = background_attributes(doc)
    b2b304 = [el for el in doc.elements("td", "table", "body", "div") if el.get("background")]
    b2b508 = [el for el in doc.elements("table", "td", "th", "body") if el.get("background")]
    assert [el for el in shared if el.tag != "th"] == b2b304
    assert {el for el in shared if el.tag != "div"} == set(b2b508)
    assert len(set(shared)) == len(shared)


def test_background_attributes_edge_case() -> None:
    from b2bmail.lint.rules._shared import background_attributes

    doc = Document(path="edge", html=_BACKGROUND_EDGE)
    # Non-empty values only (" " counts, as `el.get` is truthy), on the five tags alone.
    assert [el.tag for el in background_attributes(doc)] == ["td", "table", "body", "div", "th"]


_UNSUBSCRIBE_TEXT = st.lists(
    st.sampled_from(["unsub", "scri", "be", "opt", "-", " ", "out", "Dés", "inscri", "*|",
                     "UNSUB", "|*", "{{", "%%", "abmelden", "x", "É"]),
    max_size=12,
).map("".join)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(_UNSUBSCRIBE_TEXT)
def test_unsubscribe_words_in_one_search(text: str) -> None:
    from b2bmail.lint.rules.compliance import UNSUBSCRIBE_WORDS, mentions_unsubscribe

    assert mentions_unsubscribe(text) == any(word in text.lower() for word in UNSUBSCRIBE_WORDS)


def _slow_header_addresses(value: str) -> list[str]:
    from email.utils import getaddresses

    return [addr for _name, addr in getaddresses([value]) if addr]


_HEADER_PIECES = st.sampled_from(
    [
        "\x85",
        "\u3000",
        "\n",
        "\t",
        " ",
        "é",
        ".com",
        "@ex.org",
        " <",
        ">",
        *"abcXYZ019.-_%+'<>@\\\"(),;:[]",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_HEADER_PIECES, max_size=30).map("".join))
def test_header_addresses_as_getaddresses_finds_them(value: str) -> None:
    from b2bmail.lint.rules.compliance import header_addresses

    assert header_addresses(value) == _slow_header_addresses(value)


@settings(max_examples=1000, deadline=None)
@given(
    st.from_regex(
        r"\s*([A-Za-z0-9][A-Za-z0-9 '.-]{0,12})?\s*<[a-z0-9._%+-]{1,8}@[a-z0-9-]{1,6}"
        r"(\.[a-z0-9-]{1,4}){1,2}>\s*|[a-z0-9._%+-]{1,8}@[a-z0-9-]{1,6}(\.[a-z0-9-]{1,4}){1,2}",
        fullmatch=True,
    )
)
def test_header_addresses_of_plain_mailboxes(value: str) -> None:
    from b2bmail.lint.rules.compliance import header_addresses

    assert header_addresses(value) == _slow_header_addresses(value)


_COLOR_OR_LENGTH = st.lists(
    st.sampled_from(
        [*"#0123456789abcdefABCDEFxpt .-%", "px", "PX", "rgb(", ")", "\u00b2", "\u0663"]
    ),
    max_size=9,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_COLOR_OR_LENGTH)
def test_colour_and_length_shortcuts_agree_with_the_patterns(value: str) -> None:
    from b2bmail.lint import css

    for text in (value, "#aabbcc", " #ABCDEF ", "#12345g", "14px", "014", "14", "10pt", "1e3px"):
        assert css.parse_color.__wrapped__(text) == css._color_by_pattern(text.strip().lower())
        assert css.parse_px.__wrapped__(text) == css._px_by_pattern(text)


_ADDRESS_TOKENS = st.sampled_from(
    ["12", "69002", "Lyon", "rue", "de la Gare", "Street", "SW1A 1AA", "1012 AB", "K1A 0B1",
     "Hauptstraße", "PO Box", "2026", "€ 1 250", "Tel. +33 4 72 00 00 00", "x", " ", "\n",
     "\u00a0", "ab12", "12AB", "Main", ",", "-"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_ADDRESS_TOKENS, min_size=300, max_size=700).map(" ".join))
def test_postal_address_tail_first_agrees_with_the_whole_text(text: str) -> None:
    from b2bmail.lint.rules.compliance import _address_in, _has_address

    assert _has_address(text, 120) == _address_in(text, 120)


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_postal_address_tail_first_on_the_corpus(doc: Document) -> None:
    from b2bmail.lint.rules.compliance import _address_in, _has_address

    for text in (doc.visible_text, doc.text or "", doc.visible_text * 3):
        assert _has_address(text, 120) == _address_in(text, 120)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"{", b"}", b"%", b"*", b"|", b"[", b"]", b"a", b" "]), max_size=12
    ).map(b"".join)
)
def test_template_opener_scan(data: bytes) -> None:
    from b2bmail.lint.rules.links import _has_opener

    assert _has_opener(data) == any(o in data for o in (b"{{", b"{%", b"*|", b"%%", b"[["))


def _slow_table_min_width(doc: Document, table: etree._Element) -> float:
    """B2B108's estimate as first written: every row under the table, each cell's words
    measured one character at a time with its Unicode normalisation, its font size looked up
    through all its ancestors, its padding measured for each cell."""
    import unicodedata

    from b2bmail.lint.css import parse_px
    from b2bmail.lint.document import text_content
    from b2bmail.lint.rules.phone import _BOLD, _BREAK, _WIDTHS, _is_bold, _measure_side_padding

    def word_width(word: str, font_px: float, bold: bool) -> float:
        units = 0
        for ch in word:
            base = unicodedata.normalize("NFD", ch)[:1] or ch
            units += _WIDTHS.get(base, 556)
        return units * font_px / 1000 * (_BOLD if bold else 1.0)

    def font_px(el: etree._Element) -> float:
        for node in (el, *el.iterancestors()):
            size = doc.style(node).get("font-size")
            if size:
                px = parse_px(size)
                if px is not None:
                    return px
        return 16.0

    cellpadding = parse_px(table.get("cellpadding") or "0") or 0.0
    columns: list[float] = []
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is not table:
            continue
        cells = [c for c in row if c.tag in ("td", "th")]
        for i, cell in enumerate(cells):
            if (cell.get("colspan") or "1") != "1":
                continue
            size, bold = font_px(cell), _is_bold(doc, cell)
            words = (w for w in _BREAK.split(text_content(cell)) if w)
            longest = max((word_width(w, size, bold) for w in words), default=0.0)
            width = longest + _measure_side_padding(doc.style(cell), cellpadding)
            if i < len(columns):
                columns[i] = max(columns[i], width)
            else:
                columns.append(width)
    return sum(columns) if len(columns) > 1 else 0.0


PHONE_EDGE_CASES = [
    # Nested tables, spanning cells before and among single ones, an empty cell, bold and
    # <th>, accented and unlisted characters, no-break spaces, a negative font size (the
    # narrowest word is then the "widest"), a row of a table in a table's cell.
    "<table cellpadding='4'><tr><td colspan='2'>Spanning heading text</td></tr>"
    "<tr><th>Référence</th><td style='font-weight:700;font-size:18px'>TL-480-KIT</td>"
    "<td></td></tr><tr><td><table><tr><td>inner one</td><td>inner\xa0two€</td></tr>"
    "</table></td><td colspan='3'>x</td><td style='font-size:-12px'>a bb ccc</td></tr>"
    "</table><table><tr><td style='font-size:-12px'>a bb ccc</td><td>x</td></tr></table>",
    "<table><tr><td colspan='2'>a</td><td>wide wide</td></tr><tr><td>ÅÉÎ Ωmega</td><td>b</td>"
    "<td>c</td></tr></table>",
    "<div style='font-size:20px'><table style='font-size:2em'><tr><td>inherits twenty</td>"
    "<td style='font-size:9pt;padding:1px 2px 3px'>nine points</td><td><span>x</span></td>"
    "</tr><tr><td style='padding-right:5px;padding:4px'>y</td></tr></table></div>",
    # Rows in <thead>, <tbody> and <tfoot>; a one-cell row beside a comment; a two-cell row
    # only in a table nested in a one-column table.
    "<table><thead><tr><th>Head one</th><th>Head two</th></tr></thead><tbody><tr><td>a</td>"
    "<!-- note --></tr></tbody><tfoot><tr><td>foot</td><td>note</td></tr></tfoot></table>"
    "<table><tr><td><!-- x --><table><tr><td>left side</td><td>right side</td></tr></table>"
    "</td></tr></table>",
    "<table cellpadding='2pt'><tr><td style='padding:0 9px'>1 234,50 €</td><td>−13,6 %</td>"
    "</tr></table><table><tr><td>only one column</td></tr><tr><td>still one</td></tr></table>",
]


def phone_documents() -> list[Any]:
    from b2bmail.campaign import render_campaign

    examples = Path(__file__).resolve().parents[2] / "examples"
    built = [
        Document(path=f"{campaign.parent.name}#{seg.segment_id}", html=seg.html)
        for campaign in sorted(examples.glob("*/campaign.yaml"))
        for seg in render_campaign(campaign).segments
    ]
    edges = [
        Document(path="phone-edge", html=f"<html><body>{h}</body></html>") for h in PHONE_EDGE_CASES
    ]
    return edges + built + all_documents()


@pytest.mark.parametrize("doc", phone_documents(), ids=lambda d: Path(d.path).name)
def test_table_min_width_as_measured_word_by_word(doc: Document) -> None:
    from b2bmail.lint.rules.phone import table_min_width

    widths = [table_min_width(doc, table) for table in doc.root.iter("table")]
    assert widths == [_slow_table_min_width(doc, table) for table in doc.root.iter("table")]
    if doc.path == "phone-edge":
        assert any(widths)  # the edge cases have tables of two or more columns


def _slow_visible_text(doc: Document) -> str:
    """The visible text by its definition, recursively: each element's text, then each child
    (a block between spaces; head, style, script and hidden elements without their content;
    a comment's or processing instruction's own text never), then the child's tail."""
    from b2bmail.lint.facts.text import _BREAKS, squash_spaces

    hidden = set(doc.hidden_elements)

    def shown(el: etree._Element) -> str:
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                edge = " " if child.tag in _BREAKS else ""
                skipped = child.tag in ("head", "style", "script") or child in hidden
                parts += [edge, "" if skipped else shown(child), edge]
            parts.append(child.tail or "")
        return "".join(parts)

    return squash_spaces(shown(doc.body))


@pytest.mark.parametrize("doc", phone_documents(), ids=lambda d: Path(d.path).name)
def test_visible_text_as_defined(doc: Document) -> None:
    assert doc.visible_text == _slow_visible_text(doc)


_TEXT_ELEMENT_EDGES = [
    "<html style='display:none'><body><p>hidden page</p></body></html>",
    "<html><body style='display:none'><p>hidden body</p></body></html>",
    "<html><body><title>in body</title><p>text <b>bold</b> tail</p>"
    "<div style='display:none'><p>hidden</p></div><script>x()</script><style>p{}</style>"
    "<p>   </p><p>last</p></body></html>",
    "<p>no html or body</p><title>t</title>",
    "<html><head><title>t</title></head></html>",
    "<html><body><head><title>t</title></head><p>after a head</p></body></html>",
]


@pytest.mark.parametrize(
    "doc",
    all_documents()
    + phone_documents()
    + [Document(path="text-edge", html=html) for html in _TEXT_ELEMENT_EDGES],
    ids=lambda d: Path(d.path).name,
)
def test_text_elements_as_defined(doc: Document) -> None:
    # The elements the visible-text walk found with their own text, against the definition:
    # every body element with non-blank text, not hidden (nor inside a hidden one), not a
    # <style>, <script> or <title>.
    hidden = doc.hidden_set
    slow = [
        el
        for el in doc.body.iter(etree.Element)
        if el.text
        and not el.text.isspace()
        and el not in hidden
        and el.tag not in ("style", "script", "title")
    ]
    assert doc.text_elements == slow


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_dark_mode_selector_index_matches_as_every_selector_does(doc: Document) -> None:
    from b2bmail.lint.rules.dark_mode import _parse_selector, _Selectors

    selectors = [decl.selector for _el, sheet in doc.stylesheets for decl in sheet.declarations]
    selectors += ["td", ".button-td", "#main", "a.cta#x", "p, .footer span"]  # some for each key
    # Compounds keyed by a tag that also want a class or an id: an element with neither
    # (the fast path of `match`) must not match them.
    selectors += ["p.lead", "td#cell", "span.x.y", "table#t.u"]
    compounds = [compound for text in selectors for _key, compound in _parse_selector(text)]
    index = _Selectors(selectors)
    for el in doc.root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        classes = set((el.get("class") or "").split())
        slow = any(
            (want_tag is None or want_tag == tag)
            and want_classes <= classes
            and (want_id is None or want_id == el.get("id"))
            for want_tag, want_classes, want_id in compounds
        )
        assert index.match(el) == slow, etree.tostring(el)[:80]


def test_dark_mode_selector_index_without_class_or_id() -> None:
    from b2bmail.lint.rules.dark_mode import _Selectors

    doc = Document(
        path="edge",
        html="<html><body><p>a</p><p id=''>b</p><p class=''>c</p><td>d</td><span>e</span>"
        "<p class='lead'>f</p></body></html>",
    )
    p, p_empty_id, p_empty_class, td, span, lead = doc.body.iter("p", "td", "span")
    tag_and_class = _Selectors(["p.lead", "td#cell", "span.x"])
    assert [tag_and_class.match(el) for el in (p, p_empty_id, p_empty_class, td, span)] == [
        False
    ] * 5
    assert tag_and_class.match(lead)
    tag_alone = _Selectors(["p.lead, p", "td"])
    assert [tag_alone.match(el) for el in (p, p_empty_id, p_empty_class, td, span)] == [
        True,
        True,
        True,
        True,
        False,
    ]


def _slow_first_cta(doc: Document, max_words: float, max_px: float) -> tuple[bool, int]:
    """B2B107's walk by its definition, recursively: an element's text, then each child and
    the child's tail; hidden elements, <style> and <script> are left out with their content
    (their tail still counts); a comment's or processing instruction's own text is not shown,
    but its tail is visible text and counts."""
    from b2bmail.lint.css import parse_px
    from b2bmail.lint.document import count_words
    from b2bmail.lint.rules.reading import is_cta

    hidden = set(doc.hidden_elements)
    seen = [0, 0.0]  # words, pixels

    def over() -> bool:
        return seen[0] > max_words or seen[1] > max_px

    def visit(el: etree._Element) -> bool | None:
        tag = el.tag
        if el in hidden or tag in ("style", "script"):
            return None
        if tag == "a" and is_cta(el):
            return True
        if tag == "img":
            seen[1] += parse_px(el.get("height") or "") or 0
        seen[0] += count_words(el.text or "")
        if over():
            return False
        for child in el.iterchildren():
            if isinstance(child.tag, str):
                found = visit(child)
                if found is not None:
                    return found
            seen[0] += count_words(child.tail or "")
            if over():
                return False
        return None

    return bool(visit(doc.body)), int(seen[0])


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
@pytest.mark.parametrize("limits", [(80, 600), (10, 600), (80, 50), (10**6, 10**6)])
def test_first_screen_walk_as_defined(doc: Document, limits: tuple[int, int]) -> None:
    from b2bmail.lint.rules.reading import _first_cta

    assert _first_cta(doc, *limits) == _slow_first_cta(doc, *limits)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["color", " COLOR ", "margin", "", " ", ":", ";", "red", " 0 ", "!important",
             "! IMPORTANT", "!", "url(a;b)", "'x;y'", "\t", "font-family"]
        ),
        max_size=12,
    ).map("".join)
)  # fmt: skip
def test_inline_style_as_split_declarations_reads_it(text: str) -> None:
    """`parse_style`'s fast paths (no parentheses or quotes; no `!` at all) give what the
    general declaration splitter gives, the last declaration of a property winning."""
    from b2bmail.lint.css import parse_style, split_declarations

    slow = {prop: value for _offset, prop, value in split_declarations(text)}
    assert parse_style(text) == slow


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_inline_styles_as_split_declarations_read_them(doc: Document) -> None:
    from b2bmail.lint.css import parse_style, split_declarations

    for raw in doc._raw_groups:
        assert parse_style(raw) == {p: v for _o, p, v in split_declarations(raw)}, raw


# --- Shared facts and the entry point (issue 15, a15-facts) ---------------------------------


def _make_document(source: str | Path) -> Document:
    if isinstance(source, Path):
        return read_document(source)
    return Document(path="edge", html=source)


@pytest.mark.parametrize(
    "source",
    EDGE_CASES + from_corpus(lambda path: path),
    ids=lambda s: Path(s).name if isinstance(s, Path) else "edge",
)
def test_a_linted_document_is_freed_as_soon_as_it_is_dropped(source: str | Path) -> None:
    """No fact or memo value the rules keep refers back to the document: a reference cycle
    left every linted document (its lxml tree with it) to the cyclic collector, and documents
    piled up until a full collection walked them all."""
    from b2bmail.lint.api import lint_document

    was_enabled = gc.isenabled()
    gc.disable()  # only reference counting: a cycle keeps the document alive
    try:
        doc = _make_document(source)
        lint_document(doc)
        freed = weakref.ref(doc)
        del doc
        assert freed() is None
    finally:
        if was_enabled:
            gc.enable()


# --- a15-rules (issue 15): fast paths of the rules ---------------------------------------


def test_inherited_text_styles_read_the_background_attribute_however_spelled() -> None:
    """B2B508's background images: the `background` attribute of a table or cell counts in
    any spelling of its name (HTML attribute names are case-insensitive), as the slow
    definition reads it; a search of the raw HTML for two spellings missed `BackGround=`."""
    from b2bmail.lint.rules.a11y import _computed

    doc = Document(
        path="edge",
        html="<html><body><table BackGround='a.jpg'><tr><td>"
        "<p style='color:#ffffff'>on image</p></td></tr></table></body></html>",
    )
    found = _computed(doc)
    assert found == _slow_text_styles(doc)
    assert [state for _el, state in found] == [((255, 255, 255), (255, 255, 255), True, None)]


# B2B703's street words as first written, one alternative per word.
_STREET_AS_LISTED = re.compile(
    r"\b(street|st\.|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|drive|dr\.|way|suite|"
    r"floor|p\.?\s?o\.? box|rue|av\.|bd|chemin|allée|allee|place|quai|impasse|route|cedex|"
    r"bp|straße|strasse|str\.|weg|platz|gasse|allee|postfach|straat|laan|plein|gracht|"
    r"kade|via|viale|piazza|calle|avenida|plaza|paseo)(?!\w)|"
    r"\w(straße|strasse|straat|weg|laan|plein|gracht|kade|singel|dijk)\b",
    re.I,
)
_STREET_TEXT = st.lists(
    st.sampled_from(["st", "St", "ST", ".", "reet", "r", "ue", "a", "ve", "nue", "Av", "p", "o",
                     " box", "P.O. Box", "d", "b", "lvd", "Haupt", "straße", "STRASSE", "ſt",
                     "\u212aade", "weg", "W", "eg", "laan", "gracht", "singel", "dijk", "via",
                     "le", "é", "allée", "x", "1", " ", "-", "’", "\n", "İ", "ẞ", "calle"]),
    max_size=10,
).map("".join)  # fmt: skip


@settings(max_examples=5000, deadline=None)
@given(_STREET_TEXT)
def test_street_words_grouped_by_first_letter_match_as_listed(text: str) -> None:
    from b2bmail.lint.rules.compliance import STREET

    assert bool(STREET.search(text)) == bool(_STREET_AS_LISTED.search(text))


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_street_words_grouped_on_the_corpus(doc: Document) -> None:
    from b2bmail.lint.rules.compliance import STREET

    text = doc.visible_text
    # Every place of the text, as `_address_in` searches windows of it.
    for start in range(0, len(text), 40):
        window = text[start : start + 240]
        assert bool(STREET.search(window)) == bool(_STREET_AS_LISTED.search(window)), window


_STREET_WORDS = [
    *("street", "st.", "avenue", "ave", "ave.", "road", "rd", "rd.", "boulevard", "blvd"),
    *("blvd.", "lane", "drive", "dr.", "way", "suite", "floor", "rue", "av.", "bd", "chemin"),
    *("allée", "allee", "place", "quai", "impasse", "route", "cedex", "bp", "straße"),
    *("strasse", "str.", "weg", "platz", "gasse", "postfach", "straat", "laan", "plein"),
    *("gracht", "kade", "via", "viale", "piazza", "calle", "avenida", "plaza", "paseo"),
    *("singel", "dijk", "p.o.box", "p.o. box", "po box", "p o box", "p.o box"),
]


@pytest.mark.parametrize("place", ["{} ", " {}", "x{}", "{}x", "1 {}.", "{}-"])
def test_each_street_word_grouped_matches_as_listed(place: str) -> None:
    from b2bmail.lint.rules.compliance import STREET

    for word in _STREET_WORDS:
        for spelled in (word, word.upper(), word.title()):
            text = place.format(spelled)
            assert bool(STREET.search(text)) == bool(_STREET_AS_LISTED.search(text)), text


@pytest.mark.parametrize("doc", all_documents(), ids=lambda d: Path(d.path).name)
def test_style_hit_lines_counted_then_indexed(doc: Document) -> None:
    # The first hits of a <style> block count its newlines; past a budget the block's list of
    # newlines answers: both give the line of the block's first line plus the newlines before.
    for el in doc.elements("style"):
        text = el.text or ""
        offsets = [0, len(text) // 2, len(text), *range(0, len(text) + 2, 7), len(text) + 5]
        for offset in offsets:
            want = (el.sourceline or 1) + text[: max(offset, 0)].count("\n")
            assert doc.hit_in_style(el, offset, "m").line == want, offset
        assert el in doc._text_newlines or len(text) < 8


def test_style_hit_lines_before_and_after_the_budget() -> None:
    css = "p { color: red }\n" * 5 + "a { float: left }\n"
    doc = Document(
        path="edge", html=f"<html><head>\n<style>{css}</style></head><body></body></html>"
    )
    (el,) = doc.elements("style")
    at = css.index("float")  # on the sixth line of the block, which starts on line 2
    assert doc.hit_in_style(el, at, "m").line == 7
    assert el not in doc._text_newlines  # counted, no list yet
    for _ in range(4):
        assert doc.hit_in_style(el, at, "m").line == 7
    assert el in doc._text_newlines  # past four times the text: the list is made
    assert doc.hit_in_style(el, at, "m").line == 7
    assert doc.hit_in_style(el, 0, "m").line == 2
