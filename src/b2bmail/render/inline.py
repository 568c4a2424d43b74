"""CSS inlining with premailer (offline) and UTM parameters on tracked links."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from premailer import Premailer

from b2bmail.errors import TemplateError
from b2bmail.i18n import _

# <a> links and the VML button Outlook shows instead of them (<v:roundrect href=...>).
_HREF = re.compile(r'(<(?:a|v:roundrect)\b[^>]*?\shref=)(["\'])(.*?)\2', re.I | re.S)

# HTML Living Standard §13.1.1: without a DOCTYPE a browser renders in quirks mode (Apple
# Mail, Outlook for Mac and the preview are WebKit/Chromium). MJML writes the HTML5 doctype;
# we keep that one, not XHTML 1.0 Transitional, which gives "almost standards" mode in WebKit.
DOCTYPE = "<!DOCTYPE html>"
_LEADING_DOCTYPE = re.compile(r"\A\s*<!doctype\b[^>]*>\s*", re.I)

# The hidden preheader MJML writes first in <body> (mj-preview): a display:none <div>.
_PREHEADER = re.compile(
    r"<body\b[^>]*>\s*<div\b[^>]*\bstyle=\"[^\"]*display:\s*none[^>]*>[^<]*</div>", re.I
)
# Inbox snippets show about 140 characters (Gmail, Apple Mail, Outlook). 75 pairs are 150
# characters of blank filler, so even an empty preheader pushes the body out of the snippet.
PREHEADER_FILLER_PAIRS = 75
PREHEADER_FILLER = "&zwnj;&nbsp;" * PREHEADER_FILLER_PAIRS


def inline_css(html: str) -> str:
    """Move <style> rules into style="" attributes. Network stays off; @media rules cannot be
    inlined and stay in a <style> block, where responsive clients use them."""
    try:
        result = Premailer(
            html,
            allow_network=False,
            external_styles=None,
            keep_style_tags=False,
            remove_classes=False,
            strip_important=False,
            disable_validation=True,
            disable_link_rewrites=True,
            # premailer copies CSS widths into width/height attributes, overwriting MJML's:
            # an <img width="552"> became width="100%", which Outlook for Windows ignores
            # (it then draws the image at its file size). MJML writes the attributes it needs.
            disable_basic_attributes=["width", "height"],
            cssutils_logging_level=logging.CRITICAL,
        ).transform()
    except Exception as exc:  # premailer raises from cssutils and lxml with varied types
        raise TemplateError(
            _("CSS inlining failed: {error}").format(error=exc), hint=_("check the <mj-style> CSS")
        ) from None
    # premailer reserializes through lxml and drops the doctype: put the standard one back.
    return f"{DOCTYPE}\n{_LEADING_DOCTYPE.sub('', str(result), count=1)}"


def pad_preheader(html: str) -> str:
    """Put a hidden filler of `&zwnj;&nbsp;` pairs after the hidden preheader, so that inbox
    snippets (about 140 characters) end in blank space instead of the first words of the
    body. The filler is its own hidden <div>: the preheader's text (what lint measures and
    what the gallery shows) stays as written, and the plain-text part skips hidden elements.
    HTML without a hidden preheader right after <body> is returned unchanged."""
    m = _PREHEADER.search(html)
    if m is None:
        return html
    filler = (
        '\n<div style="display:none;font-size:1px;line-height:1px;max-height:0px;'
        f'max-width:0px;opacity:0;overflow:hidden;mso-hide:all;">{PREHEADER_FILLER}</div>'
    )
    return html[: m.end()] + filler + html[m.end() :]


def add_utm(url: str, utm: Mapping[str, str]) -> str:
    """Append UTM parameters to an http(s) URL, keeping its query and fragment; parameters
    the URL already sets win (an author's explicit utm_content is not overwritten)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not utm:
        return url
    existing = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in existing}
    extra = [(k, v) for k, v in utm.items() if k not in present]
    if not extra:
        return url
    query = f"{parts.query}&{urlencode(extra)}" if parts.query else urlencode(extra)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def tag_links(html: str, utm: Mapping[str, str], *, skip: frozenset[str] = frozenset()) -> str:
    """Add UTM parameters to every tracked link in serialized HTML (href values are entity-
    escaped there, so `&` between parameters is written `&amp;`). `skip` holds hrefs never
    tracked: the unsubscribe link (RFC 8058 one-click URLs must stay exactly as sent)."""
    if not utm:
        return html

    def fix(m: re.Match[str]) -> str:
        raw = m.group(3)
        url = raw.replace("&amp;", "&")
        if url in skip:
            return m.group(0)
        tagged = add_utm(url, utm)
        if tagged == url:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{tagged.replace('&', '&amp;')}{m.group(2)}"

    return _HREF.sub(fix, html)
