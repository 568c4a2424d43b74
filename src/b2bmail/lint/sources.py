"""Turn files into `Document`s: bare HTML, .eml messages (HTML part, text part, headers), MJML."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Mapping
from email.message import EmailMessage, MIMEPart
from pathlib import Path

from b2bmail.errors import InputError, TemplateError, os_reason
from b2bmail.i18n import _
from b2bmail.lint.document import MAX_HTML_BYTES, Document, HeaderField
from b2bmail.lint.document import estimate_encoded_size as estimate_encoded_size
from b2bmail.mjml_structure import first_structure_error
from b2bmail.output import MARKER as OUTPUT_MARKER

HTML_SUFFIXES = (".html", ".htm")
LINTABLE_SUFFIXES = (*HTML_SUFFIXES, ".eml", ".mjml")
#: The largest .eml lint reads: Gmail's limit for a whole message (25 MB). Parsing takes about
#: five times its size in memory; its HTML part is then held to MAX_HTML_BYTES.
MAX_MESSAGE_BYTES = 25_000_000
#: MIME entities nested deeper than this are refused, as Postfix does by default
#: (`mime_nesting_limit = 100`); a real message nests a handful of levels.
MAX_MIME_DEPTH = 100


def _check_size(raw: bytes, path: str | Path, limit: int) -> None:
    if len(raw) > limit:
        raise InputError(
            _("the file is over {limit:,} bytes, the most lint reads").format(limit=limit),
            path=path,
            hint=_("an email this large cannot be delivered whole: cut it down"),
        )


def header_fields(raw: bytes) -> list[HeaderField]:
    """The header fields of a message with the file line where each starts (RFC 5322 §2.2)."""
    fields: list[HeaderField] = []
    name = ""
    value = ""
    start = 0
    text = raw.decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            break
        if line[0] in " \t" and name:
            value += " " + line.strip()
            continue
        if name:
            fields.append(HeaderField(name, value, start))
        name, _, rest = line.partition(":")
        name, value, start = name.strip(), rest.strip(), number
    if name:
        fields.append(HeaderField(name, value, start))
    return fields


def _decoded_headers(message: EmailMessage, raw_fields: list[HeaderField]) -> list[HeaderField]:
    """Each field with the decoded value of the first field of its name (`message.get`'s), in
    one pass: `message.get` scans every header, so a call per field was quadratic."""
    first: dict[str, tuple[str, str]] = {}
    for name, raw in message.raw_items():
        first.setdefault(name.lower(), (name, raw))
    decoded: dict[str, str] = {}
    out = []
    for field in raw_fields:
        key = field.name.lower()
        value = decoded.get(key)
        if value is None:
            found = first.get(key)
            try:
                value = str(message.policy.header_fetch_parse(*found)) if found else field.value
            except Exception:  # a malformed header: keep the raw text; the rules report it
                value = field.value
            decoded[key] = value
        out.append(HeaderField(field.name, value, field.line, field.value))
    return out


def _nested_too_deep(message: EmailMessage) -> bool:
    """True when MIME entities nest more than MAX_MIME_DEPTH levels (walked without recursion)."""
    stack: list[tuple[MIMEPart, int]] = [(message, 1)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_MIME_DEPTH:
            return True
        if part.is_multipart():  # multipart/* and message/rfc822: a list of entities
            stack.extend((sub, depth + 1) for sub in part.iter_parts())
    return False


def _parse_message(raw: bytes, path: str) -> EmailMessage:
    too_deep = InputError(
        _("MIME parts nested more than {depth} levels deep: too deeply nested to read").format(
            depth=MAX_MIME_DEPTH
        ),
        path=path,
        hint=_("a real message nests a few levels: check what made this file"),
    )
    try:
        # The email package parses and walks nested parts recursively: past about 900 levels
        # it raises RecursionError, which must not escape as a traceback.
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:
        raise too_deep from None
    assert isinstance(message, EmailMessage)
    if _nested_too_deep(message):
        raise too_deep
    return message


def document_from_message(raw: bytes, path: str) -> Document:
    """A `Document` for a whole RFC 5322 message: headers, HTML part and text part."""
    _check_size(raw, path, MAX_MESSAGE_BYTES)
    message = _parse_message(raw, path)
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    html = ""
    size = 0
    if html_part is not None:
        try:
            html = str(html_part.get_content())
        except (LookupError, ValueError) as exc:
            raise InputError(
                _("cannot decode the HTML part: {error}").format(error=exc),
                path=path,
                hint=_(
                    "declare a charset Python knows (utf-8, iso-8859-1, windows-1252) "
                    "in its Content-Type"
                ),
            ) from exc
        payload = html_part.get_payload(decode=False)
        size = len(payload) if isinstance(payload, str) else len(html.encode("utf-8"))
    text = None
    if text_part is not None:
        try:
            text = str(text_part.get_content())
        except (LookupError, ValueError):
            text = ""
    fields = _decoded_headers(message, header_fields(raw))
    subject = next((f.value for f in fields if f.name.lower() == "subject"), "")
    return Document(
        path=path,
        html=html,
        text=text,
        subject=subject,
        headers=fields,
        is_message=True,
        encoded_html_size=size,
    )


def document_from_parts(
    *,
    html: str,
    path: str,
    text: str | None = None,
    subject: str | None = None,
    preheader: str | None = None,
    headers: Mapping[str, str] | None = None,
    image_sizes: Mapping[str, int] | None = None,
) -> Document:
    """A document from already-separated parts (what the build has in hand)."""
    fields = None
    if headers is not None:
        fields = [HeaderField(name, value, 1) for name, value in headers.items()]
    return Document(
        path=path,
        html=html,
        text=text,
        subject=subject,
        preheader=preheader,
        headers=fields,
        is_message=subject is not None or headers is not None,
        image_sizes=image_sizes,
        # The quoted-printable size is estimated when a size rule needs it (encoded_html_size).
    )


def compile_mjml(source: str, path: str) -> str:
    """MJML -> HTML with mjml-python (the lint library's only compile step).

    The structure is checked first (`b2bmail.mjml_structure`): MRML renders an unknown tag
    through silently and reports broken nesting without a line."""
    # MRML fails on CRLF in <mj-head> ("unexpected token in root template"); the build
    # reads MJML through Jinja, which turns every line end into "\n": do the same here.
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    error = first_structure_error(source)
    if error is not None:
        raise TemplateError(error.message, path=path, line=error.line, hint=error.hint)
    try:
        from mjml import mjml2html
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise TemplateError(
            _("mjml-python is not installed"), path=path, hint="pip install mjml-python"
        ) from exc
    try:
        return str(mjml2html(source))
    except Exception as exc:  # mjml-python raises plain exceptions for bad input
        raise TemplateError(
            _("cannot compile MJML: {error}").format(error=exc),
            path=path,
            hint=_("fix the MJML markup"),
        ) from exc


def cannot_lint(suffix: str) -> str:
    """The message for a file lint does not read, by its suffix (`.pdf`, or none)."""
    if suffix:
        return _("cannot lint a {suffix} file").format(suffix=suffix)
    return _("cannot lint a suffix-less file")


def read_document(path: Path) -> Document:
    """A `Document` for an .html, .htm, .eml or .mjml file."""
    limit = MAX_MESSAGE_BYTES if path.suffix.lower() == ".eml" else MAX_HTML_BYTES
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)  # one byte past the limit: enough to refuse the file
    except FileNotFoundError as exc:
        raise InputError(_("no such file"), path=path, hint=_("check the path")) from exc
    except OSError as exc:
        raise InputError(
            _("cannot read: {reason}").format(reason=os_reason(exc)), path=path
        ) from exc
    return document_from_bytes(raw, path)


def document_from_bytes(raw: bytes, path: Path) -> Document:
    """A `Document` for the bytes of an .html, .htm, .eml or .mjml file (by `path`'s suffix)."""
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return document_from_message(raw, str(path))
    _check_size(raw, path, MAX_HTML_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if suffix == ".mjml":
        text = compile_mjml(text, str(path))
    elif suffix not in HTML_SUFFIXES:
        raise InputError(
            cannot_lint(suffix),
            path=path,
            hint=_("lint .html, .htm, .eml, .mjml files, folders or campaign .yaml files"),
        )
    return Document(path=str(path), html=text)  # the encoded size is estimated on demand


#: A Jinja statement: an .mjml file holding one is a template (it extends, includes, sets),
#: not an email to compile as it stands. `{{ … }}` alone is not: other tools' merge tags look so.
_JINJA_STATEMENT = re.compile(rb"\{%")


def is_mjml_template(path: Path) -> bool:
    """True for an .mjml file that is not an email as it stands: a Jinja template (a layout,
    or a page that extends one) or a partial without an `<mjml>` root, compiled where it is
    included. The caller lints the campaigns that use it (render/references.py)."""
    if path.suffix.lower() != ".mjml":
        return False
    try:
        with path.open("rb") as file:
            source = file.read(MAX_HTML_BYTES + 1)
    except OSError:
        return False  # let the linting report the read error
    return bool(_JINJA_STATEMENT.search(source)) or b"<mjml" not in source


def is_message_part(path: Path) -> bool:
    """True for a build's `<segment>/email.html` (or any X.html beside an X.eml in a folder
    b2bmail wrote): the HTML part of that .eml, which lint reads whole, so each problem is
    reported once per segment, not once per file."""
    if path.suffix.lower() not in HTML_SUFFIXES or not path.with_suffix(".eml").is_file():
        return False
    return any((folder / OUTPUT_MARKER).is_file() for folder in (path.parent, path.parent.parent))


def find_lintable(folder: Path) -> list[Path]:
    """Every .html/.htm/.eml/.mjml file under `folder`, sorted, hidden folders skipped, and a
    build's email.html skipped for its email.eml (`is_message_part`)."""
    found = []
    for candidate in sorted(folder.rglob("*")):
        rel = candidate.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if (
            candidate.is_file()
            and candidate.suffix.lower() in LINTABLE_SUFFIXES
            and not is_message_part(candidate)
        ):
            found.append(candidate)
    return found
