"""Size: Gmail clips long messages and drops large <style> blocks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from b2bmail.i18n import _, format_kb
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule

KIB = 1024


def _size_text(doc: Document) -> str:
    how = (
        _("encoded HTML part")
        if doc.is_message and doc.has_headers
        else _("HTML, quoted-printable encoded")
    )
    return f"{format_kb(doc.encoded_html_size)} ({how})"


@rule("B2B001", "html-near-gmail-clip", "warning", {"html-warning-kb": 90, "html-error-kb": 102})
def html_near_clip(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags HTML whose encoded size in the message is close to Gmail's 102 KB clipping point:
        from `html-warning-kb` (90 KB) up to `html-error-kb`.

    Why it matters:
        Gmail hides everything after about 102 KB behind "[Message clipped] View entire
        message" — often the unsubscribe link, the address and the tracking pixel. A template
        that is 90 KB today is clipped after the next content change.

    Example:
        # with thresholds: html-warning-kb=0.05
        <html><body><p>A newsletter long enough to pass the configured warning size.</p></body></html>

    Use instead:
        <html><body><p>Short.</p></body></html>
    """
    if doc.encoded_size_below(t["html-warning-kb"] * KIB):
        return
    size = doc.encoded_html_size
    if t["html-warning-kb"] * KIB <= size <= t["html-error-kb"] * KIB:
        yield doc.hit_document(
            _(
                "the email is {size}; Gmail clips at {limit:g} KB — "
                "remove unused CSS, comments and nested tables"
            ).format(size=_size_text(doc), limit=t["html-error-kb"])
        )


@rule("B2B002", "html-gmail-clipped", "error", {"html-error-kb": 102})
def html_clipped(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags HTML whose encoded size in the message is over `html-error-kb` (102 KB): Gmail
        clips it. For an .eml the HTML part is measured as encoded in the file; for bare HTML
        the quoted-printable encoded size is estimated.

    Why it matters:
        Readers see "[Message clipped]" and the end of the email (unsubscribe link, postal
        address, open-tracking pixel) is not shown.

    Example:
        # with thresholds: html-error-kb=0.05
        <html><body><p>A newsletter long enough to pass the configured clipping size.</p></body></html>

    Use instead:
        <html><body><p>Short.</p></body></html>
    """
    if doc.encoded_size_below(t["html-error-kb"] * KIB):
        return
    size = doc.encoded_html_size
    if size > t["html-error-kb"] * KIB:
        yield doc.hit_document(
            _(
                "the email is {size}, over Gmail's {limit:g} KB clipping point — cut content or CSS"
            ).format(size=_size_text(doc), limit=t["html-error-kb"])
        )


@rule("B2B003", "style-block-too-large", "error", {"style-block-max-kb": 16})
def style_block_too_large(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a `<style>` block larger than `style-block-max-kb` (16 KB).

    Why it matters:
        Gmail drops a `<style>` block over 16 KB entirely, so every class-based rule and media
        query in it is lost.

    Example:
        # with thresholds: style-block-max-kb=0.01
        <html><head><style>.a { color: #333333; } .b { color: #333333; }</style></head><body><p class="a">Hi</p></body></html>

    Use instead:
        <html><head><style>.a { color: #333333; }</style></head><body><p class="a">Hi</p></body></html>
    """
    for el in doc.elements("style"):
        size = len((el.text or "").encode("utf-8"))
        if size > t["style-block-max-kb"] * KIB:
            yield doc.hit(
                el,
                _(
                    "<style> block is {size:.1f} KB; Gmail drops blocks over "
                    "{limit:g} KB — inline the CSS or split the block"
                ).format(size=size / KIB, limit=t["style-block-max-kb"]),
            )


RULES = (html_near_clip, html_clipped, style_block_too_large)
