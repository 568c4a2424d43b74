"""The MIME writer: the one code that turns a compiled email and a recipient's values into an
.eml, for the sample build and every recipient alike. The message skeleton is encoded once
per segment; a recipient only fills the holes.

Everything that does not depend on the recipient is encoded once per segment: the static
headers, the MIME boundaries and part headers, and every quoted-printable body line without a
merge field. Per recipient we encode the few header values that change (To, Subject,
Message-ID, List-Unsubscribe) and the body lines that hold merge fields. How a merge value is
escaped (HTML, URL, plain) is not decided here: each MergeField carries it (merge.py).

Why this is exact: quoted-printable (RFC 2045 §6.7) encodes each line on its own, and a soft
line break (`=` CRLF) may sit between any two encoded characters, so a line can be encoded
piece by piece — literal pieces once, merge values per recipient — with a soft break after
each piece. Merge values never contain CR or LF (they are cleaned before merging), so they
cannot start a new line. Every line ends in CRLF (RFC 5322 §2.1).
tests/render/test_mime.py checks that the output parses to the same headers, HTML and
text as the standard library's writer (tests/render/reference_mime.py, the test oracle).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import html
import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from urllib.parse import quote

from b2bmail.i18n import N_, _
from b2bmail.render.assets import Asset
from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import URL_SAFE, USUAL_IN_URL, MergeField, MergeTemplate, merge_value

CRLF = b"\r\n"
_FROM_LINE = re.compile(rb"(?m)^(>*From )")
SOFT = b"=\r\n"
QP_WIDTH = 75  # encoded characters per line before the soft-break `=`: RFC 2045 §6.7 rule 5
HEADER_WIDTH = 78  # RFC 5322 §2.1.1 SHOULD
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]")
_URL_PLAIN = re.compile(r"[A-Za-z0-9!#$%&'()*+,/:;=?@\[\]~._-]*")

# ---------------------------------------------------------------------------------------------
# Quoted-printable pieces


def qp_encode(text: str) -> bytes:
    """QP-encode text that holds no line break, as one unwrapped encoded line."""
    encoded = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=False)
    return encoded.replace(b"=\n", b"")


def _safe_cut(enc: bytes, cut: int, start: int) -> int:
    # Never cut inside an `=XX` escape; never let a line start with "From " (mbox readers
    # would take it for a message separator).
    while cut > start + 1:
        if enc[cut - 1 : cut] == b"=":
            cut -= 1
        elif enc[cut - 2 : cut - 1] == b"=":
            cut -= 2
        elif enc[cut : cut + 5] == b"From ":
            cut -= 1
        else:
            break
    return cut


def qp_wrap(enc: bytes, width: int = QP_WIDTH) -> list[bytes]:
    """Split an encoded line into chunks of at most `width` characters at safe points."""
    chunks = []
    start, size = 0, len(enc)
    while size - start > width:
        cut = _safe_cut(enc, start + width, start)
        chunks.append(enc[start:cut])
        start = cut
    chunks.append(enc[start:])
    return chunks


def _line_start(enc: bytes) -> bytes:
    # A physical line that begins "From " is escaped as "=46rom " (same text once decoded).
    return b"=46" + enc[1:] if enc.startswith(b"From ") else enc


def qp_piece(text: str) -> bytes:
    """One piece of a line, encoded and wrapped, ending with a soft line break. Every piece
    starts a physical line (the one before ended with a soft break)."""
    enc = binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=False)
    if len(enc) < QP_WIDTH and not enc.startswith(b"From "):
        return enc + SOFT if enc else b""  # the usual short value: no soft break inside
    enc = _line_start(enc.replace(b"=\n", b""))
    return SOFT.join(qp_wrap(enc)) + SOFT


def qp_line(text: str) -> bytes:
    """A whole literal line, encoded and wrapped, ending with CRLF."""
    return SOFT.join(qp_wrap(_line_start(qp_encode(text)))) + CRLF


def mboxrd_quote(data: bytes) -> bytes:
    """mboxrd quoting: one more ">" before every line that starts with ">*From ", so a reader
    never takes a body line for the `From ` separator and removes exactly one ">" back
    (the mboxrd convention; RFC 4155 §2 leaves the quoting to the format).

    Quoting is line by line, so bytes that start at a line start can be quoted separately and
    joined: the skeleton quotes its fixed pieces once and each merged piece when it holds
    "From " (the only way a line can match)."""
    if b"From " not in data:
        return data
    return _FROM_LINE.sub(rb">\1", data)


# ---------------------------------------------------------------------------------------------
# Bodies: literal runs of lines pre-encoded, merge lines encoded per recipient


def _split_lines(template: MergeTemplate) -> list[list[str | MergeField]]:
    lines: list[list[str | MergeField]] = [[]]
    for part in template.parts:
        if isinstance(part, MergeField):
            lines[-1].append(part)
            continue
        pieces = part.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for i, piece in enumerate(pieces):
            if i:
                lines.append([])
            if piece:
                lines[-1].append(piece)
    # email's set_content ends the body with a line break; a final "\n" adds no empty line.
    if not lines[-1] and len(lines) > 1:
        lines.pop()
    return lines


@dataclass(frozen=True)
class BodyPlan:
    """A MIME body as pre-encoded bytes with merge fields between them.

    `items` alternates literal bytes (whole lines, or the pieces of a merge line, each ending
    with a soft or hard line break) and MergeFields whose values are encoded per recipient.
    Every item starts a physical line. With `mboxrd`, the literal bytes are quoted for an
    mbox once here, and a merged piece only when it holds "From " (mboxrd_quote)."""

    items: tuple[bytes | MergeField, ...]
    nl: bytes
    mboxrd: bool = False

    @classmethod
    def from_template(
        cls, template: MergeTemplate, nl: bytes = CRLF, *, mboxrd: bool = False
    ) -> BodyPlan:
        items: list[bytes | MergeField] = []
        pending: list[bytes] = []
        for line in _split_lines(template):
            if all(isinstance(p, str) for p in line):
                pending.append(_nl(qp_line("".join(p for p in line if isinstance(p, str))), nl))
                continue
            for part in line[:-1] if isinstance(line[-1], str) else line:
                if isinstance(part, MergeField):
                    items += [b"".join(pending), part]
                    pending = []
                else:
                    pending.append(_nl(qp_piece(part), nl))
            tail_text = line[-1] if isinstance(line[-1], str) else ""
            pending.append(_nl(qp_line(tail_text), nl) if tail_text else nl)
        items.append(b"".join(pending))
        if mboxrd:
            items = [mboxrd_quote(i) if type(i) is bytes else i for i in items]
        return cls(tuple(items), nl, mboxrd)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(i.name for i in self.items if isinstance(i, MergeField))


def _nl(data: bytes, nl: bytes) -> bytes:
    return data if nl == CRLF else data.replace(CRLF, nl)


# ---------------------------------------------------------------------------------------------
# Header values


ENCODED_WORD_MAX = 75  # RFC 2047 §2: an encoded-word is at most 75 characters


def _b_words(text: str, first_room: int) -> list[str]:
    """RFC 2047 §4.1 B-encoded words, split on characters: the first within the room left on
    the header's first line, each of them at most 75 characters (RFC 2047 §2), so every
    folded line stays within 78 (RFC 5322 §2.1.1)."""
    words: list[str] = []
    # 12 = len("=?utf-8?b??="); 4 base64 characters carry 3 bytes.
    limit = ((min(first_room, ENCODED_WORD_MAX) - 12) // 4) * 3
    data = text.encode("utf-8")
    start, size = 0, len(data)
    while True:
        cut = start + limit
        if cut >= size:
            cut = size
        else:
            # Back to a character's first byte: a UTF-8 continuation byte is 0b10xxxxxx
            # (RFC 3629 §3), and an encoded-word holds whole characters (RFC 2047 §5 (3)).
            while data[cut] & 0xC0 == 0x80:
                cut -= 1
            if cut == start:  # no whole character fits the room: the word takes one anyway
                cut += 1
                while cut < size and data[cut] & 0xC0 == 0x80:
                    cut += 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:cut]).decode('ascii')}?=")
        if cut >= size:
            return words
        start = cut
        limit = ((ENCODED_WORD_MAX - 12) // 4) * 3


def _fold_words(name: str, words: list[str]) -> bytes:
    lines = [f"{name}:"]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > HEADER_WIDTH and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + word
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _words_fit(name: str, words: list[str]) -> bool:
    """Whether folding at the spaces keeps every line within 78 characters: the first word
    after `Name: `, each other one on a continuation line after its space. A longer word (a
    2,000-letter name) cannot be folded (RFC 5322 §2.2.3 folds only at white space), so
    the caller encodes the value as encoded-words instead, which can be split anywhere."""
    if len(words[0]) > HEADER_WIDTH - len(name) - 2:
        return False
    return all(len(w) < HEADER_WIDTH for w in words)


def unstructured_header(name: str, value: str) -> bytes:
    """`Name: value` CRLF, folded at spaces; RFC 2047 B-encoded when not plain ASCII or when a
    word is too long to fold."""
    if value.isascii() and "=?" not in value:
        words = value.split(" ")
        if _words_fit(name, words):
            return _fold_words(name, words)
    return _fold_words(name, _b_words(value, HEADER_WIDTH - len(name) - 2))


def address_header(name: str, display: str, addr: str, linesep: str = "\r\n") -> bytes:
    """`Name: display <addr>`; the display name quoted (RFC 5322 §3.2.4) or B-encoded (when
    not ASCII, or too long to fold at its spaces). The address itself is never split: RFC
    5321 §4.5.3.1 bounds it (local part 64, domain 255), so its line stays under 998.
    `linesep` ends its lines ("\n" for the form messages take inside an mbox)."""
    if not display:
        return f"{name}: {addr}{linesep}".encode("ascii")
    # A name of ASCII letters and digits between spaces (most are) needs no quoting: they
    # are all atext (RFC 5322 §3.2.3), which the search below would also find.
    if display.isascii() and (
        display.replace(" ", "").isalnum()
        or ("=?" not in display and not _NEEDS_QUOTING.search(display))
    ):
        line = f"{name}: {display} <{addr}>"
        if len(line) <= HEADER_WIDTH:  # the usual name: one line, which folding leaves as is
            return (line + linesep).encode("ascii")
    elif not display.isascii():
        # The usual non-ASCII name ("Chloé Morel"): its UTF-8 fits the first encoded-word,
        # so _b_words gives that one word and _fold_words puts the address after it, on the
        # same line if it fits in 78 characters, else on a continuation line. The same
        # bytes, without the general loops (tests/render/test_mime.py compares the two).
        data = display.encode("utf-8")
        if len(data) <= ((min(HEADER_WIDTH - len(name) - 2, ENCODED_WORD_MAX) - 12) // 4) * 3:
            line = f"{name}: =?utf-8?b?{binascii.b2a_base64(data, newline=False).decode()}?="
            fold = " " if len(line) + len(addr) + 3 <= HEADER_WIDTH else linesep + " "
            return (line + fold + "<" + addr + ">" + linesep).encode("ascii")
    words: list[str] | None = None
    if display.isascii() and "=?" not in display:
        if _NEEDS_QUOTING.search(display):
            escaped = display.replace("\\", "\\\\").replace('"', '\\"')
            words = [f'"{escaped}"']
        else:
            words = display.split(" ")
        if not _words_fit(name, words):
            words = None
    if words is None:
        words = _b_words(display, HEADER_WIDTH - len(name) - 2)
    folded = _fold_words(name, [*words, f"<{addr}>"])
    return folded if linesep == "\r\n" else folded.replace(CRLF, linesep.encode("ascii"))


MAX_LINE = 998  # RFC 5322 §2.1.1 MUST: characters on a line, CRLF excluded


class HeaderTooLongError(ValueError):
    """A URL that would put a header line over 998 characters: URLs are never split."""

    def __init__(self, length: int) -> None:
        super().__init__(
            _("a List-Unsubscribe URL of {length} characters does not fit a line").format(
                length=length
            )
        )
        self.length = length


def list_unsubscribe_header(links: list[str], linesep: str = "\r\n") -> bytes:
    """`List-Unsubscribe: <https://…>, <mailto:…>` CRLF (RFC 2369 §3.2, RFC 8058 §3.1).

    On one line when it fits in 78 characters, else one URL per continuation line. A URL is
    never split, encoded or given white space (one-click clients POST to it as written), so
    a URL longer than a line can hold (998 characters, RFC 5322 §2.1.1) raises
    HeaderTooLongError. `linesep` ends its lines ("\n" for the mbox form).
    """
    one = "List-Unsubscribe: " + ", ".join(links)
    if len(one) <= HEADER_WIDTH:
        return (one + linesep).encode("ascii")
    longest = max(map(len, links))
    if longest + 2 > MAX_LINE:  # " <url>," on its continuation line
        raise HeaderTooLongError(longest - 2)
    fold = linesep + " "
    return ("List-Unsubscribe:" + fold + ("," + fold).join(links) + linesep).encode("ascii")


def header_url(url: str) -> str:
    """A URL fit for a header: spaces and non-ASCII percent-encoded (RFC 3986 §2.1)."""
    if _URL_PLAIN.fullmatch(url):
        return url
    return quote(url, safe=URL_SAFE)


# ---------------------------------------------------------------------------------------------
# Embedded images (campaign key `assets_embed`)


def image_part(asset: Asset) -> bytes:
    """An embedded image's MIME part, headers and base64 body (RFC 2045 §6.8: 76-character
    lines), each line ending in CRLF. Its length is what the image adds to the message,
    less the boundary line (lint counts it: image-too-heavy)."""
    part = MIMEPart(policy=policy.SMTP)
    maintype, _, subtype = (mimetypes.guess_type(asset.name)[0] or "image/png").partition("/")
    filename = asset.name.rpartition("/")[2]
    part.set_content(
        asset.data, maintype, subtype, cid=asset.content_id, disposition="inline", filename=filename
    )
    return bytes(part)


def _related(compiled: CompiledEmail, seed: str) -> tuple[bytes, bytes]:
    """For a message with embedded images: the Content-Type header that opens it and the
    bytes that close it. RFC 2387: multipart/related whose first part (the root, here the
    multipart/alternative) is the one shown, then one part per image. ("", "") without any."""
    parts: dict[str, bytes] = {}
    for asset in compiled.assets:
        if asset.embedded and asset.content_id not in parts:
            parts[asset.content_id] = image_part(asset)
    if not parts:
        return b"", b""
    # "r" is no hex digit, so neither boundary is a prefix of the other (RFC 2046 §5.1.1).
    boundary = f"=_b2bmail_r{seed}".encode("ascii")
    head = (
        b'Content-Type: multipart/related; type="multipart/alternative";\r\n boundary="'
        + boundary
        + b'"\r\n\r\n--'
        + boundary
        + CRLF
    )
    tail = b"".join(CRLF + b"--" + boundary + CRLF + part for part in parts.values())
    return head, tail + CRLF + b"--" + boundary + b"--" + CRLF


# ---------------------------------------------------------------------------------------------
# The per-segment skeleton


# The per-recipient slots of MessageSkeleton.layout, in the order assemble fills them; the
# body holes (MessageSkeleton.holes) follow, from _HOLES on.
_TO, _SUBJECT, _MESSAGE_ID, _UNSUBSCRIBE, _HOLES = range(5)

#: Header text with holes: literal strings and numbers of MessageSkeleton.sources.
HeaderParts = tuple[str | int, ...]


@dataclass(frozen=True)
class MessageSkeleton:
    """Everything about one segment's message that is the same for all its recipients.

    `layout` is the whole message in order: ready bytes (every fixed header, part header,
    boundary and body line, encoded once here, adjacent ones joined) and slot numbers, the
    bytes assemble makes per recipient: the To, Subject, Message-ID and List-Unsubscribe
    headers, then one per distinct body hole.

    A recipient's value is merged and percent-encoded once per `sources` entry (a field, its
    fallback and its place in a URL), wherever it is written: the unsubscribe URL's token
    and address serve its header, the text link and the HTML link alike. `holes` are the
    body's distinct holes: a source, and whether it is HTML-escaped there."""

    compiled: CompiledEmail
    layout: tuple[bytes | int, ...]
    sources: tuple[MergeField, ...]
    holes: tuple[tuple[int, bool], ...]
    subject: HeaderParts | None  # None: the subject has no hole, its header is in `layout`
    unsubscribe: tuple[HeaderParts, ...]  # the URL, then the mailto: URL if any
    nl: bytes
    mboxrd: bool = False

    @classmethod
    def from_compiled(
        cls,
        compiled: CompiledEmail,
        *,
        date: datetime,
        linesep: str = "\r\n",
        mboxrd: bool = False,
    ) -> MessageSkeleton:
        """`linesep` "\r\n" (RFC 5322 §2.1: every line of a message ends in CRLF) gives the
        bytes every message is sent as; "\n" gives LF-only bytes, the form lines take inside mbox.

        `mboxrd` gives a message ready for an mbox: every fixed piece quoted once here
        (mboxrd_quote), merged body pieces per recipient. The per-recipient headers need none:
        a header line starts with its name and a colon, a folded one with white space
        (RFC 5322 §2.2, §2.2.3), so neither can start with "From " or ">"."""
        nl = linesep.encode("ascii")
        static = EmailMessage(policy=policy.SMTP.clone(max_line_length=HEADER_WIDTH))
        static["From"] = compiled.from_addr
        if compiled.reply_to:
            static["Reply-To"] = compiled.reply_to
        head = bytes(static).split(b"\r\n\r\n", 1)[0] + CRLF
        list_msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=HEADER_WIDTH))
        list_msg["List-Id"] = compiled.list_id
        list_id = bytes(list_msg).split(b"\r\n\r\n", 1)[0] + CRLF
        seed = hashlib.sha256(
            "\x1f".join([compiled.segment_id, compiled.from_addr, compiled.list_id]).encode()
        ).hexdigest()[:32]
        # A boundary starting "=_" can never occur in a quoted-printable body, where "=" is
        # always followed by two hex digits or a line break (RFC 2045 §6.7, RFC 2046 §5.1.1).
        boundary = f"=_b2bmail_{seed}".encode("ascii")
        part = b'Content-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
        related_head, related_tail = _related(compiled, seed)
        tail = (
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            b"MIME-Version: 1.0\r\n" + related_head + b"Content-Type: multipart/alternative;\r\n"
            b' boundary="' + boundary + b'"\r\n\r\n'
            b"--" + boundary + CRLF + part % b"plain"
        )
        subject_fixed = None
        if not compiled.subject.fields:
            subject_fixed = unstructured_header("Subject", clean_value(compiled.subject.render({})))

        def fixed(data: bytes) -> bytes:
            # Each fixed piece starts a line in the message, so it is quoted on its own.
            data = _nl(data, nl)
            return mboxrd_quote(data) if mboxrd else data

        sources: list[MergeField] = []

        def source(hole: MergeField) -> int:
            if hole not in sources:
                sources.append(hole)
            return sources.index(hole)

        def header(template: MergeTemplate) -> HeaderParts:
            return tuple(p if isinstance(p, str) else source(p) for p in template.parts)

        subject = header(compiled.subject) if subject_fixed is None else None
        unsubscribe = tuple(
            header(t) for t in (compiled.unsubscribe_url, compiled.unsubscribe_mailto) if t
        )
        holes: list[tuple[int, bool]] = []
        layout: list[bytes | int] = []
        for item in (
            fixed(head),
            _TO,
            fixed(subject_fixed) if subject_fixed is not None else _SUBJECT,
            fixed(f"Date: {format_datetime(date)}\r\n".encode("ascii")),
            _MESSAGE_ID,
            fixed(list_id),
            _UNSUBSCRIBE,
            fixed(tail),
            *BodyPlan.from_template(compiled.text, nl, mboxrd=mboxrd).items,
            fixed(CRLF + b"--" + boundary + CRLF + part % b"html"),
            *BodyPlan.from_template(compiled.html, nl, mboxrd=mboxrd).items,
            fixed(CRLF + b"--" + boundary + b"--" + CRLF + related_tail),
        ):
            if isinstance(item, MergeField):
                # A body hole's source is its value before HTML escaping (MergeField.encode
                # escapes last). A value percent-encoded as a URL component or mailto address
                # holds only unreserved characters, "%" and "@" (RFC 3986 §2.1, §2.3):
                # HTML-escaping it changes nothing, so it is not done.
                escaped = item.html and item.url not in ("component", "address")
                hole = (source(replace(item, html=False)), escaped)
                if hole not in holes:
                    holes.append(hole)
                item = _HOLES + holes.index(hole)
            if type(item) is bytes and layout and type(layout[-1]) is bytes:
                layout[-1] += item
            elif item != b"":
                layout.append(item)
        return cls(
            compiled,
            tuple(layout),
            tuple(sources),
            tuple(holes),
            subject,
            unsubscribe,
            nl,
            mboxrd,
        )

    def assemble(
        self, values: Mapping[str, str], *, to_addr: str, to_name: str, message_id: str
    ) -> bytes:
        """The recipient's .eml bytes. `values` must be clean (clean_value).

        HeaderTooLongError when the merged unsubscribe URL cannot fit a header line."""
        parts = self.assemble_parts(values, to_addr=to_addr, to_name=to_name, message_id=message_id)
        return b"".join(parts)

    def assemble_parts(
        self, values: Mapping[str, str], *, to_addr: str, to_name: str, message_id: str
    ) -> tuple[bytes, ...]:
        """The recipient's message as the pieces `assemble` joins, in order."""
        return self.assembler(values, to_addr, to_name, message_id)[0]

    @functools.cached_property
    def assembler(self) -> Assembler:
        """assemble_parts as one straight-line function for this skeleton (made once, on
        first use): `assembler(values, to_addr, to_name, message_id)` gives the pieces and
        their total length in bytes, known without a pass over them (the mbox writer needs
        a batch's total to tell a short write: personalize.write.write_all)."""
        return _make_assembler(self)


