"""Work out how a CSV file is encoded and delimited, from its bytes, without loading it whole.

Lists come out of Excel and CRMs as UTF-8 (with or without a byte-order mark), Windows-1252
("ANSI" in Excel's save dialog) or UTF-16 ("Unicode text"). Detection is a streaming pass over
the bytes: the file is UTF-8 if every byte decodes as UTF-8, else Windows-1252; an error names
the byte offset and line so the user can find the bad byte. A file that is neither (rows pasted
from a UTF-8 export into a Windows-1252 one) is refused: read either way, some rows would be
mojibake (`HÃ©lÃ¨ne`).
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from b2bmail.errors import InputError, os_reason
from b2bmail.i18n import N_, _

CHUNK = 1 << 20
SNIFF_BYTES = 8192
DELIMITERS = (",", ";", "\t")
#: Machine names (JSON); translate with `_()` where a person reads them.
DELIMITER_NAMES = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}
ENCODING_HINT = N_("pass --encoding (e.g. --encoding utf-8 or --encoding cp1252)")
# A UTF-8 lead byte then a continuation byte (RFC 3629 §4): where a UTF-8 line may be.
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


@dataclass(frozen=True)
class TextFormat:
    """How to read a delimited text file: the codec (BOM handled) and the delimiter."""

    encoding: str
    delimiter: str
    has_bom: bool


def _codec_name(encoding: str, path: Path) -> str:
    try:
        name = codecs.lookup(encoding).name
        # str.encode refuses codecs that are not text encodings (hex, base64, rot13...).
        "".encode(name)
    except LookupError:
        raise InputError(
            _("unknown encoding {encoding}").format(encoding=repr(encoding)),
            path=path,
            hint=_("use utf-8, utf-8-sig or cp1252"),
        ) from None
    return name


def _wide_codec(name: str, head: bytes) -> tuple[str, bytes]:
    """(codec, BOM to skip) for a forced UTF-16/UTF-32 codec. Plain `utf-16`/`utf-32` take the
    byte order from the BOM, else little-endian (what Windows writes as "Unicode text"): their
    incremental decoders refuse a stream whose BOM was already skipped. A UTF-32 BOM starts
    like a UTF-16 one, so the BOM is matched here against the codec, not guessed before."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if codec.startswith(name) and head.startswith(bom):
            return codec, bom
    return (f"{name}-le" if name in ("utf-16", "utf-32") else name), b""


def _utf16_without_bom(head: bytes) -> str | None:
    """`utf-16-le`/`utf-16-be` for mostly-ASCII UTF-16 without a BOM (NUL in nearly every
    other byte: odd offsets for little-endian, even for big-endian), else None."""
    sample = head[:512]
    if len(sample) < 4:
        return None
    for codec, half in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if half.count(0) >= 0.9 * len(half):
            return codec
    return None


