"""Links: empty, javascript:, insecure, shortened, misleading, and unresolved template syntax."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from b2bmail.i18n import _
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Hit, Severity
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import TEMPLATE_SYNTAX, is_template_value, links, load_lines

_DOMAIN_TEXT = re.compile(
    r"^(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$", re.I
)


def _host(href: str) -> str:
    try:
        return (urlsplit(href).hostname or "").lower()
    except ValueError:
        return ""


# A whole merge tag when it is closed on the same line, else just the opening characters.
TEMPLATE_TOKEN = re.compile(
    r"\{\{[^{}\n]{0,80}\}\}|\{%[^\n]{0,80}?%\}|\*\|[^|\n]{0,80}\|\*|%%[^%\s]{1,80}%%|"
    r"\[\[[^\]\n]{0,80}\]\]|\{\{|\{%|\*\||%%|\[\["
)


# Each opener's first byte, with the bytes that may follow it: `{{` `{%` `*|` `%%` `[[`.
_OPENERS = ((b"{", b"{%"), (b"*", b"|"), (b"%", b"%"), (b"[", b"["))


def _has_opener(data: bytes) -> bool:
    """True when `data` holds `{{`, `{%`, `*|`, `%%` or `[[`.

    A single-byte `find` is a memchr, far cheaper than a split or a two-byte search, which
    visit every byte; only the few places of each first byte are then looked at (up to the
    last byte but one, so the byte after is always there to read).
    """
    find = data.find
    last = len(data) - 1
    for first, seconds in _OPENERS:
        pos = find(first, 0, last)
        while pos >= 0:
            if data[pos + 1] in seconds:
                return True
            pos = find(first, pos + 1, last)
    return False


_COMMENT = re.compile(r"<!--(.*?)-->", re.S)


def _plain_comment_starts_ends(source: str) -> tuple[list[int], list[int]]:
    """Where the HTML comments that no client renders start and end (sorted).

    Conditional comments (`<!--[if mso]>…<![endif]-->`) are left out: Outlook for Windows
    renders what they hold, so template syntax there reaches its readers.
    """
    starts, ends = [], []
    for match in _COMMENT.finditer(source):
        if match.group(1).lstrip()[:3].lower() != "[if":
            starts.append(match.start())
            ends.append(match.end())
    return starts, ends


@rule("B2B601", "empty-link", "error")
def empty_link(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a link whose `href` is empty or just `#`.

    Why it matters:
        The reader clicks and nothing happens, usually a forgotten call to action.

    Example:
        <a href="#">Book a demo</a>

    Use instead:
        <a href="https://example.com/demo">Book a demo</a>
    """
    for link in links(doc):
        if link.href in ("", "#"):
            yield doc.hit(
                link.element,
                _("link {text!r} goes nowhere (href={href!r}) — set its URL").format(
                    text=link.text[:40], href=link.href
                ),
            )