#: MessageSkeleton.assembler: (values, to_addr, to_name, message_id) -> (the message's
#: pieces, their total length).
Assembler = Callable[[Mapping[str, str], str, str, str], tuple[tuple[bytes, ...], int]]


def hole_piece(text: str, escaped: bool, nl: bytes, mboxrd: bool) -> bytes:
    """A body hole's bytes: the merged text, HTML-escaped where the hole is in HTML, as a QP
    piece (qp_piece) with the skeleton's line ends, mboxrd-quoted for an mbox skeleton."""
    piece = qp_piece(html.escape(text, quote=True) if escaped else text)
    if nl != CRLF:
        piece = piece.replace(CRLF, nl)
    return mboxrd_quote(piece) if mboxrd and b"From " in piece else piece


# A merged text that quoted-printable writes as it is, alone on a physical line that needs no
# mboxrd quoting: binascii.b2a_qp encodes "=", bytes outside printable ASCII, a space at the
# end of the data and a lone "." (RFC 2045 §6.7 rules 1-3; the "." for SMTP), and wraps at 76;
# qp_piece escapes a line starting "From ", mboxrd_quote one starting ">*From ". For such a
# text, hole_piece(text, escaped, nl, mboxrd) is `text` in ASCII, "=" and nl; with `escaped`,
# also none of the five characters html.escape changes. (tests/render/test_mime.py checks the
# assembler against the general path.)
def _as_is(excluded: str) -> Callable[[str], re.Match[str] | None]:
    chars = re.escape("".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in excluded))
    return re.compile(rf"(?!>*From )(?!\.\Z)[{chars}]{{1,{QP_WIDTH - 1}}}(?<! )").fullmatch