def _validate(fh: BinaryIO, encoding: str, start: int) -> tuple[int, int, int] | None:
    """Decode the whole stream; return (byte offset, line, byte) of the first bad byte, or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = start
    line = 1
    fh.seek(start)
    while True:
        chunk = fh.read(CHUNK)
        final = not chunk
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            # exc.start indexes the bytes the decoder saw: the pending tail, then this chunk.
            bad_at = offset - pending + exc.start
            in_chunk = exc.start - pending
            line += chunk[: max(in_chunk, 0)].count(b"\n")
            bad = exc.object[exc.start] if exc.start < len(exc.object) else 0
            return bad_at, line, bad
        except (UnicodeError, ValueError):
            # Codecs such as punycode fail without saying where: name the chunk (byte -1).
            return offset, line, -1
        if final:
            return None
        offset += len(chunk)
        line += chunk.count(b"\n")


def _utf8_line(fh: BinaryIO, start: int) -> int | None:
    """The number of the first line that holds non-ASCII text and decodes as UTF-8, or None.

    Run only on a file that is not UTF-8 as a whole. In Windows-1252 text a line whose every
    accented byte also happens to form a UTF-8 sequence (`Ã©`) is all but unheard of, so such
    a line means the file mixes the two encodings.
    """
    fh.seek(start)
    line = 1
    carry = b""
    while True:
        chunk = fh.read(CHUNK)
        data = carry + chunk
        end = len(data) if not chunk else data.rfind(b"\n") + 1
        block, carry = data[:end], data[end:]
        checked = 0  # a line with many candidate pairs is decoded once, not once per pair
        for match in _UTF8_PAIR.finditer(block):
            if match.start() < checked:
                continue
            begin = block.rfind(b"\n", 0, match.start()) + 1
            checked = block.find(b"\n", match.end())
            checked = len(block) if checked < 0 else checked
            try:
                block[begin:checked].decode("utf-8")
            except UnicodeDecodeError:
                continue
            return line + block.count(b"\n", 0, begin)
        if not chunk:
            return None
        line += block.count(b"\n")


def detect_encoding(path: Path, fh: BinaryIO, forced: str | None) -> tuple[str, bool, int]:
    """Return (python codec, has_bom, byte offset where text starts). Raises InputError."""
    head = fh.read(SNIFF_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(
            _("the file is empty"), path=path, hint=_("export the list again with a header row")
        )
    if head.startswith(b"PK\x03\x04"):
        raise InputError(
            _("this is a zip file (an Excel .xlsx?), not CSV text"),
            path=path,
            hint=_("save it from Excel as 'CSV UTF-8 (comma delimited)'"),
        )
    bom = b""
    if head.startswith(codecs.BOM_UTF8):
        bom, guess = codecs.BOM_UTF8, "utf-8"
    elif head.startswith(codecs.BOM_UTF32_LE):  # before UTF-16 LE: it starts the same way
        bom, guess = codecs.BOM_UTF32_LE, "utf-32-le"
    elif head.startswith(codecs.BOM_UTF32_BE):
        bom, guess = codecs.BOM_UTF32_BE, "utf-32-be"
    elif head.startswith(codecs.BOM_UTF16_LE):
        bom, guess = codecs.BOM_UTF16_LE, "utf-16-le"
    elif head.startswith(codecs.BOM_UTF16_BE):
        bom, guess = codecs.BOM_UTF16_BE, "utf-16-be"
    else:
        guess = ""
    forced_codec = _codec_name(forced, path) if forced else None
    wide = (forced_codec or guess).startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in head:
        at = head.index(b"\x00")
        utf16 = _utf16_without_bom(head)
        raise InputError(
            _("this looks like a binary file (NUL byte at byte offset {at}), not CSV text").format(
                at=at
            ),
            path=path,
            hint=_(
                "if it is UTF-16 text without a byte-order mark, pass --encoding {encoding}"
            ).format(encoding=utf16)
            if utf16
            else _("give a CSV or TSV export of the list"),
        )
    if forced_codec is not None and wide:
        forced_codec, bom = _wide_codec(forced_codec, head)
    start = len(bom)
    candidates = [forced_codec] if forced_codec else ([guess] if guess else ["utf-8", "cp1252"])
    failures = []
    for codec in candidates:
        bad = _validate(fh, codec, start)
        if bad is None:
            return codec, bool(bom), start
        failures.append((codec, bad))
        if codec == "utf-8" and not forced and not bom:
            _refuse_mixed(path, fh, start, bad)
    # The last candidate's failure is the byte that stops every reading; name it.
    codec, (at, line, byte) = failures[-1]
    also = ""
    if len(failures) > 1:
        first_codec, (first_at, _line, first_byte) = failures[0]
        if first_at != at:
            also = _(" (nor is it {codec}: byte 0x{byte} at offset {at})").format(
                codec=first_codec, byte=f"{first_byte:02x}", at=first_at
            )
    message = (
        _("cannot decode byte 0x{byte} at byte offset {at} as {codec}{also}")
        if byte >= 0
        else _("cannot decode the text at byte offset {at} as {codec}{also}")
    )
    raise InputError(
        message.format(byte=f"{byte:02x}", at=at, codec=codec, also=also),
        path=path,
        line=line,
        hint=_(ENCODING_HINT)
        if not forced
        else _("check the file, or try another --encoding than {encoding}").format(
            encoding=repr(forced)
        ),
    )


def _refuse_mixed(path: Path, fh: BinaryIO, start: int, bad: tuple[int, int, int]) -> None:
    """Raise InputError when a file that is not UTF-8 as a whole still has UTF-8 lines."""
    utf8_line = _utf8_line(fh, start)
    if utf8_line is None:
        return
    at, line, byte = bad
    raise InputError(
        _(
            "the file mixes encodings: line {line} is UTF-8 but byte 0x{byte} at byte"
            " offset {at} is not, so either reading garbles some rows"
        ).format(line=utf8_line, byte=f"{byte:02x}", at=at),
        path=path,
        line=line,
        hint=_(
            "save the whole list again in one encoding (Excel: 'CSV UTF-8'),"
            " or pass --encoding to choose one reading"
        ),
    )


def detect_delimiter(first_line: str, forced: str | None, path: Path) -> str:
    """The most frequent of `,` `;` tab outside quotes in the header line (`,` if none)."""
    if forced is not None:
        named = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}
        value = named.get(forced.lower(), forced)
        if value not in DELIMITERS and len(value) != 1:
            raise InputError(
                _("unsupported delimiter {delimiter}").format(delimiter=repr(forced)),
                path=path,
                hint=_("use ',', ';', 'tab' or a single character"),
            )
        return value
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


@contextmanager
def open_text(
    path: Path, encoding: str | None, delimiter: str | None
) -> Iterator[tuple[TextFormat, io.TextIOWrapper]]:
    """Open `path` as text positioned at its first character, with the format detected."""
    if path.exists() and not path.is_file() and not path.is_dir():
        # A pipe (`<(...)`) or a device: the list is read more than once, which a pipe cannot
        # do (and reopening one would hang).
        raise InputError(
            _("not a regular file (a pipe or a device)"),
            path=path,
            hint=_("save the list to a file first and give its path"),
        )
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as exc:
        raise InputError(
            _("cannot open the file: {error}").format(error=os_reason(exc)),
            path=path,
            hint=_("check the path (reading from standard input is not supported)")
            if str(path) == "-"
            else _("check the path"),
        ) from None
    try:
        codec, has_bom, start = detect_encoding(path, fh, encoding)
        fh.seek(start)
        text = io.TextIOWrapper(fh, encoding=codec, newline="")
        first = text.readline()
        delim = detect_delimiter(first, delimiter, path)
        text.detach()
        fh.seek(start)
        text = io.TextIOWrapper(fh, encoding=codec, newline="")
        yield TextFormat(codec, delim, has_bom), text
    finally:
        fh.close()
