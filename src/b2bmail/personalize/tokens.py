"""Per-recipient identifiers: the unsubscribe token and the Message-ID, one scheme each.

The sample build (campaign.py) and every recipient's message take their Message-ID from
`message_id` here, so a sample shows what a real message carries. Imports only the standard
library (and b2bmail.errors).
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from b2bmail.errors import B2bmailError
from b2bmail.i18n import _

SECRET_ENV = "B2BMAIL_UNSUBSCRIBE_SECRET"
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # RFC 4648 §5: base64url
_IPAD = bytes(x ^ 0x36 for x in range(256))  # RFC 2104 §2: each key byte XOR ipad, opad
_OPAD = bytes(x ^ 0x5C for x in range(256))
_SHA256 = hashlib.sha256()  # never updated: copied


class MissingSecretError(B2bmailError):
    """$B2BMAIL_UNSUBSCRIBE_SECRET is unset or blank: no token can be made or checked."""


@dataclass(frozen=True)
class TokenKey:
    """The HMAC key for unsubscribe tokens and where it came from (always `secret`)."""

    key: bytes
    source: str = "secret"

    @functools.cached_property
    def _pads(self) -> tuple[Any, Any]:
        # RFC 2104 §2: HMAC(K, m) = H(K ^ opad, H(K ^ ipad, m)), K hashed first when longer
        # than the block (64 bytes for SHA-256) and padded with zeros. The two keyed states
        # are made once; each token copies them (hmac.digest would set up the key, and look
        # up the digest in OpenSSL, for every recipient).
        key = self.key if len(self.key) <= 64 else hashlib.sha256(self.key).digest()
        key = key.ljust(64, b"\0")
        inner = hashlib.sha256(key.translate(_IPAD))
        return inner, hashlib.sha256(key.translate(_OPAD))

    def token(self, address_key: str) -> str:
        """unsubscribe_token(self.key, address_key)."""
        inner, outer = self._pads
        mac = inner.copy()
        mac.update(address_key.encode("utf-8"))
        out = outer.copy()
        out.update(mac.digest())
        return _token_text(out.digest())


def token_key(environ: Mapping[str, str] | None = None) -> TokenKey:
    """The key from $B2BMAIL_UNSUBSCRIBE_SECRET; raises MissingSecretError without it.

    There is no fallback: a key anyone can derive (the old one came from the List-Id) lets
    anyone unsubscribe anyone, so builds that make real tokens and the endpoint that checks
    them both stop instead."""
    env = os.environ if environ is None else environ
    secret = env.get(SECRET_ENV, "")
    if not secret.strip():
        raise MissingSecretError(
            _("${name} is not set").format(name=SECRET_ENV),
            hint=_(
                "set it to a long random secret, e.g. export {name}=$(openssl rand -hex 32),"
                " the same value your unsubscribe endpoint uses"
            ).format(name=SECRET_ENV),
        )
    return TokenKey(secret.encode("utf-8"))


def unsubscribe_token(key: bytes, address_key: str) -> str:
    """HMAC-SHA256 of the lower-cased address, first 16 bytes, URL-safe base64 (22 chars).

    The unsubscribe endpoint recomputes it from the address in the request to check it."""
    return TokenKey(key).token(address_key)


def _token_text(mac: bytes) -> str:
    # The first 16 bytes in base64url (RFC 4648 §5), without the Python wrapper of
    # base64.urlsafe_b64encode.
    encoded = binascii.b2a_base64(mac[:16], newline=False).translate(_URLSAFE)
    return encoded.rstrip(b"=").decode("ascii")


def token_matches(key: bytes, address_key: str, token: str) -> bool:
    """Whether `token` is this address's unsubscribe token, compared in constant time so the
    time taken does not tell a forger how many leading characters were right."""
    expected = unsubscribe_token(key, address_key).encode("ascii")
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogateescape"))


def message_id(campaign: str, segment_id: str, address_key: str, domain: str, date: str) -> str:
    """Unique per campaign, segment and address (RFC 5322 §3.6.4), on the sender's domain:
    the first 32 hex digits of SHA-256 over campaign, segment, date and address joined by
    U+001F."""
    return seeded_message_id(message_id_seed(campaign, segment_id, date), address_key, domain)


def message_id_seed(campaign: str, segment_id: str, date: str) -> Any:
    """message_id's hash state before the address: the same for every recipient of a
    segment, so a build makes it once per segment (seeded_message_id copies it). The
    campaign's name, segment and date usually fill SHA-256's first 64-byte block, which is
    then hashed once, not once per message."""
    seed = _SHA256.copy()  # a copy of an empty state: no digest look-up
    seed.update(("\x1f".join((campaign, segment_id, date)) + "\x1f").encode("utf-8"))
    return seed


def seeded_message_id(seed: Any, address_key: str, domain: str) -> str:
    """message_id from its segment's `seed` (message_id_seed): hashing the address after
    the seed hashes the joined text, as UTF-8 encodes a concatenation piece by piece."""
    state = seed.copy()
    state.update(address_key.encode("utf-8"))
    return f"<{state.hexdigest()[:32]}@{domain}>"
