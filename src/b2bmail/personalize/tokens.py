"""Per-recipient identifiers: the unsubscribe token and the Message-ID, one scheme each.

The sample build (campaign.py) and every recipient's message take their Message-ID from
`message_id` here, so a sample shows what a real message carries. Imports only the standard
library (and b2bmail.errors).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from b2bmail.errors import B2bmailError

SECRET_ENV = "B2BMAIL_UNSUBSCRIBE_SECRET"
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # RFC 4648 §5: base64url


class MissingSecretError(B2bmailError):
    """$B2BMAIL_UNSUBSCRIBE_SECRET is unset or blank: no token can be made or checked."""


@dataclass(frozen=True)
class TokenKey:
    """The HMAC key for unsubscribe tokens and where it came from (always `secret`)."""

    key: bytes
    source: str = "secret"


def token_key(environ: Mapping[str, str] | None = None) -> TokenKey:
    """The key from $B2BMAIL_UNSUBSCRIBE_SECRET; raises MissingSecretError without it.

    There is no fallback: a key anyone can derive (the old one came from the List-Id) lets
    anyone unsubscribe anyone, so builds that make real tokens and the endpoint that checks
    them both stop instead."""
    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV, "")
    if not secret.strip():
        raise MissingSecretError(
            f"${SECRET_ENV} is not set",
            hint=f"set it to a long random secret, e.g. export {SECRET_ENV}=$(openssl rand -hex 32),"
            " the same value your unsubscribe endpoint uses",
        )
    return TokenKey(secret.encode("utf-8"))


def unsubscribe_token(key: bytes, address_key: str) -> str:
    """HMAC-SHA256 of the lower-cased address, first 16 bytes, URL-safe base64 (22 chars).

    The unsubscribe endpoint recomputes it from the address in the request to check it."""
    # hmac.digest: the one-shot C HMAC, same bytes as hmac.new(...).digest() at a fraction
    # of its cost per recipient.
    digest = hmac.digest(key, address_key.encode("utf-8"), "sha256")[:16]
    # base64.urlsafe_b64encode, without its Python wrapper: RFC 4648 §5's alphabet.
    encoded = binascii.b2a_base64(digest, newline=False).translate(_URLSAFE)
    return encoded.rstrip(b"=").decode("ascii")


def token_matches(key: bytes, address_key: str, token: str) -> bool:
    """Whether `token` is this address's unsubscribe token, compared in constant time so the
    time taken does not tell a forger how many leading characters were right."""
    expected = unsubscribe_token(key, address_key).encode("ascii")
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogateescape"))


def message_id(campaign: str, segment_id: str, address_key: str, domain: str, date: str) -> str:
    """Unique per campaign, segment and address (RFC 5322 §3.6.4), on the sender's domain."""
    seed = "\x1f".join((campaign, segment_id, date, address_key)).encode("utf-8")
    return f"<{hashlib.sha256(seed).hexdigest()[:32]}@{domain}>"
