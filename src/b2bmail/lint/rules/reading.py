"""Reading: subject, preheader, length and the first screen, for a reader who gives ~10 seconds."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from lxml import etree

from b2bmail.i18n import _
from b2bmail.lint.css import parse_px
from b2bmail.lint.document import Document, count_words, text_content
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import is_template_value

_LETTER = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"[^\W_](?:[\w'’-]*\w)?")
_NOT_CTA = re.compile(
    r"view (it )?(in|online|this)|web ?version|browser|unsubscribe|preferences|"
    r"version en ligne|navigateur|désinscri|desinscri|im browser|abmelden|webversie|afmelden",
    re.I,
)


@rule("B2B101", "subject-missing", "error")
def subject_missing(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a message (an .eml, or an email handed over by the build) without a subject.
        Bare HTML files have no subject and are not checked.

    Why it matters:
        The subject is what decides whether a busy buyer opens the email at all; many
        filters score an empty subject as spam.

    Example:
        From: News <news@example.com>

        Hello

    Use instead:
        From: News <news@example.com>
        Subject: Your March maintenance schedule

        Hello
    """
    if doc.subject is not None and not doc.subject.strip():
        yield doc.hit_document(
            _("the email has no subject — write one that says what is inside"), "subject"
        )


@rule("B2B102", "subject-too-long", "warning", {"subject-max-chars": 60})
def subject_too_long(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a subject longer than `subject-max-chars` (60) characters.

    Why it matters:
        Mobile inboxes show about 30 to 40 characters and desktop clients about 60; the end of
        a longer subject, often the point, is cut off.

    Example:
        Subject: Everything you need to know about our new range of hydraulic excavators this spring

        Hello

    Use instead:
        Subject: New hydraulic excavators: spring prices inside

        Hello
    """
    subject = (doc.subject or "").strip()
    if len(subject) > t["subject-max-chars"]:
        yield doc.hit_document(
            _(
                "subject is {length} characters; keep it under {limit:g} so inboxes show all of it"
            ).format(length=len(subject), limit=t["subject-max-chars"]),
            "subject",
        )


@rule("B2B103", "subject-shouting", "warning")
def subject_shouting(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a subject written mostly in capitals, or with repeated `!`/`?` or `$$`.
        Short acronyms (ROI, B2B) are fine.

    Why it matters:
        Spam filters score capitals and punctuation runs, and B2B readers read them as hype.

    Example:
        Subject: FREE DEMO FOR YOUR TEAM!!!

        Hello

    Use instead:
        Subject: A free demo for your team

        Hello
    """
    subject = (doc.subject or "").strip()
    if not subject:
        return
    letters = _LETTER.findall(subject)
    upper = sum(1 for c in letters if c.isupper())
    if len(letters) >= 8 and upper / len(letters) >= 0.7:
        yield doc.hit_document(_("subject is in capitals — write it in sentence case"), "subject")
    elif re.search(r"[!?]{2,}|!.*!|\$\$", subject):
        yield doc.hit_document(
            _("subject repeats `!`, `?` or `$` — spam filters score that"), "subject"
        )


@rule("B2B104", "preheader-missing", "warning")
def preheader_missing(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email without a preheader: no preheader given by the build and no hidden
        preview-text element (display:none, or max-height:0 with overflow:hidden, or a
        `preheader`/`preview` class) among the first elements of the body.

    Why it matters:
        Without one, inboxes show the first text of the body — often "View in browser" or
        the alt text of the logo — next to the subject.

    Example:
        <html><body><p>View in browser</p><p>Our spring catalogue is out.</p></body></html>

    Use instead:
        <html><body><div style="display:none;max-height:0;overflow:hidden">Spring prices on 40 machines, valid until May.</div><p>Our spring catalogue is out.</p></body></html>
    """
    if doc.preheader is None and doc.word_count:
        yield doc.hit_document(_("no preheader — add hidden preview text at the top of the body"))


@rule(
    "B2B105", "preheader-length", "warning", {"preheader-min-chars": 40, "preheader-max-chars": 150}
)
def preheader_length(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a preheader shorter than `preheader-min-chars` (40) or longer than
        `preheader-max-chars` (150) characters.

    Why it matters:
        A short preheader lets the inbox fill the preview with body text; a long one is cut
        off and wastes the reader's few seconds.

    Example:
        <html><body><div style="display:none">Hello</div><p>Our spring catalogue is out.</p></body></html>

    Use instead:
        <html><body><div style="display:none">Spring prices on 40 machines, valid until the end of May.</div><p>Our spring catalogue is out.</p></body></html>
    """
    text = doc.preheader
    if text is None:
        return
    el = doc.preheader_element
    length = len(text)
    message = None
    if length < t["preheader-min-chars"]:
        message = _("preheader is {length} characters; write at least {limit:g}").format(
            length=length, limit=t["preheader-min-chars"]
        )
    elif length > t["preheader-max-chars"]:
        message = _("preheader is {length} characters; inboxes show about {limit:g}").format(
            length=length, limit=t["preheader-max-chars"]
        )
    if message:
        if el is None or doc.given_preheader is not None:
            yield doc.hit_document(message, "preheader")
        else:
            yield doc.hit(el, message)


@rule("B2B106", "too-long-to-read", "warning", {"max-words": 300, "words-per-minute": 238})
def too_long(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email whose visible text has more than `max-words` (300) words, and gives its
        reading time at `words-per-minute` (238, the average silent reading speed).

    Why it matters:
        A B2B reader gives an email about ten seconds to find its point. Past a few hundred
        words the point is lost; link to the details instead.

    Example:
        # with thresholds: max-words=5
        <html><body><p>This paragraph has clearly more than five words in it.</p></body></html>

    Use instead:
        <html><body><p>Short and clear.</p></body></html>
    """
    count = doc.word_count
    if count > t["max-words"]:
        seconds = count / t["words-per-minute"] * 60
        yield doc.hit_document(
            _(
                "{count} words, about {seconds:.0f} s to read; readers give an email about 10 s — "
                "keep it under {limit:g} words and link to the rest"
            ).format(count=count, seconds=seconds, limit=t["max-words"])
        )


def is_cta(link: etree._Element) -> bool:
    """True when the <a> `link` is a call to action: it has words (its text or its image's
    alt), is not "view in browser" / "unsubscribe", and is not an anchor or a template."""
    href = (link.get("href") or "").strip()
    label = text_content(link).strip() or " ".join(
        (img.get("alt") or "") for img in link.iter("img")
    )
    return bool(
        href
        and not href.startswith(("#", "mailto:", "javascript:"))
        and not is_template_value(href)
        and _WORDS.search(label)
        and not _NOT_CTA.search(label)
    )


def _first_cta(doc: Document, max_words: float, max_px: float) -> tuple[bool, int]:
    """Walk the body in reading order until a call to action or the end of the first screen.

    The first screen ends after `max_words` words of visible text or `max_px` pixels of image
    height, whichever comes first. A call to action is a link with words (its text or its
    image's alt), that is not "view in browser" / "unsubscribe" and not an anchor or template.
    """
    words = 0
    pixels = 0.0
    body = doc.body
    # What the walk needs of an element, from the walk's lists: set tests, not a tag read
    # per element (lxml builds a new string per read). Hidden elements, <style> and <script>
    # are skipped with their subtree (skip_subtree): a skipped element's end still comes, so
    # its tail is read.
    skipped = {*doc.hidden_elements, *doc.elements("style"), *doc.elements("script")}
    links = set(doc.elements("a"))
    images = set(doc.elements("img"))
    # Comments and processing instructions are walked too: their own text is never shown,
    # but the text after them (their tail) is visible text, as in `Document.visible_text`.
    walk = etree.iterwalk(body, events=("start", "end", "comment", "pi"))
    for event, el in walk:
        if event == "start":
            if el in skipped:
                walk.skip_subtree()
                continue
            if el in links and is_cta(el):
                return True, words
            if el in images:
                pixels += parse_px(el.get("height") or "") or 0
            text = el.text
        elif el is not body:
            text = el.tail
        else:
            text = None
        # Most text and tails of a template are indentation: no call to count nothing.
        if text and not text.isspace():
            words += count_words(text)
        if words > max_words or pixels > max_px:
            return False, words
    return False, words


@rule(
    "B2B107", "no-cta-first-screen", "warning", {"first-screen-words": 80, "first-screen-px": 600}
)
def no_cta_first_screen(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email with no call to action in its first screen: no link with words before
        `first-screen-words` (80) words of visible text or `first-screen-px` (600) pixels of
        image height (from `height` attributes), whichever comes first. "View in browser",
        "unsubscribe", anchors and mailto links do not count.

    Why it matters:
        Most readers never scroll: what they should do must be visible in the first screen.

    Example:
        # with thresholds: first-screen-words=5
        <html><body><p>We have news about our products for you this spring.</p><a href="https://example.com/demo">Book a demo</a></body></html>

    Use instead:
        <html><body><p>Spring news.</p><a href="https://example.com/demo">Book a demo</a></body></html>
    """
    if not doc.word_count:
        return
    found, _words = _first_cta(doc, t["first-screen-words"], t["first-screen-px"])
    if not found:
        yield doc.hit_document(
            _(
                "no call to action in the first {limit:g} words — put the main "
                "link or button near the top"
            ).format(limit=t["first-screen-words"])
        )


RULES = (
    subject_missing,
    subject_too_long,
    subject_shouting,
    preheader_missing,
    preheader_length,
    too_long,
    no_cta_first_screen,
)
