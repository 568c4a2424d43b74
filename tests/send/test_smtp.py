"""The DATA encoding and the reply parsing of the SMTP client."""

from __future__ import annotations

import pytest

from b2bmail.errors import InputError
from b2bmail.send.smtp import Reply, dot_stuffed, is_loopback, parse_target


@pytest.mark.parametrize(
    ("data", "wire"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n"),
        (b"a\nb\n", b"a\r\nb\r\n"),  # RFC 5321 §2.3.8: lines end CRLF
        (b"a\rb\r\n", b"a\r\nb\r\n"),
        (b".a\r\n.\r\n..b\r\n", b"..a\r\n..\r\n...b\r\n"),  # §4.5.2
        (b"x.\r\n", b"x.\r\n"),
    ],
    ids=["crlf", "lf", "cr", "dots", "dot-inside"],
)
def test_dot_stuffing_and_line_ends(data: bytes, wire: bytes) -> None:
    assert dot_stuffed(data) == wire


@pytest.mark.parametrize(
    ("text", "status", "queue"),
    [
        ("5.1.1 <a@b.example>: Recipient address rejected", "5.1.1", None),
        ("2.0.0 Ok: queued as 4bXk2C0nZ", "2.0.0", "4bXk2C0nZ"),
        ("Requested action aborted", "", None),
    ],
)
def test_reply_status_is_the_rfc_3463_code(text: str, status: str, queue: str | None) -> None:
    reply = Reply(550, text)
    assert reply.status == status
    assert reply.queue_id == (queue or text)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("smtp.example.com", ("smtp.example.com", 587)),
        ("h:465", ("h", 465)),
        ("[::1]:2525", ("::1", 2525)),
    ],
)
def test_parse_target(text: str, target: tuple[str, int]) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize("text", ["h:0", "h:65536", "h:x"])
def test_bad_targets_are_usage_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_target(text)


def test_only_loopback_may_go_without_tls() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.8.0.1") and is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("192.0.2.1") and not is_loopback("smtp.example.com")
