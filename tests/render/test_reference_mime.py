from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from tests.render.eml_checks import assert_crlf
from tests.render.reference_mime import build_message, message_id_for

from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import MergeField, MergeTemplate


def _compiled() -> CompiledEmail:
    return CompiledEmail(
        segment_id="mining",
        segment_name="Mines",
        subject=MergeTemplate(("Nouveautés pour ", MergeField("first_name", "vous"))),
        preheader=MergeTemplate.literal("Le trimestre"),
        html=MergeTemplate(("<p>Bonjour ", MergeField("first_name", "Madame", html=True), "</p>")),
        text=MergeTemplate(("Bonjour ", MergeField("first_name", "Madame"), "\n")),
        from_addr="Terrex <news@terrex.example>",
        reply_to="contact@terrex.example",
        list_id="Lettre <t.terrex.example>",
        unsubscribe_url=MergeTemplate(
            ("https://n.terrex.example/u/", MergeField("unsubscribe_token", url="component"))
        ),
        unsubscribe_mailto=MergeTemplate.literal("mailto:unsubscribe@terrex.example"),
        message_id_domain="terrex.example",
        locale="fr_FR",
    )


def _build(values: dict[str, str]) -> bytes:
    return build_message(
        _compiled(),
        values,
        to="zoe@client.example",
        date=datetime.fromisoformat("2026-07-01T08:00:00+02:00"),
        message_id=message_id_for("c", "mining", domain="terrex.example"),
    )


def test_eml_parses_back_with_all_headers() -> None:
    raw = _build({"first_name": "Zoé <&>", "unsubscribe_token": "tok"})
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Subject"] == "Nouveautés pour Zoé <&>"
    assert b"Subject: =?utf-8?" in raw  # RFC 2047 encoded word
    assert msg["From"] == "Terrex <news@terrex.example>"
    assert msg["To"] == "zoe@client.example"
    assert msg["Reply-To"] == "contact@terrex.example"
    assert msg["Date"] == "Wed, 01 Jul 2026 08:00:00 +0200"
    assert msg["Message-ID"] == message_id_for("c", "mining", domain="terrex.example")
    assert msg["MIME-Version"] == "1.0"
    assert msg["List-Id"] == "Lettre <t.terrex.example>"
    assert (
        msg["List-Unsubscribe"].strip()
        == "<https://n.terrex.example/u/tok>, <mailto:unsubscribe@terrex.example>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = (p for p in msg.iter_parts() if isinstance(p, EmailMessage))
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content_charset() == "utf-8"
    # The parts keep the message's CRLF line ends (RFC 5322 §2.3) once decoded.
    assert text.get_content() == "Bonjour Zoé <&>\r\n"
    assert html.get_content() == "<p>Bonjour Zoé &lt;&amp;&gt;</p>\r\n"
    assert_crlf(raw)
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert raw.count(b"MIME-Version") == 1


def test_same_inputs_same_bytes_and_no_header_injection() -> None:
    values = {"first_name": "Eve\r\nBcc: victim@x.example", "unsubscribe_token": "t"}
    assert _build(values) == _build(values)
    msg = BytesParser(policy=policy.default).parsebytes(_build(values))
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Nouveautés pour Eve Bcc: victim@x.example"


def test_a_long_unsubscribe_url_is_folded_whole_never_encoded() -> None:
    # Python's email writes a List-Unsubscribe whose URL is longer than a line as RFC 2047
    # encoded-words, which no client reads as a URL; the sample message folds it as the
    # per-recipient messages do: one URL per line, as written.
    token = "t" * 120
    raw = _build({"first_name": "Zoé", "unsubscribe_token": token})
    assert b"=?utf-8" not in raw.split(b"List-Unsubscribe:")[1].split(b"List-Unsubscribe-Post")[0]
    assert (
        b"List-Unsubscribe:\r\n <https://n.terrex.example/u/" + token.encode() + b">,\r\n"
        b" <mailto:unsubscribe@terrex.example>\r\n"
    ) in raw
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["List-Unsubscribe"].split(", ")[0].strip() == f"<https://n.terrex.example/u/{token}>"


def test_unsubscribe_url_spaces_and_accents_are_percent_encoded_in_the_header() -> None:
    raw = _build({"first_name": "Zoé", "unsubscribe_token": "a b é"})
    assert b"<https://n.terrex.example/u/a%20b%20%C3%A9>" in raw


def test_list_unsubscribe_header_lines() -> None:
    import pytest

    from b2bmail.render.mime import HeaderTooLongError, list_unsubscribe_header

    assert list_unsubscribe_header(["<https://a.example/u>"]) == (
        b"List-Unsubscribe: <https://a.example/u>\r\n"
    )
    long = "<https://a.example/" + "x" * 100 + ">"
    assert list_unsubscribe_header([long, "<mailto:u@a.example>"]) == (
        b"List-Unsubscribe:\r\n " + long.encode() + b",\r\n <mailto:u@a.example>\r\n"
    )
    longest = "<https://a.example/" + "x" * 976 + ">"  # 996 with its brackets: fits
    assert (
        max(map(len, list_unsubscribe_header([longest, "<mailto:u@a.example>"]).split(b"\r\n")))
        == 998
    )
    with pytest.raises(HeaderTooLongError) as caught:
        list_unsubscribe_header(["<https://a.example/" + "x" * 977 + ">"])
    assert caught.value.length == 995
