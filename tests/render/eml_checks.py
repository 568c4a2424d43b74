"""Checks shared by the .eml tests: CRLF line ends (RFC 5322 §2.1, §2.3) and part contents."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

_BARE_LF = re.compile(rb"(?<!\r)\n")
_BARE_CR = re.compile(rb"\r(?!\n)")


def assert_crlf(data: bytes) -> None:
    """Every line ends in CRLF; no bare LF and no bare CR anywhere (RFC 5322 §2.3)."""
    assert data.endswith(b"\r\n"), data[-20:]
    for bare in (_BARE_LF, _BARE_CR):
        found = bare.search(data)
        assert found is None, data[max(0, found.start() - 40) : found.start() + 40]


def part_texts(data: bytes) -> tuple[str, str]:
    """(text, HTML) of a message as decoded from its parts, line ends made LF: the parts
    carry the message's CRLF, the email.txt/email.html files on disk have LF."""
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage) and msg.defects == []
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return (
        text.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )
