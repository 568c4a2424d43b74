"""Compliance: unsubscribe (CAN-SPAM, GDPR/ePrivacy, RFC 8058), postal address, sender headers."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from email.utils import getaddresses

from b2bmail.i18n import _
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Hit, Severity
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import links

# Lower-case words that mark an opt-out, in the languages of our users; merge tags count.
UNSUBSCRIBE_WORDS = (
    "unsubscri", "opt-out", "opt out", "optout", "désinscri", "desinscri", "désabonn",
    "desabonn", "abmelden", "abbestellen", "austragen", "uitschrijven", "afmelden",
    "darse de baja", "cancelar suscripci", "cancelar la suscripci", "disiscri",
    "cancella iscrizione", "cancellare l'iscrizione", "*|unsub|*", "{{unsubscribe",
    "{{ unsubscribe", "%%unsubscribe",
)  # fmt: skip


# One search for all the words (`any(word in lower …)` costs a Python step per word).
_UNSUBSCRIBE = re.compile("|".join(map(re.escape, UNSUBSCRIBE_WORDS)))


def mentions_unsubscribe(text: str) -> bool:
    lower = text.lower()
    # The English word first: a substring search is far cheaper than the alternation.
    return "unsubscri" in lower or _UNSUBSCRIBE.search(lower) is not None


# Postcodes of the countries B2B mail most often comes from: US ZIP, UK, Canada, the
# Netherlands (1234 AB), and 4-5 digit codes (FR, DE, ES, IT, BE, CH, AT…) next to a town.
POSTCODE = re.compile(
    r"\b\d{5}(?:-\d{4})?\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b|"
    r"\b\d{4} ?[A-Z]{2}\b|\b(?:[A-Z]{1,2}-)?\d{4,5}\s+[A-ZÀ-Ý][\w'’ -]+"
)
# The street words, grouped by their first letter, behind a look-ahead at the first letters
# they can start with: the regex engine tries each alternative in turn at each place of the
# text, and most places are now turned down by one class test instead of fifty words (4x
# faster). The look-ahead and the words match letters under the same re.I folding, so it
# turns down no place a word could match at: the same words as the list one by one (pinned
# by test_street_words_grouped_by_first_letter_match_as_listed).
STREET = re.compile(
    r"\b(?=[abcdfgiklpqrsvw])"
    r"(?:a(?:venue|ve\.?|v\.|llée|llee|venida)|b(?:oulevard|lvd\.?|d|p)|c(?:hemin|edex|alle)|"
    r"d(?:rive|r\.)|floor|g(?:asse|racht)|impasse|kade|l(?:ane|aan)|"
    r"p(?:\.?\s?o\.? box|lace|latz|ostfach|lein|iazza|laza|aseo)|quai|r(?:oad|d\.?|ue|oute)|"
    r"s(?:treet|t\.|uite|traße|trasse|tr\.|traat)|v(?:ia|iale)|w(?:ay|eg))"
    # (?!\w), not \b: after an abbreviation's dot ("St. Springfield") \b would need a word
    # character next, so "Main St." never matched.
    r"(?!\w)|"
    # "Hauptstraße", "Keizersgracht": one word character before the suffix finds the same
    # words as `\w+` (only `search` is used) without retrying every start inside each word.
    r"\w(?=[swlpgkd])(?:s(?:traße|trasse|traat|ingel)|weg|laan|plein|gracht|kade|dijk)\b",
    re.I,
)
_DIGITS = re.compile(r"\d+")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@rule("B2B701", "unsubscribe-missing", "error")
def unsubscribe_missing(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email with no unsubscribe link or text (in English, French, German, Dutch,
        Spanish, Italian; merge tags such as `*|UNSUB|*` count) in the HTML or the text part.
        In a bare HTML file, which may be transactional, it is a warning.

    Why it matters:
        CAN-SPAM, the EU ePrivacy rules and Gmail's and Yahoo's 2024 sender rules require an
        easy opt-out in every marketing email; without one readers press "spam".

    Example:
        <html><body><p>Our spring catalogue is out.</p></body></html>

    Use instead:
        <html><body><p>Our spring catalogue is out.</p><p><a href="https://example.com/unsubscribe?u=1">Unsubscribe</a></p></body></html>
    """
    if doc.is_empty and not doc.text:
        return
    for link in links(doc):
        if mentions_unsubscribe(link.text) or mentions_unsubscribe(link.href):
            return
    if mentions_unsubscribe(doc.visible_text) or (doc.text and mentions_unsubscribe(doc.text)):
        return
    severity: Severity | None = None if doc.is_message else "warning"
    hit = doc.hit_document(
        _("no unsubscribe link — add one to every marketing email"),
        "text" if doc.is_empty else "html",
    )
    yield Hit(hit.message, hit.line, hit.column, hit.snippet, hit.part, severity)