_QP_AS_IS = _as_is("=")
_QP_HTML_AS_IS = _as_is("=&<>\"'")
# A character html.escape changes (quote=True): a non-ASCII text without any is HTML as it is.
_HTML_SPECIAL = re.compile("[&<>\"']").search


def _make_assembler(skeleton: MessageSkeleton) -> Assembler:
    """Write and compile one function that assembles the skeleton's messages, as Jinja
    compiles a template: each source merged and encoded, each slot made and the layout
    returned as one tuple, with no loop over the skeleton's lists and no test of what each
    entry is. It is what the general definition does (merge_value, MergeField.encode,
    header_url, the header writers, hole_piece), in the same order, so the same errors are
    raised first. It returns the pieces and their total length.

    The generated source holds only Python names, slot and source numbers and line-end
    constants: every value of the campaign (field names, fallbacks, literal text, the
    layout's bytes) is bound by name in the function's namespace, and recipient values are
    only ever its arguments."""
    nl = skeleton.nl
    names: dict[str, object] = {
        "merge_value": merge_value,
        "header_url": header_url,
        "address_header": address_header,
        "unstructured_header": unstructured_header,
        "list_unsubscribe_header": list_unsubscribe_header,
        "hole_piece": hole_piece,
        "USUAL_IN_URL": USUAL_IN_URL,
        "CRLF": CRLF,
        "NL": nl,
        "LINESEP": nl.decode("ascii"),
        "SOFT_NL": b"=" + nl,
        "MBOXRD": skeleton.mboxrd,
        "AS_IS": _QP_AS_IS,
        "AS_IS_HTML": _QP_HTML_AS_IS,
        "HTML_SPECIAL": _HTML_SPECIAL,
        "B2A_QP": binascii.b2a_qp,
        "B64": binascii.b2a_base64,
    }

    def bind(prefix: str, value: object) -> str:
        name = f"{prefix}{len(names)}"
        names[name] = value
        return name

    def joined(parts: HeaderParts) -> str:
        return concatenated([(type(p) is str, p if type(p) is str else f"t{p}") for p in parts])

    def concatenated(items: list[tuple[bool, str]]) -> str:
        # (literal, text) items as one f-string of names (one string made, where a chain of
        # "+" makes one per step): adjacent literals joined, each bound.
        exprs: list[str] = []
        literal = ""
        for is_literal, text in items:
            if is_literal:
                literal += text
                continue
            if literal:
                exprs.append(bind("S", literal))
                literal = ""
            exprs.append(text)
        if literal:
            exprs.append(bind("S", literal))
        return "f'" + "".join(f"{{{e}}}" for e in exprs) + "'"

    def lines(expr: str) -> str:  # the header writers end lines in CRLF
        return expr if nl == CRLF else expr + ".replace(CRLF, NL)"

    body = []
    # Sources percent-encoded as a URL component or a mailto address: their text holds only
    # unreserved characters, "%" and "@" (RFC 3986 §2.1, §2.3; merge.percent_encode), all
    # printable ASCII other than "=", " " and ">", so what is left of the as-is test for them
    # is its length and the lone "."; and they are never HTML-escaped (from_compiled).
    encoded = {
        i for i, source in enumerate(skeleton.sources) if source.url in ("component", "address")
    }
    for i, source in enumerate(skeleton.sources):
        field = bind("F", source)
        # merge_value(field, values) inline for the usual value, a text that is not blank
        # once stripped; merge_value itself for the others (blank, missing, not a text),
        # which takes the fallback or raises.
        body.append(f"t{i} = values.get({bind('K', source.name)}, '')")
        body.append(f"t{i} = t{i}.strip() if type(t{i}) is str else merge_value({field}, values)")
        body.append(f"if not t{i}: t{i} = merge_value({field}, values)")
        if i in encoded:
            # MergeField.encode for the usual URL-component or mailto-address value, all
            # unreserved characters and "@" (merge.percent_encode's first test): "@"
            # percent-encoded in a component, nothing in an address; and no HTML escaping
            # changes such a text. Any other value goes through encode.
            usual = f"t{i}.replace('@', '%40')" if source.url == "component" else f"t{i}"
            body.append(f"t{i} = {usual} if USUAL_IN_URL(t{i}) else {field}.encode(t{i})")
        elif source.url or source.html:
            body.append(f"t{i} = {field}.encode(t{i})")
    # The List-Unsubscribe header's links, each a list of literal text and expressions.
    links: list[list[tuple[bool, str]]] = []
    for j, parts in enumerate(skeleton.unsubscribe):
        if all(type(p) is str for p in parts):
            links.append([(True, f"<{header_url(''.join(map(str, parts)))}>")])
        elif all(p in encoded if isinstance(p, int) else _URL_PLAIN.fullmatch(p) for p in parts):
            # header_url gives such a URL as it is: its literal text is all _URL_PLAIN
            # characters, and so is every encoded source's text (see `encoded`).
            inner = [(type(p) is str, p if type(p) is str else f"t{p}") for p in parts]
            links.append([(True, "<"), *inner, (True, ">")])
        else:
            body.append(f"u{j} = '<' + header_url({joined(parts)}) + '>'")
            links.append([(False, f"u{j}")])
    slots = {
        _TO: "to",
        _SUBJECT: "subject",
        _MESSAGE_ID: "message_id_header",
        _UNSUBSCRIBE: "unsubscribe",
    }
    # The To and List-Unsubscribe headers are written with the skeleton's line ends.
    # address_header's first shortcut inline: a display name of ASCII letters and digits
    # between spaces, on one line of at most 78 characters ("To: " name " <" addr ">"); the
    # function itself for any other (no name, quoted, encoded, folded).
    end = bind("S", ">" + nl.decode("ascii"))
    body.append("if to_name.isascii():")
    body.append(
        f"    to = f'To: {{to_name}} <{{to_addr}}{{{end}}}'"
        f".encode('ascii') if len(to_name) + len(to_addr) <= "
        f"{HEADER_WIDTH - 7} and to_name.replace(' ', '').isalnum() "
        "else address_header('To', to_name, to_addr, LINESEP)"
    )
    # address_header's non-ASCII shortcut inline (a name with an accent, "Chloé Morel": a
    # good part of a French or Dutch list): a name whose UTF-8 fits the first encoded-word
    # is that one B-encoded word (RFC 2047 §4.1), the address after it on the same line if
    # it fits in 78 characters, else on a continuation line; the function for any other.
    room = ((min(HEADER_WIDTH - len("To") - 2, ENCODED_WORD_MAX) - 12) // 4) * 3
    body += [
        "else:",
        "    to = to_name.encode()",
        f"    if len(to) <= {room}:",
        "        to = f'To: =?utf-8?b?{B64(to, newline=False).decode()}?='",
        f"        to = (f'{{to}} <{{to_addr}}{{{end}}}' if len(to) + len(to_addr) <= "
        f"{HEADER_WIDTH - 3} else f'{{to}}{{LINESEP}} <{{to_addr}}{{{end}}}').encode('ascii')",
        "    else:",
        "        to = address_header('To', to_name, to_addr, LINESEP)",
    ]
    if skeleton.subject is not None:
        subject = joined(skeleton.subject)
        body.append("subject = " + lines(f"unstructured_header('Subject', {subject})"))
    body.append("message_id_header = f'Message-ID: {message_id}{LINESEP}'.encode('ascii')")
    # list_unsubscribe_header inline for the usual header, one line of at most 78
    # characters; the function itself for a longer one (folded, or HeaderTooLongError).
    line: list[tuple[bool, str]] = [(True, "List-Unsubscribe: ")]
    for j, link in enumerate(links):
        line += [(True, ", ")] * (j > 0) + link
    body.append(f"unsubscribe = {concatenated([*line, (True, nl.decode('ascii'))])}")
    body.append(
        f"unsubscribe = unsubscribe.encode('ascii') if len(unsubscribe) <= "
        f"{HEADER_WIDTH + len(nl)} else list_unsubscribe_header("
        f"[{', '.join(concatenated(link) for link in links)}], LINESEP)"
    )
    # A source in both a text hole and an HTML-escaped one is tested once, for HTML: a text
    # that HTML writes as it is, text writes as it is too (_QP_HTML_AS_IS matches a subset of
    # what _QP_AS_IS does), into the same bytes.
    both = {i for i, escaped in skeleton.holes if escaped and (i, False) in skeleton.holes}
    # A short non-ASCII text (a name with an accent: a good part of a French or Dutch list)
    # is qp_piece's short case: binascii.b2a_qp of its UTF-8 bytes, each non-ASCII byte as
    # =XX (RFC 2045 §6.7 rule 1), under 75 characters so neither wrapped nor soft-broken
    # inside, then the soft break. It holds no CR or LF (b2a_qp encodes them with istext
    # False), and without "From " anywhere neither qp_piece's "=46rom" nor mboxrd_quote
    # changes it; in HTML, html.escape leaves a text without its five characters as it is.
    # n<source> is that encoding, or None for an ASCII text (the as-is tests above) or any
    # other (hole_piece). tests/render/test_mime.py pins it against hole_piece.
    for index in sorted({i for i, _escaped in skeleton.holes if i not in encoded}):
        body.append(
            f"n{index} = None if t{index}.isascii() else "
            f"B2A_QP(t{index}.encode(), False, False, False)"
        )
        body.append(
            f"if n{index} is not None and (len(n{index}) >= {QP_WIDTH} "
            f"or b'From ' in n{index}): n{index} = None"
        )
    plain: dict[int, str] = {}  # source -> the hole that holds it unescaped
    for index in sorted(both):
        # Whether the text hole's bytes serve the HTML hole too.
        body.append(
            f"q{index} = AS_IS_HTML(t{index}) if n{index} is None else not HTML_SPECIAL(t{index})"
        )
    for k, (index, escaped) in enumerate(skeleton.holes):
        slots[_HOLES + k] = f"h{k}"
        general = f"hole_piece(t{index}, {escaped}, NL, MBOXRD)"
        short = f"n{index} + SOFT_NL"
        if index in encoded:
            test = f"0 < len(t{index}) < {QP_WIDTH} and t{index} != '.'"
        elif index in both and escaped:
            same = plain.get(
                index, f"({short} if n{index} is not None else t{index}.encode() + SOFT_NL)"
            )
            body.append(f"h{k} = {same} if q{index} else {general}")
            continue
        elif index in both:
            plain[index] = f"h{k}"
            general = f"{short} if n{index} is not None else {general}"
            test = f"n{index} is None and (q{index} or AS_IS(t{index}))"
        else:
            if escaped:
                short_ok = f"n{index} is not None and not HTML_SPECIAL(t{index})"
            else:
                short_ok = f"n{index} is not None"
            general = f"{short} if {short_ok} else {general}"
            test = f"n{index} is None and {'AS_IS_HTML' if escaped else 'AS_IS'}(t{index})"
        body.append(f"h{k} = t{index}.encode() + SOFT_NL if {test} else ({general})")
    pieces = [slots[i] if type(i) is int else bind("P", i) for i in skeleton.layout]
    # The message's length in bytes: the ready pieces' total, known here, plus each slot's
    # length (once per time it is written).
    fixed = sum(len(i) for i in skeleton.layout if type(i) is bytes)
    size = " + ".join(
        [str(fixed), *(f"len({slots[i]})" for i in skeleton.layout if type(i) is int)]
    )
    body.append(f"return ({', '.join(pieces)},), {size}")
    code = "def assemble(values, to_addr, to_name, message_id):\n" + "".join(
        f"    {line}\n" for line in body
    )
    exec(compile(code, f"<assembler {skeleton.compiled.segment_id}>", "exec"), names)
    return names["assemble"]  # type: ignore[return-value]


_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
# Characters that change how the text around them is shown while being invisible themselves:
# the bidi embeddings and overrides U+202A–U+202E and isolates U+2066–U+2069 (Unicode UAX #9;
# an override in a name reverses what follows, as in "Trojan Source", CVE-2021-42574), the
# bidi marks U+200E, U+200F and U+061C, the deprecated format characters U+206A–U+206F, and
# the zero-width U+200B–U+200D, U+2060 and U+FEFF. U+202F (narrow no-break space, which Babel
# puts in French numbers) is a visible space and stays.
_INVISIBLES = "\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u206f\ufeff"
_CONTROL = re.compile(f"[{_CONTROLS}]")
_CONTROL_RUN = re.compile(f"\\s*[{_CONTROLS}][{_CONTROLS}\\s]*")
_INVISIBLE = re.compile(f"[{_INVISIBLES}]+")
_SUSPECT = re.compile(f"[{_CONTROLS}{_INVISIBLES}]")

CONTROLS_REPLACED = N_("control characters in '{key}' replaced by spaces")
INVISIBLES_REMOVED = N_("invisible or bidi control characters in '{key}' removed")


def has_control(value: str) -> bool:
    """Whether clean_value would change `value`: a control or an invisible character."""
    # Every suspect character is one str.isprintable refuses: the controls are Unicode
    # category Cc, U+2028/U+2029 Zl/Zp, the invisibles Cf. A text it accepts (nearly every
    # one: one pass in C) has none; the others, such as a no-break space (Zs), are searched.
    return not value.isprintable() and _SUSPECT.search(value) is not None


def cleaning_notes(value: str) -> tuple[str, ...]:
    """What clean_value changes in `value`, as report templates (`{key}` is the field)."""
    if not has_control(value):
        return ()
    notes = []
    if _CONTROL.search(value):
        notes.append(_(CONTROLS_REPLACED))
    if _INVISIBLE.search(value):
        notes.append(_(INVISIBLES_REMOVED))
    return tuple(notes)


def clean_value(value: str) -> str:
    """The one cleaner of recipient values, for headers (display name, Subject) and bodies
    alike. Each run of control characters (CR, LF, TAB, NUL, U+2028 ...) becomes one space,
    so a value can never start a header or a body line (header injection); invisible and bidi
    control characters are removed, so a value shows as the characters it holds."""
    if not has_control(value):
        return value
    return _CONTROL_RUN.sub(" ", _INVISIBLE.sub("", value)).strip()
