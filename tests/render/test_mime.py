"""The fast assembler against message.py: same headers, HTML and text once parsed."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.render.eml_checks import assert_crlf
from tests.render.reference_mime import assemble_parts_by_loops, build_message

from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import (
    MergeField,
    MergeTemplate,
    MissingMergeValueError,
    UnsafeUrlValueError,
)
from b2bmail.render.mime import (
    _QP_AS_IS,
    _QP_HTML_AS_IS,
    _SUSPECT,
    MessageSkeleton,
    _b_words,
    _fold_words,
    address_header,
    clean_value,
    has_control,
    hole_piece,
    list_unsubscribe_header,
    mboxrd_quote,
    qp_wrap,
    unstructured_header,
)

DATE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HEADERS = (
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
FIRST = MergeField("first_name", "Madame, Monsieur")
COMPANY = MergeField("company", None)
TOKEN = MergeField("unsubscribe_token", None)
# The same fields as split() gives them in the HTML part and in URLs (merge.py decides).
FIRST_HTML = replace(FIRST, html=True)
COMPANY_HTML = replace(COMPANY, html=True)
TOKEN_HREF = replace(TOKEN, url="component", html=True)
TOKEN_URL = replace(TOKEN, url="component")


def compiled(**changes: object) -> CompiledEmail:
    long_line = '<td style="font-family:Arial;padding:0 10px">' + "é x " * 60 + "</td>"
    base = CompiledEmail(
        segment_id="mines",
        segment_name="Mines",
        subject=MergeTemplate(("Offre spéciale pour ", COMPANY, " — carrières et mines")),
        preheader=MergeTemplate(("Bonjour ", FIRST)),
        html=MergeTemplate(
            (
                "<html><body>\n<p>Bonjour ",
                FIRST_HTML,
                ",</p>\n",
                long_line,
                "\n<p>",
                COMPANY_HTML,
                " et ",
                COMPANY_HTML,
                '</p>\nFrom here on\n<a href="https://x.example/u/',
                TOKEN_HREF,
                '">Se désinscrire</a>\n</body></html>',
            )
        ),
        text=MergeTemplate(("Bonjour ", FIRST, ",\r\n\nFrom here on \n", COMPANY, "\n")),
        from_addr="Équipements Durand <news@durand.example>",
        reply_to="ventes@durand.example",
        list_id="Nouvelles <news.durand.example>",
        unsubscribe_url=MergeTemplate(("https://x.example/u/", TOKEN_URL)),
        unsubscribe_mailto=MergeTemplate(("mailto:unsub@durand.example?subject=", TOKEN_URL)),
        message_id_domain="durand.example",
        locale="fr_FR",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


def assert_same(fast: bytes, standard: bytes, subject: str | None = None) -> None:
    """Same headers and bodies; with `subject`, the Subject is checked against the text itself
    (email's own folding can drop a space next to an encoded word, so message.py is not the
    oracle for arbitrary text)."""
    a, b = parse(fast), parse(standard)
    assert a.defects == [] and all(p.defects == [] for p in a.walk())
    for name in HEADERS:
        if name == "Subject" and subject is not None:
            assert a[name] == subject
            continue
        assert a[name] == b[name], name
    for kind in ("plain", "html"):
        part_a, part_b = a.get_body((kind,)), b.get_body((kind,))
        assert part_a is not None and part_b is not None
        assert part_a.get_content() == part_b.get_content(), kind


def assert_wire_format(data: bytes) -> None:
    assert_crlf(data)  # CRLF throughout, as message.py writes them (RFC 5322 §2.1)
    head, body = data.split(b"\r\n\r\n", 1)
    for line in body.split(b"\r\n"):
        assert len(line) <= 76, line  # RFC 2045 §6.7 rule 5
        assert not line.startswith(b"From "), line  # would split an mbox
    for line in head.split(b"\r\n"):
        assert len(line) <= 78 and line.isascii(), line


def both(
    c: CompiledEmail, values: dict[str, str], to: str = "anne@acme.example"
) -> tuple[bytes, bytes]:
    skeleton = MessageSkeleton.from_compiled(c, date=DATE)
    fast = skeleton.assemble(values, to_addr=to, to_name="", message_id="<id1@durand.example>")
    standard = build_message(c, values, to=to, date=DATE, message_id="<id1@durand.example>")
    return fast, standard


VALUES = {"first_name": "Zoé", "company": "Béton & Fils <SA>", "unsubscribe_token": "tok-1"}


def test_fast_output_parses_like_message_py() -> None:
    fast, standard = both(compiled(), VALUES)
    assert_same(fast, standard)
    assert_wire_format(fast)


def test_fixed_subject_and_no_mailto() -> None:
    c = compiled(subject=MergeTemplate(("Nouvelles de juillet",)), unsubscribe_mailto=None)
    fast, standard = both(c, VALUES)
    assert_same(fast, standard)
    assert b"\r\nSubject: Nouvelles de juillet\r\n" in fast


def test_merge_values_escaped_in_html_plain_in_text() -> None:
    fast, _ = both(compiled(), VALUES)
    msg = parse(fast)
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<p>Béton &amp; Fils &lt;SA&gt; et Béton &amp; Fils &lt;SA&gt;</p>" in html
    assert text == "Bonjour Zoé,\r\n\r\nFrom here on \r\nBéton & Fils <SA>\r\n"
    assert msg["Subject"] == "Offre spéciale pour Béton & Fils <SA> — carrières et mines"


def test_blank_value_takes_fallback_and_missing_raises() -> None:
    fast, standard = both(compiled(), {**VALUES, "first_name": "  "})
    assert_same(fast, standard)
    assert "Bonjour Madame, Monsieur," in parse(fast).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    skeleton = MessageSkeleton.from_compiled(compiled(), date=DATE)
    with pytest.raises(MissingMergeValueError, match="company"):
        skeleton.assemble(
            {"unsubscribe_token": "t"}, to_addr="a@b.example", to_name="", message_id="<x@y>"
        )


@pytest.mark.parametrize(
    "value",
    ["{{ 7*7 }}", "{% for x in range(3) %}{{x}}{% endfor %}", "${7*7}", "zQ9mf0fm9Qz"],
    ids=["jinja-expr", "jinja-block", "dollar", "sentinel"],
)
def test_values_are_never_templates(value: str) -> None:
    fast, standard = both(compiled(), {**VALUES, "company": value})
    assert_same(fast, standard)
    msg = parse(fast)
    assert value in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert value in msg["Subject"]
    assert "49" not in msg["Subject"]


@pytest.mark.parametrize(
    "value",
    [
        "ACME\r\nBcc: victim@evil.example",
        "ACME\nX-Injected: 1",
        "ACME\rBcc: v@e.example",
        "ACME\u2028Bcc: v@e.example",
        "ACME\x00\x0bBcc: v@e.example",
    ],
    ids=["crlf", "lf", "cr", "line-separator", "nul-vt"],
)
def test_header_injection_is_cleaned(value: str) -> None:
    clean = clean_value(value)
    assert re.search(r"[\x00-\x1f\u2028]", clean) is None
    fast, standard = both(compiled(), {**VALUES, "company": clean})
    assert_same(fast, standard)
    msg = parse(fast)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert set(msg.keys()) == {*HEADERS, "MIME-Version", "Content-Type"}


def test_every_suspect_character_is_refused_by_isprintable() -> None:
    # has_control's fast path: a text str.isprintable accepts holds no suspect character.
    # Every code point the search finds (the controls and invisibles clean_value handles)
    # must be one isprintable refuses; U+202F and U+00A0, visible spaces, are not suspect.
    suspect = [chr(c) for c in range(0x110000) if _SUSPECT.search(chr(c))]
    assert len(suspect) == 32 + 1 + 32 + 2 + 1 + 5 + 5 + 1 + 10 + 1
    assert [c for c in suspect if c.isprintable()] == []
    assert not has_control("Zoé\u202fDurand\u00a0& Fils")


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
    | st.lists(st.sampled_from(["a", "é", "\u00a0", "\u202f", "\u200b", "\r", "\x85"])).map("".join)
)
def test_has_control_is_the_search(value: str) -> None:
    assert has_control(value) is (_SUSPECT.search(value) is not None)


def test_qp_wrap_never_splits_an_escape() -> None:
    enc = b"a" * 74 + b"=C3=A9" + b"b" * 80
    chunks = qp_wrap(enc)
    assert b"".join(chunks) == enc
    assert chunks[0] == b"a" * 74 and all(len(c) <= 75 for c in chunks)


@pytest.mark.parametrize(
    ("name", "display", "expected"),
    [
        ("To", "", "anne@acme.example"),
        ("To", "Anne Martin", "Anne Martin <anne@acme.example>"),
        ("To", 'Martin, "Anne"', '"Martin, \\"Anne\\"" <anne@acme.example>'),
        ("To", "Zoé Lefèvre", "Zoé Lefèvre <anne@acme.example>"),
        ("To", "=?utf-8?q?x?=", "=?utf-8?q?x?= <anne@acme.example>"),
    ],
    ids=["bare", "plain", "quoted", "non-ascii", "looks-encoded"],
)
def test_address_header(name: str, display: str, expected: str) -> None:
    raw = address_header(name, display, "anne@acme.example")
    msg = parse(raw + b"\r\n")
    assert str(msg[name]) == expected
    assert msg[name].addresses[0].display_name == display


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        # "To: " + 54 characters + " <anne@acme.example>": 78, a line's limit (RFC 5322
        # §2.1.1 SHOULD): one line.
        ("Marie-Anne " + "B" * 43, b"To: Marie-Anne " + b"B" * 43 + b" <anne@acme.example>\r\n"),
        # One more: the address folds onto a continuation line (RFC 5322 §2.2.3).
        (
            "Marie-Anne " + "B" * 44,
            b"To: Marie-Anne " + b"B" * 44 + b"\r\n <anne@acme.example>\r\n",
        ),
    ],
    ids=["78", "79"],
)
def test_address_header_at_the_line_limit(display: str, expected: bytes) -> None:
    assert address_header("To", display, "anne@acme.example") == expected


@pytest.mark.parametrize(
    "display",
    [
        "Chloé Morel",
        "é" * 22 + "a",  # 45 bytes of UTF-8: the first encoded-word's room after "To: "
        "é" * 23,  # 46: two words
        "Zoé " + "B" * 33,  # 38 bytes: a line of 68, the address on the next line
        "Zoé",
        "日本 太郎",
    ],
)
@pytest.mark.parametrize("addr", ["a@b.example", "anne@acme.example", "x" * 40 + "@acme.example"])
def test_non_ascii_display_name_as_the_general_encoder_writes_it(display: str, addr: str) -> None:
    # The one-word fast path of address_header against the general path it stands for:
    # B-encoded words within the first line's room, the address folded after them.
    general = _fold_words("To", [*_b_words(display, 78 - len("To") - 2), f"<{addr}>"])
    assert address_header("To", display, addr) == general
    assert to_display_name(address_header("To", display, addr) + b"\r\n") == display


def test_non_ascii_display_name_at_the_line_limit() -> None:
    # "To: =?utf-8?b?" + 28 base64 characters + "?= <anne@acme.example>": 64 characters;
    # RFC 2047 §4.1 B encoding of "Zoé Lefèvre Martin" (20 bytes of UTF-8).
    assert address_header("To", "Zoé Lefèvre Martin", "anne@acme.example") == (
        b"To: =?utf-8?b?Wm/DqSBMZWbDqHZyZSBNYXJ0aW4=?= <anne@acme.example>\r\n"
    )
    # 45 bytes: one word of 60 base64 characters, a line of 76: the address goes below.
    raw = address_header("To", "é" * 22 + "a", "a@b.example")
    assert (
        raw
        == b"To: =?utf-8?b?"
        + base64.b64encode(("é" * 22 + "a").encode())
        + b"?=\r\n <a@b.example>\r\n"
    )


@settings(max_examples=60, deadline=None)
@given(
    value=st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
    first=st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
)
def test_any_value_round_trips(value: str, first: str) -> None:
    values = {
        "company": clean_value(value),
        "first_name": clean_value(first),
        "unsubscribe_token": "t",
    }
    c = compiled()
    fast, standard = both(c, values)
    assert_wire_format(fast)
    assert_same(fast, standard, subject=c.subject.render(values))


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=150))
def test_subject_encoding_round_trips(value: str) -> None:
    subject = clean_value(value).strip()  # a header value never keeps outer whitespace
    assume(subject)
    raw = unstructured_header("Subject", subject)
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    # Compared with the text itself: email's own folding can drop runs of spaces next to
    # encoded words, so message.py is not the oracle here.
    assert parse(raw + b"\r\n")["Subject"] == subject


# Header values of any length (QA: a 2,000-letter first name gave a 2,004-octet To line).
LONG_VALUES = {
    "2000-letters": "A" * 2000,
    "2000-accented": "é" * 2000,
    "mixed-scripts": ("日本語テキスト" * 100) + "Ελληνικά" + ("Кирилица" * 50) + "🙂" * 30,
    "spaces": "word " * 400 + "end",
    "long-word-among-short": "Dear " + "x" * 300 + " and friends",
    "looks-encoded": "=?utf-8?q?x?= " + "b" * 1000,
    "controls": "ACME\x00\r\nBcc: v@e.example" + "z" * 1500,
    "exactly-fits": "y" * 69,
    "one-over": "y" * 70,
    "quotes-and-backslash": 'Martin, "Anne" \\ ' + "q" * 500,
}


def assert_header_lines(data: bytes) -> None:
    """RFC 5322 §2.1.1: each header line at most 998 octets, and at most 78 here, where every
    value can be folded (the only unfoldable word, an address, is short in these tests)."""
    head = data.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        assert len(line) <= 78 and line.isascii(), line[:100]
    for word in re.findall(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=", head):
        assert len(word) <= 75, word  # RFC 2047 §2


def to_display_name(data: bytes) -> str:
    """The To display name decoded as RFC 2047 §6.2 says: white space between two adjacent
    encoded-words is ignored. (Python 3.11's policy.default address parser keeps it as a
    space, so a long name split over several encoded-words would gain spaces there; the
    legacy email.header decoder follows the RFC.)"""
    raw = BytesParser(policy=policy.compat32).parsebytes(data)["To"]
    phrase, _ = parseaddr(str(raw))
    return str(make_header(decode_header(phrase)))


@pytest.mark.parametrize("raw", list(LONG_VALUES.values()), ids=list(LONG_VALUES))
def test_long_header_values_fold_and_round_trip(raw: str) -> None:
    value = clean_value(raw)
    values = {"company": value, "first_name": value, "unsubscribe_token": "t"}
    c = compiled()
    skeleton = MessageSkeleton.from_compiled(c, date=DATE)
    fast = skeleton.assemble(
        values, to_addr="anne@acme.example", to_name=value, message_id="<id1@durand.example>"
    )
    assert_header_lines(fast)
    msg = parse(fast)
    assert msg.defects == []
    assert msg["Subject"] == c.subject.render(values)
    assert to_display_name(fast) == value
    assert msg["To"].addresses[0].addr_spec == "anne@acme.example"
    assert "Bcc" not in msg
    # message.py (the sample build) folds the same Subject within the limits too.
    standard = build_message(c, values, to="anne@acme.example", date=DATE, message_id="<i@d>")
    assert_header_lines(standard)
    assert parse(standard)["Subject"] == c.subject.render(values)


@settings(max_examples=40, deadline=None)
@given(
    piece=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12),
    times=st.integers(1, 400),
)
def test_repeated_values_fold_and_round_trip(piece: str, times: int) -> None:
    # Merge values are stripped before they reach a header (MergeTemplate.render), and a parser
    # drops the white space after `Name:` (RFC 5322 §2.2.3 folding white space), so a value
    # with leading or trailing spaces is not one a header carries.
    value = clean_value(piece * times).strip()
    assume(value)
    for header in (b"Subject", b"X-Long-Header-Name"):
        raw = unstructured_header(header.decode(), value)
        assert_header_lines(raw + b"\r\n")
        assert parse(raw + b"\r\n")[header.decode()] == value
    raw = address_header("To", value, "anne@acme.example")
    assert_header_lines(raw + b"\r\n")
    assert to_display_name(raw + b"\r\n") == value


# ---------------------------------------------------------------------------------------------
# The mbox form: LF pieces quoted once per skeleton, merged pieces per recipient, against
# the plain slow version (the whole .eml converted to LF, then one regex over all of it).


def slow_mbox_form(eml: bytes) -> bytes:
    """mboxrd by hand: CRLF -> LF, then ">" before every line matching ^>*From ."""
    return re.sub(rb"(?m)^(>*From )", rb">\1", eml.replace(b"\r\n", b"\n"))


def mbox_form(c: CompiledEmail, values: dict[str, str], to_name: str = "") -> tuple[bytes, bytes]:
    kwargs = {"to_addr": "anne@acme.example", "to_name": to_name, "message_id": "<i@d.example>"}
    fast = MessageSkeleton.from_compiled(c, date=DATE, linesep="\n", mboxrd=True).assemble(
        values, **kwargs
    )
    eml = MessageSkeleton.from_compiled(c, date=DATE).assemble(values, **kwargs)
    return fast, slow_mbox_form(eml)


def test_mbox_form_quotes_from_lines_of_template_and_values() -> None:
    c = compiled(
        text=MergeTemplate(
            ("Bonjour\n>From the team\n>>From x\nFrom y\n", COMPANY, "\n", FIRST, " From z\n")
        )
    )
    fast, slow = mbox_form(c, {**VALUES, "company": ">From Lyon", "first_name": ">>From Paris"})
    assert fast == slow
    assert b"\r" not in fast
    # Lines as a person would quote them (mboxrd): one more ">" each; "From y" is already
    # =46rom in quoted-printable and needs none.
    for line in (b">>From the team", b">>>From x", b"=46rom y", b">>From Lyon=", b">>>From Paris="):
        assert b"\n" + line + b"\n" in fast, line


def test_mboxrd_quote_is_the_regex_and_skips_messages_without_from() -> None:
    data = b"a\n>From b\nFrom c\nx From d\n"
    assert mboxrd_quote(data) == b"a\n>>From b\n>From c\nx From d\n"
    plain = b"no separator here\n>quoted\n"
    assert mboxrd_quote(plain) is plain


_MBOX_LINE = st.one_of(
    st.sampled_from(["From ", ">From ", ">>From x", "From", " From ", ">", ""]),
    st.text(st.sampled_from("Fromx> é=\t"), max_size=12),
)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(_MBOX_LINE, min_size=1, max_size=6),
    first=st.lists(_MBOX_LINE, min_size=1, max_size=30).map("".join),
    company=st.lists(_MBOX_LINE, min_size=1, max_size=30).map("".join),
)
def test_mbox_form_is_the_quoted_eml(lines: list[str], first: str, company: str) -> None:
    # Template lines and merged values full of "From " at every place a line can start:
    # line starts, soft-break wraps of long values (75 columns), after other merged pieces.
    literal = "\n".join(lines)
    c = compiled(
        text=MergeTemplate((literal, FIRST, "\n", COMPANY, literal, "\n", FIRST, COMPANY, "\n")),
        html=MergeTemplate(("<p>", FIRST_HTML, "</p>\n", literal, COMPANY_HTML, "\n")),
    )
    values = {**VALUES, "first_name": clean_value(first), "company": clean_value(company)}
    fast, slow = mbox_form(c, values, to_name=clean_value(first))
    assert fast == slow


def b_words_by_character(text: str, first_room: int) -> list[str]:
    """The plain version of mime._b_words: characters added one by one while they fit."""
    words: list[str] = []
    limit = ((min(first_room, 75) - 12) // 4) * 3
    chunk = bytearray()
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > limit:
            words.append(f"=?utf-8?b?{base64.b64encode(bytes(chunk)).decode('ascii')}?=")
            chunk = bytearray()
            limit = ((75 - 12) // 4) * 3
        chunk += data
    if chunk or not words:
        words.append(f"=?utf-8?b?{base64.b64encode(bytes(chunk)).decode('ascii')}?=")
    return words


@settings(max_examples=150, deadline=None)
@given(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
    st.sampled_from([13, 14, 16, 17, 20, 60, 69, 74, 75, 90]),
)
def test_b_words_cut_on_bytes_as_by_character(text: str, first_room: int) -> None:
    # Room for 0 (13, 14: a 4-byte character still takes the first word), 3, 6 ... bytes.
    assert _b_words(text, first_room) == b_words_by_character(text, first_room)


def test_one_value_in_every_place_is_encoded_for_each() -> None:
    # The skeleton encodes a value once per field, fallback and place in a URL, and
    # HTML-escapes it per hole; a percent-encoded component or mailto address holds nothing
    # to escape (RFC 3986 §2.1, §2.3). Against message.py, and spelled out by hand.
    site = MergeField("site", None)
    places = {place: replace(site, url=place, html=True) for place in ("url", "component")}
    html = MergeTemplate(
        (
            "<p>",
            replace(site, html=True),
            '</p>\n<a href="',
            places["url"],
            '">a</a> <a href="https://x.example/?s=',
            places["component"],
            '">b</a> <a href="mailto:',
            replace(site, url="address", html=True),
            '">c</a>\n',
        )
    )
    c = compiled(html=html, text=MergeTemplate((site, " ", replace(site, url="component"), "\n")))
    value = "https://x.example/?a=1&b='2'<\"é\">@"
    fast, standard = both(c, {**VALUES, "site": value})
    assert_same(fast, standard)
    msg = parse(fast)
    assert msg.get_body(("html",)).get_content() == (  # type: ignore[union-attr]
        "<p>https://x.example/?a=1&amp;b=&#x27;2&#x27;&lt;&quot;é&quot;&gt;@</p>\r\n"
        '<a href="https://x.example/?a=1&amp;b=&#x27;2&#x27;%3C%22%C3%A9%22%3E@">a</a> '
        '<a href="https://x.example/?s=https%3A%2F%2Fx.example%2F%3Fa%3D1%26b%3D%272%27'
        '%3C%22%C3%A9%22%3E%40">b</a> '
        '<a href="mailto:https%3A%2F%2Fx.example%2F%3Fa%3D1%26b%3D%272%27%3C%22%C3%A9%22%3E@">'
        "c</a>\r\n"
    )
    assert msg.get_body(("plain",)).get_content() == (  # type: ignore[union-attr]
        "https://x.example/?a=1&b='2'<\"é\">@ "
        "https%3A%2F%2Fx.example%2F%3Fa%3D1%26b%3D%272%27%3C%22%C3%A9%22%3E%40\r\n"
    )


def test_a_missing_value_is_reported_alike_wherever_its_hole_is() -> None:
    # One rule for every hole (merge.merge_value): a body hole's error says what to do, as
    # the subject's does.
    c = compiled(subject=MergeTemplate(("Nouvelles",)))  # the company only in the body
    skeleton = MessageSkeleton.from_compiled(c, date=DATE)
    with pytest.raises(MissingMergeValueError) as raised:
        skeleton.assemble(
            {"unsubscribe_token": "t"}, to_addr="a@b.example", to_name="", message_id="<x@y>"
        )
    assert raised.value.message == "no value for merge field 'company'"
    assert raised.value.hint == 'add a `company` column or write `| fallback("…")` in the template'


# Values at every edge of the assembler's as-is test (mime._QP_AS_IS): "=", HTML's five
# characters, spaces (a trailing one is encoded), a lone ".", "From " and ">From " at the
# start, non-ASCII, and lengths either side of 75 by repetition.
_EDGE = st.lists(
    st.sampled_from(["From ", ">", ".", " ", "=", "&", "<", '"', "'", "é", "a", "Zoé", "x" * 30]),
    max_size=8,
).map("".join)
_EDGE_VALUE = _EDGE | st.text(st.characters(exclude_categories=["Cs"]), max_size=90)


def _forms(c: CompiledEmail) -> list[MessageSkeleton]:
    return [
        MessageSkeleton.from_compiled(c, date=DATE),
        MessageSkeleton.from_compiled(c, date=DATE, linesep="\n", mboxrd=True),
        MessageSkeleton.from_compiled(c, date=DATE, linesep="\n"),
    ]


def _assembled(skeleton: MessageSkeleton, values: dict[str, str], **to: str) -> object:
    # The pieces, or the error raised (its type and message), by each assembly.
    try:
        parts = skeleton.assemble_parts(values, **to)
    except Exception as exc:  # the same error must come out of both
        return type(exc), str(exc)
    # The assembler (the builder's): the same pieces, and their total length exactly.
    sized = skeleton.assembler(values, to["to_addr"], to["to_name"], to["message_id"])
    assert sized == (parts, sum(map(len, parts)))
    return parts


def _by_loops(skeleton: MessageSkeleton, values: dict[str, str], **to: str) -> object:
    try:
        return assemble_parts_by_loops(skeleton, values, **to)
    except Exception as exc:
        return type(exc), str(exc)


WEBSITE = MergeField("website", "https://durand.example", url="url", html=True)


@settings(max_examples=120, deadline=None)
@given(
    first=_EDGE_VALUE,
    company=_EDGE_VALUE,
    token=_EDGE_VALUE,
    website=st.sampled_from(["", "https://a.example/x y", "javascript:alert(1)", "/rel"]),
    to_name=_EDGE_VALUE,
    missing=st.booleans(),
)
def test_assembler_gives_the_pieces_of_the_general_loops(
    first: str, company: str, token: str, website: str, to_name: str, missing: bool
) -> None:
    c = compiled()
    c = replace(
        c,
        html=MergeTemplate(
            (*c.html.parts, '<a href="', WEBSITE, '">', FIRST_HTML, "</a>", COMPANY_HTML)
        ),
    )
    values = {
        "first_name": clean_value(first),
        "company": clean_value(company),
        "unsubscribe_token": clean_value(token),
        "website": website,
    }
    if missing:
        del values["company"]
    to = {"to_addr": "anne@acme.example", "to_name": clean_value(to_name), "message_id": "<i@d>"}
    for skeleton in _forms(c):
        assert _assembled(skeleton, values, **to) == _by_loops(skeleton, values, **to)


def test_assembler_without_subject_holes_or_mailto() -> None:
    c = compiled(subject=MergeTemplate(("Nouvelles",)), unsubscribe_mailto=None)
    to = {"to_addr": "a@b.example", "to_name": "Zoé Durand", "message_id": "<i@d>"}
    for skeleton in _forms(c):
        assert skeleton.assemble_parts(VALUES, **to) == assemble_parts_by_loops(
            skeleton, VALUES, **to
        )


def test_assembler_raises_as_the_loops_do() -> None:
    c = compiled(html=MergeTemplate(('<a href="', WEBSITE, '">x</a>')))
    skeleton = MessageSkeleton.from_compiled(c, date=DATE)
    to = {"to_addr": "a@b.example", "to_name": "", "message_id": "<i@d>"}
    with pytest.raises(UnsafeUrlValueError):
        skeleton.assemble_parts({**VALUES, "website": "data:text/html,x"}, **to)
    with pytest.raises(MissingMergeValueError, match="unsubscribe_token"):
        skeleton.assemble_parts({"company": "x"}, **to)


@pytest.mark.parametrize(
    ("text", "escaped", "as_is"),
    [
        ("x" * 74, False, True),  # 74 characters: 75 with the soft break's "="
        ("x" * 75, False, False),  # one past: wrapped by qp_piece
        ("Madame Dupont,", False, True),
        ("Dupont ", False, False),  # trailing space: "=20" (RFC 2045 §6.7 rule 3)
        (" Dupont", False, True),
        (".", False, False),  # a lone ".": "=2E"
        ("..", False, True),
        ("From Paris", False, False),  # "=46rom"
        (">From Paris", False, False),  # mboxrd-quoted in an mbox
        ("Paris From Lyon", False, True),
        ("a=b", False, False),
        ("Béton", False, False),
        ("Béton & Fils", False, False),
        ("Fils & Cie", False, True),
        ("Fils & Cie", True, False),  # "&amp;" in HTML
        ("O'Neil", True, False),
        ("", False, False),  # nothing at all, not even the soft break
    ],
)
def test_hole_as_is_limits(text: str, escaped: bool, as_is: bool) -> None:
    # The assembler's test, and what the general path writes for a text it lets through.
    assert bool((_QP_HTML_AS_IS if escaped else _QP_AS_IS)(text)) is as_is
    if as_is:
        assert hole_piece(text, escaped, b"\r\n", False) == text.encode("ascii") + b"=\r\n"
    c = compiled(text=MergeTemplate(("Bonjour ", FIRST_HTML if escaped else FIRST, "\n")))
    values = {**VALUES, "first_name": text}
    to = {"to_addr": "a@b.example", "to_name": "", "message_id": "<i@d>"}
    for skeleton in _forms(c):
        assert skeleton.assemble_parts(values, **to) == assemble_parts_by_loops(
            skeleton, values, **to
        )


# Texts with non-ASCII characters around the 75-character limit of an unwrapped QP piece
# (76 columns with the soft break's "="): ASCII padding before or after, each non-ASCII
# byte three characters once encoded (RFC 2045 §6.7 rule 1), and the characters qp_piece,
# mboxrd_quote or html.escape change.
_NON_ASCII = st.builds(
    lambda pad, text, before: "x" * pad + text if before else text + "x" * pad,
    st.integers(0, 76),
    st.lists(
        st.sampled_from(["é", "€", "𝄞", "ß", "\u00a0", " ", "=", "&", "'", "From ", ">", "."])
        | st.characters(min_codepoint=0x80, exclude_categories=["Cs"])
        | st.text(st.characters(exclude_categories=["Cs"]), max_size=3),
        min_size=1,
        max_size=8,
    ).map("".join),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(text=_NON_ASCII)
def test_assembler_short_non_ascii_holes_as_hole_piece(text: str) -> None:
    # The assembler's own QP encoding of a short non-ASCII text (mime._make_assembler) in a
    # text hole, an HTML hole, and both for one source, against the general hole_piece (the
    # loops), for the .eml, the mbox form and the LF form.
    text = clean_value(text)
    values = {**VALUES, "first_name": text}
    to = {"to_addr": "a@b.example", "to_name": "", "message_id": "<i@d>"}
    for c in (
        compiled(),  # first_name in the text and, escaped, in the HTML
        compiled(text=MergeTemplate(("Bonjour\n",))),  # in the HTML only
        compiled(html=MergeTemplate(("<p>Bonjour</p>",))),  # in the text only
    ):
        for skeleton in _forms(c):
            assert _assembled(skeleton, values, **to) == _by_loops(skeleton, values, **to)


@pytest.mark.parametrize(
    ("text", "piece"),
    [
        ("Zoé", b"Zo=C3=A9=\r\n"),  # RFC 2045 §6.7 rule 1: each byte of "é" as =XX
        ("é" * 12 + "x" * 2, b"=C3=A9" * 12 + b"xx=\r\n"),  # 74 characters
        ("é" * 12 + "x" * 3, b"=C3=A9" * 12 + b"xxx=\r\n"),  # 75 (76 columns with "=")
        ("é" * 12 + "x" * 4, b"=C3=A9" * 12 + b"xxx=\r\nx=\r\n"),  # 76: wrapped
        ("Zoé=", b"Zo=C3=A9=3D=\r\n"),  # "=" itself (rule 1)
        ("From Zoé", b"=46rom Zo=C3=A9=\r\n"),
    ],
)
def test_non_ascii_hole_bytes(text: str, piece: bytes) -> None:
    # Known encodings (written out by hand from RFC 2045 §6.7), by the assembler.
    c = compiled(html=MergeTemplate(("<p>Bonjour</p>",)))
    skeleton = MessageSkeleton.from_compiled(c, date=DATE)
    parts = skeleton.assemble_parts(
        {**VALUES, "first_name": text}, to_addr="a@b.example", to_name="", message_id="<i@d>"
    )
    assert piece in parts


@pytest.mark.parametrize(
    ("to_name", "addr_length", "folded"),
    [
        ("éx", 55, False),  # "To: =?utf-8?b?w6l4?= <" + 55 + ">": 78 characters
        ("éx", 56, True),  # 79: the address on a continuation line
        ("é" * 22 + "x", 20, True),  # 45 bytes of UTF-8: one encoded-word of 60 characters
        ("é" * 23, 20, True),  # 46: two words, the second folded (the general loops)
    ],
)
def test_assembler_non_ascii_to_at_the_limits(to_name: str, addr_length: int, folded: bool) -> None:
    # A non-ASCII display name: one B-encoded word (RFC 2047 §4.1) when its UTF-8 fits the
    # first word's room (45 bytes after "To: "), the address on the same line when the line
    # stays within 78 characters (RFC 5322 §2.1.1); against the general loops.
    to_addr = "a" * (addr_length - len("@b.example")) + "@b.example"
    to = {"to_addr": to_addr, "to_name": to_name, "message_id": "<i@d>"}
    for skeleton in _forms(compiled()):
        parts = skeleton.assemble_parts(VALUES, **to)
        assert parts == assemble_parts_by_loops(skeleton, VALUES, **to)
        header = parts[1]
        assert header.startswith(b"To: =?utf-8?b?")
        assert (header.count(skeleton.nl) > 1) is folded  # a continuation line
        assert all(len(line) <= 78 for line in header.split(skeleton.nl))


@pytest.mark.parametrize("extra", [0, 1])
def test_assembler_to_and_list_unsubscribe_lines_at_the_limit(extra: int) -> None:
    # The assembler writes the usual To and List-Unsubscribe headers itself when they fit
    # one line of 78 characters (RFC 5322 §2.1.1), and leaves a longer one to the header
    # writers (folded); each side of the limit against the general loops.
    c = compiled(unsubscribe_mailto=None)
    to_addr = "anne@acme.example"
    name = "Anne " + "B" * (78 - len(f"To: Anne  <{to_addr}>") + extra)
    token = "t" * (78 - len("List-Unsubscribe: <https://x.example/u/>") + extra)
    values = {**VALUES, "unsubscribe_token": token}
    to = {"to_addr": to_addr, "to_name": name, "message_id": "<i@d>"}
    for skeleton in _forms(c):
        parts = skeleton.assemble_parts(values, **to)
        assert parts == assemble_parts_by_loops(skeleton, values, **to)
        data = b"".join(parts)
        nl = skeleton.nl
        to_line = f"To: {name} <{to_addr}>".encode()
        one_line = f"List-Unsubscribe: <https://x.example/u/{token}>".encode()
        assert (nl + to_line + nl in data) is (extra == 0)
        assert (nl + one_line + nl in data) is (extra == 0)
        assert len(to_line) == len(one_line) == 78 + extra


EMAIL_ADDRESS = MergeField("email", None, url="address")
EMAIL_COMPONENT = MergeField("email", None, url="component", html=True)


@settings(max_examples=150, deadline=None)
@given(
    token=_EDGE_VALUE | st.sampled_from(["", ".", "x" * 74, "x" * 75, "a@b" * 25]),
    email=_EDGE_VALUE | st.sampled_from(["anne@acme.example", ".", "é@x.example"]),
    base=st.sampled_from(["https://x.example/u/", "https://x.example/dé sabo/", "https://x/"]),
    mailto=st.sampled_from(["mailto:", "mailto:u@x.example?subject=", "mailto: x?s="]),
    first=_EDGE_VALUE,
)
def test_assembler_encoded_and_shared_holes_as_the_loops(
    token: str, email: str, base: str, mailto: str, first: str
) -> None:
    # The assembler's shortcuts: a URL-component or mailto-address hole tested by its length
    # only, a URL of plain literal text and such holes not passed through header_url, and a
    # value in a text and an HTML hole tested once; each against the general loops, at the
    # 74/75 length edge, with a lone ".", with literal URL text that header_url changes.
    c = compiled(
        text=MergeTemplate(("Bonjour ", FIRST, "\n", TOKEN_URL, "\n", EMAIL_COMPONENT, "\n")),
        html=MergeTemplate(("<p>", FIRST_HTML, EMAIL_COMPONENT, TOKEN_HREF, "</p>")),
        unsubscribe_url=MergeTemplate((base, TOKEN_URL, "?e=", EMAIL_COMPONENT)),
        unsubscribe_mailto=MergeTemplate((mailto, EMAIL_ADDRESS, "&t=", TOKEN_URL)),
    )
    values = {
        "first_name": clean_value(first),
        "unsubscribe_token": clean_value(token),
        "email": clean_value(email),
        "company": "Durand",
    }
    to = {"to_addr": "anne@acme.example", "to_name": "", "message_id": "<i@d>"}
    for skeleton in _forms(c):
        assert _assembled(skeleton, values, **to) == _by_loops(skeleton, values, **to)


_DISPLAY = st.lists(
    st.sampled_from(["Anne", "O'Neil", "J.", "2", " ", "  ", "é", "=?", '"', "\\", ",", "B" * 30]),
    max_size=6,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(display=_DISPLAY, addr=st.sampled_from(["a@b.example", "x" * 40 + "@acme.example"]))
def test_header_writers_end_lines_with_linesep(display: str, addr: str) -> None:
    # The mbox form's To and List-Unsubscribe headers, written with "\n", are the CRLF ones
    # with each CRLF made LF (what the assembler did to them before); and a name of ASCII
    # letters, digits and spaces (the quoting test's shortcut) is written as it is.
    crlf = address_header("To", display, addr)
    assert address_header("To", display, addr, "\n") == crlf.replace(b"\r\n", b"\n")
    line = f"To: {display} <{addr}>"
    if display.replace(" ", "").isalnum() and display.isascii() and len(line) <= 78:
        assert crlf == (line + "\r\n").encode("ascii")  # RFC 5322 §3.4: atext, unquoted
    links = [f"<https://x.example/u/{display.encode().hex()}>", f"<mailto:{addr}>"]
    one = list_unsubscribe_header(links)
    assert list_unsubscribe_header(links, "\n") == one.replace(b"\r\n", b"\n")