@rule("B2B702", "list-unsubscribe-header", "error")
def list_unsubscribe(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a message whose headers lack `List-Unsubscribe` with an https URL, or lack
        `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058 §3.1), or whose
        `List-Unsubscribe` is written as RFC 2047 encoded-words (`=?utf-8?q?=3Chttps…?=`, what
        Python's email writes for a URL longer than a line). Bare HTML is not checked.

    Why it matters:
        Gmail and Yahoo require one-click unsubscribe for bulk senders since February 2024;
        it also puts the "Unsubscribe" button next to the sender, instead of "Report spam".

    Example:
        From: News <news@example.com>
        Subject: Spring catalogue

        Hello

    Use instead:
        From: News <news@example.com>
        Subject: Spring catalogue
        List-Unsubscribe: <https://example.com/u/1>, <mailto:unsubscribe@example.com>
        List-Unsubscribe-Post: List-Unsubscribe=One-Click

        Hello
    """
    if not (doc.is_message and doc.has_headers):
        return
    field = doc.headers.get("list-unsubscribe")
    if field is None:
        yield doc.hit_document(
            _("no List-Unsubscribe header — add <https://…> (RFC 8058 one-click)"), "headers"
        )
        return
    if "=?" in field.raw and re.search(r"=\?[^?\s]+\?[bq]\?", field.raw, re.I):
        yield doc.hit_header(
            field.name,
            _(
                "List-Unsubscribe is written as RFC 2047 encoded-words, which RFC 2047 §5 does not "
                "allow there: clients find no URL — write the URLs as they are, in angle brackets"
            ),
        )
    elif not re.search(r"<https://[^>]+>", field.value, re.I):
        yield doc.hit_header(
            field.name,
            _("List-Unsubscribe has no <https://…> URL — one-click needs one (RFC 8058 §3.1)"),
        )
    post = doc.headers.get("list-unsubscribe-post")
    if post is None or post.value.strip().lower() != "list-unsubscribe=one-click":
        yield doc.hit_header(
            post.name if post else field.name,
            _("add List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058 §3.1)"),
        )


def _postcode_candidates(text: str, runs: list[tuple[int, int]]) -> list[int]:
    r"""Indexes of the digit runs whose ±12-character window may match POSTCODE, last first.

    Every POSTCODE alternative holds four digits in a row or a capital next to a digit
    ([A-Z]\d or \d[A-Z]): a window without one cannot match. Those spots lie at the digit
    runs (a run's length, the characters just around it), so finding the runs near one is
    exact and spares a regex search per number (prices, dates, phone numbers). Last first:
    the address usually sits in the footer.
    """
    starts = [start for start, _end in runs]
    found: set[int] = set()
    pairs = []  # offset of the first character of each capital-digit or digit-capital pair
    for start, end in runs:
        if start and "A" <= text[start - 1] <= "Z":
            pairs.append(start - 1)
        if end < len(text) and "A" <= text[end] <= "Z":
            pairs.append(end - 1)
    for first in pairs:
        # The window [start - 12, end + 12) must hold both characters of the pair.
        index = bisect_right(starts, first + 12) - 1
        while index >= 0 and runs[index][1] + 12 > first + 1:
            found.add(index)
            index -= 1
    for run_start, run_end in [run for run in runs if run[1] - run[0] >= 4]:
        # Four digits of the long run inside the window: min(high, end) - max(low, start) >= 4.
        index = bisect_right(starts, run_end - 4 + 12) - 1
        while index >= 0 and runs[index][1] + 12 >= run_start + 4:
            low, high = max(0, runs[index][0] - 12), runs[index][1] + 12
            if min(high, run_end) - max(low, run_start) >= 4:
                found.add(index)
            index -= 1
    return sorted(found, reverse=True)


def _address_in(text: str, window: int) -> bool:
    """A postcode (POSTCODE within 12 characters of a digit run) with a STREET word within
    `window` characters of it."""
    # Every postcode holds digits: look only around digit runs (fast on long text).
    runs = [m.span() for m in _DIGITS.finditer(text)]
    for index in _postcode_candidates(text, runs):
        start, end = runs[index]
        near = text[max(0, start - 12) : end + 12]
        if not POSTCODE.search(near):
            continue
        around = text[max(0, start - window) : end + window]
        if STREET.search(around):
            return True
    return False


_FOOTER_CHARS = 500
_SPACE_CHAR = re.compile(r"\s")


def _has_address(text: str, window: int) -> bool:
    """`_address_in(text)`, trying the end of the text (the footer, where the address usually
    is) first. The tail starts just after a white-space character, so no digit run or word is
    cut and every `\b` in it is one in the whole text: what is found in the tail is found in
    the whole, and only when the tail holds none is the whole text searched."""
    if len(text) > 2 * _FOOTER_CHARS:
        space = _SPACE_CHAR.search(text, len(text) - _FOOTER_CHARS)
        if space is not None and _address_in(text[space.end() :], window):
            return True
    return _address_in(text, window)


@rule("B2B703", "postal-address-missing", "warning", {"address-window-chars": 120})
def postal_address(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email whose visible text (and text part) has no postal address. Heuristic: a
        postcode (US ZIP, UK, Canadian, Dutch, or 4-5 digits before a town name) within
        `address-window-chars` (120) characters of a street word (street, road, suite, rue,
        avenue, chemin, Straße, -straat, weg, via, calle, PO Box, BP…).

    Why it matters:
        CAN-SPAM requires the sender's valid physical postal address in every commercial
        email, and B2B readers trust mail that says who and where the sender is.

    Example:
        <html><body><p>Our spring catalogue is out.</p></body></html>

    Use instead:
        <html><body><p>Our spring catalogue is out.</p><p>Acme Machines, 12 rue de la Gare, 69002 Lyon, France</p></body></html>
    """
    if doc.is_empty and not doc.text:
        return
    window = int(t["address-window-chars"])
    for text in (doc.visible_text, doc.text or ""):
        if _has_address(text, window):
            return
    yield doc.hit_document(
        _("no postal address found — add the sender's address to the footer"),
        "text" if doc.is_empty else "html",
    )


# One mailbox written with plain characters only: `Display Name <local@domain>` or
# `local@domain`. For these, the address `getaddresses` finds is the one between the angle
# brackets (or the whole value); its parser, a Python state machine, is not needed.
_PLAIN_ADDR = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_PLAIN_MAILBOX = re.compile(
    rf"[ \t]*(?:(?:[A-Za-z0-9][A-Za-z0-9 '-]*)?<({_PLAIN_ADDR})>|({_PLAIN_ADDR}))[ \t]*"
)


def header_addresses(value: str) -> list[str]:
    """The addresses of an address header's value, as `email.utils.getaddresses` finds them."""
    plain = _PLAIN_MAILBOX.fullmatch(value)
    if plain:
        return [plain.group(1) or plain.group(2)]
    return [addr for _name, addr in getaddresses([value]) if addr]


def _check_address(header: str, value: str, *, many: bool) -> str | None:
    """Why the address header `header` (From, Reply-To) is malformed (RFC 5322 §3.4), as a
    message, or None when it is fine."""
    if not value.strip():
        return _("{header} is empty").format(header=header)
    addresses = header_addresses(value)
    if not addresses:
        return _("{header} has no address: {value!r}").format(header=header, value=value)
    if not many and len(addresses) > 1:
        return _("{header} must hold one address").format(header=header)
    for addr in addresses:
        if not _ADDRESS.match(addr):
            return _("{header} has a malformed address: {address!r}").format(
                header=header, address=addr
            )
    return None


@rule("B2B704", "from-invalid", "error")
def from_invalid(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a message whose `From` header is missing or is not one valid address
        (RFC 5322 §3.6.2). Bare HTML is not checked.

    Why it matters:
        DMARC aligns on the From domain; a missing or broken From is rejected or sent to spam.

    Example:
        Subject: Spring catalogue
        From: Acme Machines

        Hello

    Use instead:
        Subject: Spring catalogue
        From: Acme Machines <news@acme-machines.com>

        Hello
    """
    if not (doc.is_message and doc.has_headers):
        return
    field = doc.headers.get("from")
    if field is None:
        yield doc.hit_document(_("no From header — add one with a real address"), "headers")
        return
    why = _check_address("From", field.value, many=False)
    if why:
        yield doc.hit_header("from", why)


@rule("B2B705", "reply-to-invalid", "error")
def reply_to_invalid(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags a malformed `Reply-To` header (RFC 5322 §3.6.2).

    Why it matters:
        A buyer's reply is the best signal a B2B email gets; a broken Reply-To loses it.

    Example:
        From: news@acme-machines.com
        Reply-To: sales at acme

        Hello

    Use instead:
        From: news@acme-machines.com
        Reply-To: Sales <sales@acme-machines.com>

        Hello
    """
    field = doc.headers.get("reply-to")
    if field is not None and doc.is_message:
        why = _check_address("Reply-To", field.value, many=True)
        if why:
            yield doc.hit_header("reply-to", why)


@rule("B2B706", "reply-to-missing", "info")
def reply_to_missing(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Notes a message without a `Reply-To` header whose From looks like a no-reply address.

    Why it matters:
        Replies from buyers then bounce or vanish; give them a monitored address.

    Example:
        From: Acme <noreply@acme-machines.com>

        Hello

    Use instead:
        From: Acme <noreply@acme-machines.com>
        Reply-To: Sales <sales@acme-machines.com>

        Hello
    """
    if not (doc.is_message and doc.has_headers) or "reply-to" in doc.headers:
        return
    sender = doc.headers.get("from")
    if sender and re.search(r"no-?reply|do-?not-?reply|ne-pas-repondre", sender.value, re.I):
        yield doc.hit_header(
            "from", _("From is a no-reply address and there is no Reply-To — add one")
        )


RULES = (
    unsubscribe_missing,
    list_unsubscribe,
    postal_address,
    from_invalid,
    reply_to_invalid,
    reply_to_missing,
)
