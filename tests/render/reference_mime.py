"""The test oracle: a compiled email + one recipient's values -> an .eml built with the standard
library's `email.message.EmailMessage` (ex src/b2bmail/render/message.py).

Production writes every message with b2bmail.render.mime; tests check that its output parses
back to the same headers and parts as this independent assembly."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime

from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import merge_value
from b2bmail.render.mime import (
    MessageSkeleton,
    address_header,
    clean_value,
    header_url,
    hole_piece,
    list_unsubscribe_header,
    unstructured_header,
)

# Lines of at most 78 characters (RFC 5322 §2.1.1), each ending in CRLF: RFC 5322 §2.1/§2.3
# allow no bare LF in a message, and .eml readers (Outlook, Thunderbird, ESP importers) expect
# CRLF. The policy is set on the message itself so that the quoted-printable bodies are
# encoded with CRLF hard and soft (`=` CRLF) line breaks too (RFC 2045 §6.7).
_LINK = re.compile(r"<[^<>]*>")
_OWN_FOLDING = ("subject", "list-unsubscribe")


class _Policy(EmailPolicy):
    """email's policy, but the Subject (which carries merge values) and List-Unsubscribe
    folded by render.mime, as in every recipient's message: email leaves a word longer than a
    line unfolded in some headers and writes encoded-words of 77 characters on continuation
    lines, over RFC 2047 §2's 75; it decodes text that merely looks like an encoded-word
    (`=?utf-8?q?x?=`) when the header is set; and it turns a List-Unsubscribe whose URL is
    longer than a line into encoded-words, which no client reads as a URL."""

    def header_store_parse(self, name: str, value: str) -> tuple[str, str]:
        if name.lower() in _OWN_FOLDING:
            return (name, str(value))  # kept as typed; folded (and encoded) by fold()
        return super().header_store_parse(name, value)

    def fold(self, name: str, value: str) -> str:
        lower = name.lower()
        if lower == "subject":
            folded = unstructured_header(name, str(value))
        elif lower == "list-unsubscribe":
            folded = list_unsubscribe_header(_LINK.findall(str(value)))
        else:
            return super().fold(name, value)
        return folded.decode("ascii").replace("\r\n", self.linesep)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _OWN_FOLDING:
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _Policy(max_line_length=78, linesep="\r\n")


def message_id_for(*parts: str, domain: str) -> str:
    """A stable Message-ID (RFC 5322 §3.6.4) from the given parts: same inputs, same ID."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
    return f"<{digest}@{domain}>"


def build_message(
    compiled: CompiledEmail, values: Mapping[str, str], *, to: str, date: datetime, message_id: str
) -> bytes:
    """multipart/alternative (text then HTML, RFC 2046 §5.1.4: preferred part last), UTF-8,
    quoted-printable, with one-click unsubscribe headers (RFC 8058) and List-Id (RFC 2919)."""
    # The one cleaner render.mime's messages go through too: recipient data never adds a header
    # or a line (header injection), nor hides characters from the reader (bidi, zero-width).
    values = {k: clean_value(str(v)) for k, v in values.items()}
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = compiled.from_addr
    msg["To"] = clean_value(to)
    if compiled.reply_to:
        msg["Reply-To"] = compiled.reply_to
    msg["Subject"] = compiled.subject.render(values)  # RFC 2047 encoded when non-ASCII
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["List-Id"] = compiled.list_id
    links = [f"<{header_url(compiled.unsubscribe_url.render(values))}>"]
    if compiled.unsubscribe_mailto is not None:
        links.append(f"<{header_url(compiled.unsubscribe_mailto.render(values))}>")
    # RFC 8058 §3.1: the HTTPS URI is what one-click clients POST to; mailto is for the others.
    msg["List-Unsubscribe"] = ", ".join(links)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = compiled.text.render(values)
    html = compiled.html.render(values)
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in msg.iter_parts():
        del part["MIME-Version"]  # only the top level carries it (RFC 2045 §4)
    # The boundary is derived from the content so identical inputs give identical bytes.
    seed = hashlib.sha256(f"{message_id}\x1f{text}\x1f{html}".encode()).hexdigest()[:32]
    msg.set_boundary(f"=_b2bmail_{seed}")
    return msg.as_bytes()


def assemble_parts_by_loops(
    skeleton: MessageSkeleton,
    values: Mapping[str, str],
    *,
    to_addr: str,
    to_name: str,
    message_id: str,
) -> tuple[bytes, ...]:
    """MessageSkeleton.assemble_parts as it was written before its straight-line assembler
    (mime._make_assembler): the skeleton's lists walked for every recipient, each hole
    through the general hole_piece. The assembler must give the same pieces."""
    texts = [hole.encode(merge_value(hole, values)) for hole in skeleton.sources]
    nl = skeleton.nl

    def joined(parts: tuple[str | int, ...]) -> str:
        return "".join(texts[p] if isinstance(p, int) else p for p in parts)

    def lines(data: bytes) -> bytes:
        return data.replace(b"\r\n", nl)

    links = [f"<{header_url(joined(parts))}>" for parts in skeleton.unsubscribe]
    slots = [
        lines(address_header("To", to_name, to_addr)),
        b""
        if skeleton.subject is None
        else lines(unstructured_header("Subject", joined(skeleton.subject))),
        f"Message-ID: {message_id}".encode("ascii") + nl,
        lines(list_unsubscribe_header(links)),
    ]
    for index, escaped in skeleton.holes:
        slots.append(hole_piece(texts[index], escaped, nl, skeleton.mboxrd))
    return tuple(slots[i] if isinstance(i, int) else i for i in skeleton.layout)
