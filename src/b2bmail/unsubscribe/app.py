"""The unsubscribe endpoint: a WSGI application, deployable behind any WSGI server.

The URL contract (README, *Deploy the unsubscribe endpoint*): `…/<token>?e=<address>` — the
token is the last path segment, the address the `e` query parameter. The token is an HMAC of
the address (personalize.tokens), so the endpoint recomputes it: a forged or altered link is
refused and nothing is recorded.

  GET   a confirmation page with one button (RFC 8058 §1: mail filters and link scanners
        fetch URLs with GET, so a GET never unsubscribes).
  POST  records the address (RFC 8058 §3.1 one-click: the body is
        `List-Unsubscribe=One-Click`; the button on the page posts the same), answers 200.
        Never a redirect (RFC 8058 §3.2). A replay answers the same and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from b2bmail.errors import ConfigError
from b2bmail.i18n import _
from b2bmail.personalize.tokens import TokenKey, token_key, token_matches
from b2bmail.recipients.addresses import classify_address
from b2bmail.unsubscribe.pages import TEXTS, confirm_page, done_page, invalid_page
from b2bmail.unsubscribe.store import SuppressionStore

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
MAX_BODY = 4096  # the one-click body is 26 bytes; anything much larger is not ours


def _utc_now() -> datetime:
    return datetime.now(UTC)


class UnsubscribeApp:
    """The WSGI callable. Build it with `create_app`."""

    def __init__(
        self,
        store: SuppressionStore,
        key: TokenKey,
        lang: str,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.lang = lang
        self.now = now or _utc_now

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "POST"):
            return _respond(start_response, "405 Method Not Allowed", b"", [("Allow", "GET, POST")])
        if method == "POST":
            _drain(environ)
        address_key, email = self.verify(environ)
        if address_key is None:
            return _respond(start_response, "403 Forbidden", invalid_page(self.lang))
        if method == "GET":
            return _respond(start_response, "200 OK", confirm_page(self.lang, email))
        when = self.now().astimezone(UTC).isoformat(timespec="seconds")
        self.store.record(address_key, email, when)
        return _respond(start_response, "200 OK", done_page(self.lang, email))

    def verify(self, environ: Mapping[str, Any]) -> tuple[str | None, str]:
        """(the address key, the address) when the link's token is the address's; else None."""
        token = str(environ.get("PATH_INFO", "")).rstrip("/").rpartition("/")[2]
        values = parse_qs(str(environ.get("QUERY_STRING", ""))).get("e", [])
        if len(values) != 1 or not token:
            return None, ""
        check = classify_address(values[0])
        if not check.valid or not token_matches(self.key.key, check.key, token):
            return None, ""
        # The normalised form (spreadsheet spaces and invisible characters removed) is what
        # the page shows and the store keeps.
        return check.key, check.normalized


def _drain(environ: Mapping[str, Any]) -> None:
    """Read the request body (at most MAX_BODY bytes): its content does not change the answer,
    the token in the URL is the authority (RFC 8058 §3.1 puts everything in the URI)."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    if length > 0:
        environ["wsgi.input"].read(length)


def _respond(
    start_response: StartResponse,
    status: str,
    body: bytes,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        # The URL holds the address: no caching, and no Referer to other sites.
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        *(extra or []),
    ]
    start_response(status, headers)
    return [body]


def create_app(
    store: str | Path,
    *,
    lang: str = "en",
    environ: Mapping[str, str] | None = None,
    now: Callable[[], datetime] | None = None,
) -> UnsubscribeApp:
    """The endpoint for a suppression store (an SQLite file, created if missing), checking
    tokens with $B2BMAIL_UNSUBSCRIBE_SECRET (MissingSecretError without it), its pages in
    `lang` (en, fr, de, nl)."""
    if lang not in TEXTS:
        raise ConfigError(
            _("no unsubscribe pages in {language!r}").format(language=lang),
            hint=_("use one of {languages}").format(languages=", ".join(sorted(TEXTS))),
        )
    key = token_key(environ)
    return UnsubscribeApp(SuppressionStore(store), key, lang, now or _utc_now)


def campaign_language(campaign: str | Path) -> str:
    """The language of a campaign's pages: its `locale` (`fr_FR` -> `fr`)."""
    from b2bmail.config import load_campaign_config

    locale = load_campaign_config(campaign).locale
    return locale.replace("-", "_").split("_", 1)[0].lower()
