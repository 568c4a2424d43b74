"""Plain text: the text/plain part of a message exists, is complete and carries the links."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from b2bmail.i18n import _
from b2bmail.lint.document import Document, count_words
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import is_template_value, links


@rule("B2B201", "text-part-missing", "warning")
def text_part_missing(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a message (an .eml or a built email) that has HTML but no text/plain part.

    Why it matters:
        Spam filters score HTML-only mail (SpamAssassin's MIME_HTML_ONLY), and some B2B
        gateways and watches show only the text part.

    Example:
        Subject: News
        Content-Type: text/html; charset=utf-8

        <html><body><p>Hello</p></body></html>

    Use instead:
        Subject: News
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-8

        Hello
        --b
        Content-Type: text/html; charset=utf-8

        <html><body><p>Hello</p></body></html>
        --b--
    """
    if doc.is_message and not doc.has_text_part and not doc.is_empty:
        yield doc.hit_document(
            _(
                "the message has no text/plain part — send multipart/alternative with a text version"
            ),
            "headers",
        )


@rule("B2B202", "text-part-too-short", "warning", {"text-min-ratio": 0.5})
def text_part_short(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a text part that is empty or has fewer words than `text-min-ratio` (0.5) times
        the words of the HTML's visible text.

    Why it matters:
        A stub text part ("View this email in a browser") reads as spam to filters and says
        nothing to readers who see the text version.

    Example:
        Subject: News
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-8

        Open in a browser.
        --b
        Content-Type: text/html; charset=utf-8

        <html><body><p>Our spring catalogue has forty machines at new prices, valid until the end of May.</p></body></html>
        --b--

    Use instead:
        Subject: News
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-8

        Our spring catalogue has forty machines at new prices, valid until the end of May.
        --b
        Content-Type: text/html; charset=utf-8

        <html><body><p>Our spring catalogue has forty machines at new prices, valid until the end of May.</p></body></html>
        --b--
    """
    if doc.text is None or doc.is_empty:
        return
    html_words = doc.word_count
    # Each alphanumeric token is a word: when those alone reach the ratio, nothing to report.
    plain_words = sum(map(str.isalnum, doc.text.split()))
    if plain_words and plain_words >= t["text-min-ratio"] * html_words:
        return
    text_words = count_words(doc.text)
    if text_words == 0:
        yield Hit(_("the text part is empty — put the email's text in it"), 1, None, "", "text")
    elif text_words < t["text-min-ratio"] * html_words:
        yield Hit(
            _(
                "the text part has {text_words} words against {html_words} in the HTML — "
                "give it the same content"
            ).format(text_words=text_words, html_words=html_words),
            1,
            None,
            doc.text.strip().splitlines()[0][:100] if doc.text.strip() else "",
            "text",
        )


@rule("B2B203", "text-missing-links", "warning")
def text_missing_links(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags each http(s) link of the HTML that does not appear in the text part.

    Why it matters:
        A reader of the text version cannot click the call to action or unsubscribe.

    Example:
        Subject: News
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-8

        Book a demo on our site.
        --b
        Content-Type: text/html; charset=utf-8

        <html><body><a href="https://example.com/demo">Book a demo</a> on our site.</body></html>
        --b--

    Use instead:
        Subject: News
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain; charset=utf-8

        Book a demo on our site: https://example.com/demo
        --b
        Content-Type: text/html; charset=utf-8

        <html><body><a href="https://example.com/demo">Book a demo</a> on our site.</body></html>
        --b--
    """
    if not doc.text:
        return
    seen: set[str] = set()
    for link in links(doc):
        href = link.href
        if not href.lower().startswith(("http://", "https://")) or is_template_value(href):
            continue
        if href in seen:
            continue
        seen.add(href)
        if href not in doc.text and href.rstrip("/") not in doc.text:
            yield doc.hit(
                link.element,
                _("link {href} is not in the text part — add it there").format(href=href),
            )


RULES = (text_part_missing, text_part_short, text_missing_links)
