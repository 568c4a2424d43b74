"""CSS inlining with premailer (offline) and UTM parameters on tracked links."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from premailer import Premailer

from b2bmail.errors import TemplateError

# <a> links and the VML button Outlook shows instead of them (<v:roundrect href=...>).
_HREF = re.compile(r'(<(?:a|v:roundrect)\b[^>]*?\shref=)(["\'])(.*?)\2', re.I | re.S)


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
            f"CSS inlining failed: {exc}", hint="check the <mj-style> CSS"
        ) from None
    return str(result)


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
