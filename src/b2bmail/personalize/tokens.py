"""Per-recipient identifiers: the unsubscribe token and the Message-ID, one scheme each.

The sample build (campaign.py) and every recipient's message take their Message-ID from
`message_id` here, so a sample shows what a real message carries. Imports only the standard
library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

SECRET_ENV = "B2BMAIL_UNSUBSCRIBE_SECRET"
_FALLBACK_LABEL = b"b2bmail unsubscribe token, no secret set\x1f"


@dataclass(frozen=True)
class TokenKey:
    """The HMAC key for unsubscribe tokens and where it came from (`secret` or `fallback`)."""

    key: bytes
    source: str


def token_key(list_id: str, environ: Mapping[str, str] | None = None) -> TokenKey:
    """The key from $B2BMAIL_UNSUBSCRIBE_SECRET; without it, a deterministic key derived from
    the campaign's List-Id — stable across builds but guessable, so for tests and previews only."""
    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV, "")
    if secret:
        return TokenKey(secret.encode("utf-8"), "secret")
    return TokenKey(hashlib.sha256(_FALLBACK_LABEL + list_id.encode("utf-8")).digest(), "fallback")


def unsubscribe_token(key: bytes, address_key: str) -> str:
    """HMAC-SHA256 of the lower-cased address, first 16 bytes, URL-safe base64 (22 chars).

    The unsubscribe endpoint recomputes it from the address in the request to check it."""
    # hmac.digest: the one-shot C HMAC, same bytes as hmac.new(...).digest() at a fraction
    # of its cost per recipient.
    digest = hmac.digest(key, address_key.encode("utf-8"), "sha256")[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def message_id(campaign: str, segment_id: str, address_key: str, domain: str, date: str) -> str:
    """Unique per campaign, segment and address (RFC 5322 §3.6.4), on the sender's domain."""
    seed = "\x1f".join((campaign, segment_id, date, address_key)).encode("utf-8")
    return f"<{hashlib.sha256(seed).hexdigest()[:32]}@{domain}>"