@rule("B2B602", "javascript-link", "error")
def javascript_link(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a `javascript:` link.

    Why it matters:
        No email client runs scripts; filters treat javascript: URLs as an attack sign.

    Example:
        <a href="javascript:openDemo()">Book a demo</a>

    Use instead:
        <a href="https://example.com/demo">Book a demo</a>
    """
    for link in links(doc):
        if link.href.lower().replace(" ", "").startswith("javascript:"):
            yield doc.hit(
                link.element, _("javascript: link does nothing in email — link to a web page")
            )


@rule("B2B603", "insecure-link", "warning")
def insecure_link(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a link to an `http://` URL.

    Why it matters:
        Browsers warn on insecure pages and corporate gateways rewrite or block them; every
        link in a B2B email should be https://.

    Example:
        <a href="http://example.com/demo">Book a demo</a>

    Use instead:
        <a href="https://example.com/demo">Book a demo</a>
    """
    for link in links(doc):
        if link.href.lower().startswith("http://") and not is_template_value(link.href):
            yield doc.hit(
                link.element, _("link {href} uses http:// — use https://").format(href=link.href)
            )


@rule("B2B604", "url-shortener", "warning")
def url_shortener(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a link through a public URL shortener (bit.ly, tinyurl.com, ow.ly…; list in
        data/lint_url_shorteners.txt).

    Why it matters:
        Shorteners hide the destination: spam filters and security gateways distrust them
        and readers cannot see where they go.

    Example:
        <a href="https://bit.ly/3abcd">Book a demo</a>

    Use instead:
        <a href="https://example.com/demo">Book a demo</a>
    """
    shorteners = set(load_lines("lint_url_shorteners.txt"))
    for link in links(doc):
        host = _host(link.href)
        if host in shorteners or host.removeprefix("www.") in shorteners:
            yield doc.hit(
                link.element,
                _("link goes through the URL shortener {host} — link to the real page").format(
                    host=host
                ),
            )


@rule("B2B605", "link-text-domain-mismatch", "warning")
def domain_mismatch(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a link whose text shows a web address on a different domain from its href.

    Why it matters:
        "Text says one domain, link goes to another" is the classic phishing pattern: filters
        score it, and careful readers will not click.

    Example:
        <a href="https://track.example.net/c/123">www.acme-machines.com</a>

    Use instead:
        <a href="https://www.acme-machines.com/">www.acme-machines.com</a>
    """
    for link in links(doc):
        match = _DOMAIN_TEXT.match(link.text.strip())
        if not match or is_template_value(link.href):
            continue
        shown = match.group(1).lower()
        host = _host(link.href)
        if not host:
            continue
        if host == shown or host.endswith("." + shown) or shown.endswith("." + host):
            continue
        yield doc.hit(
            link.element,
            _("link text shows {shown} but the link goes to {host}").format(shown=shown, host=host),
        )


@rule("B2B606", "unresolved-template-syntax", "error")
def template_syntax(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags template syntax left in the email: `{{`, `{%`, `*|`, `%%`, `[[` in the subject,
        preheader, headers, HTML (text, links, `<!--[if mso]>` conditional comments; not plain
        comments, which no client shows) or text part. In a bare HTML file, which may
        be a template another tool fills, it is a warning; in a message it is an error.

    Why it matters:
        "Dear {{ first_name }}" or `*|UNSUB|*` reaching a buyer shows a broken mail merge and
        breaks the links that hold it.

    Example:
        <html><body><p>Dear {{ first_name }},</p></body></html>

    Use instead:
        <html><body><p>Dear Claire,</p></body></html>
    """
    lower: Severity | None = None if doc.is_message else "warning"
    source = doc.source
    data = doc.data
    has_opener = _has_opener(data)
    comments: tuple[list[int], list[int]] | None = None
    for match in TEMPLATE_TOKEN.finditer(source) if has_opener else ():
        if comments is None:
            comments = _plain_comment_starts_ends(source) if "<!--" in source else ([], [])
        # A plain comment is never shown: the note "{{ name }} goes here" in it is no merge
        # tag left unfilled.
        at = bisect_right(comments[0], match.start()) - 1
        if at >= 0 and match.start() < comments[1][at]:
            continue
        line, column = doc.offset_position(match.start())
        snippet = doc.snippet(line, column)
        yield Hit(
            _("unresolved template syntax {token!r} — fill or remove it").format(
                token=match.group(0)[:40]
            ),
            line,
            column,
            snippet,
            "html",
            lower,
        )
    if doc.subject and TEMPLATE_SYNTAX.search(doc.subject):
        yield doc.hit_document(_("unresolved template syntax in the subject"), "subject")
    if doc.given_preheader and TEMPLATE_SYNTAX.search(doc.given_preheader):
        yield doc.hit_document(_("unresolved template syntax in the preheader"), "preheader")
    for name, field in doc.headers.items():
        if name != "subject" and TEMPLATE_SYNTAX.search(field.value):
            yield doc.hit_header(
                field.name,
                _("unresolved template syntax in the {header} header").format(header=field.name),
            )
    # Every TEMPLATE_TOKEN starts with an opener: without one the text part has none.
    if doc.text and _has_opener(doc.text.encode("utf-8")):
        for number, text_line in enumerate(doc.text.splitlines(), start=1):
            found = TEMPLATE_TOKEN.search(text_line)
            if found:
                yield Hit(
                    _("unresolved template syntax {token!r} in the text part").format(
                        token=found.group(0)[:40]
                    ),
                    number,
                    found.start() + 1,
                    text_line.strip()[:100],
                    "text",
                )


RULES = (
    empty_link,
    javascript_link,
    insecure_link,
    url_shortener,
    domain_mismatch,
    template_syntax,
)
