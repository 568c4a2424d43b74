"""DKIM signing with dkimpy, just before each SMTP transaction (RFC 6376).

The key is read once from a file: an RSA key in PEM (PKCS#1 or PKCS#8; RFC 8301 asks for at
least 1024 bits, we require 2048) or an Ed25519 key (RFC 8463) in PEM or as the raw 32-byte
seed in base64 (dkimpy's form).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

from b2bmail.errors import ConfigError, os_reason
from b2bmail.i18n import _

# RFC 6376 §5.4 and §5.4.1: sign the fields that carry the message's meaning to the reader
# (From is required), the list fields a receiver acts on (RFC 8058 §4: List-Unsubscribe and
# List-Unsubscribe-Post MUST be covered for one-click), and the MIME fields that decide how
# the body is read. A field named here but absent is still signed as absent (RFC 6376
# §5.4.2), so a Cc or Reply-To added in transit breaks the signature.
SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Cc",
    b"Reply-To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
    b"Content-Transfer-Encoding",
)
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    algorithm: bytes  # b"rsa-sha256" or b"ed25519-sha256"
    private: bytes  # what dkimpy takes: PEM for RSA, base64 seed for Ed25519

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature field first."""
        import dkim  # dkimpy: loaded only when a message is signed

        header = dkim.sign(
            message,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self.private,
            # relaxed headers (RFC 6376 §3.4.2: gateways refold and re-case them); simple body
            # (§3.4.3): our parts are quoted-printable, which has no trailing white space
            # (RFC 2045 §6.7) for relaxed to forgive, and it costs half as much to compute.
            canonicalize=(b"relaxed", b"simple"),
            signature_algorithm=self.algorithm,
            include_headers=list(SIGNED_HEADERS),
        )
        return bytes(header) + message


def load_dkim_key(path: str | Path, selector: str, domain: str) -> DkimKey:
    """Read a private key file (RSA-2048+ PEM, or Ed25519 PEM / base64 seed)."""
    key = _read_key(path, selector, domain)
    import importlib.util

    # Before the first message, not at it: dkimpy (and PyNaCl for Ed25519) are the `send` extra.
    needed = ["dkim", *(["nacl"] if key.algorithm == b"ed25519-sha256" else [])]
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            _("DKIM signing needs {modules}, which is not installed").format(
                modules=", ".join(missing)
            ),
            path=path,
            hint=_("pip install 'b2bmail[send]'"),
        )
    return key


def _read_key(path: str | Path, selector: str, domain: str) -> DkimKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(
            _("cannot read the DKIM key: {error}").format(error=os_reason(exc)), path=path
        ) from None
    hint = _("give an RSA-2048 or Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)")
    if b"-----BEGIN" in raw:
        try:
            key = serialization.load_pem_private_key(raw, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                _("the DKIM key cannot be read: {error}").format(error=exc), path=path, hint=hint
            ) from None
        if isinstance(key, rsa.RSAPrivateKey):
            if key.key_size < MIN_RSA_BITS:
                raise ConfigError(
                    _(
                        "the DKIM key is RSA-{bits}; receivers distrust keys under "
                        "{minimum} bits (RFC 8301 §3.2)"
                    ).format(bits=key.key_size, minimum=MIN_RSA_BITS),
                    path=path,
                    hint=_("make a new key: openssl genrsa 2048"),
                )
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            return DkimKey(selector, domain, b"rsa-sha256", pem)
        if isinstance(key, ed25519.Ed25519PrivateKey):
            seed = key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            return DkimKey(selector, domain, b"ed25519-sha256", base64.b64encode(seed))
        raise ConfigError(_("the DKIM key is neither RSA nor Ed25519"), path=path, hint=hint)
    try:
        seed = base64.b64decode(raw.strip(), validate=True)
    except binascii.Error:
        seed = b""
    if len(seed) != 32:
        raise ConfigError(
            _("the DKIM key is not a PEM key nor a base64 Ed25519 seed"), path=path, hint=hint
        )
    return DkimKey(selector, domain, b"ed25519-sha256", base64.b64encode(seed))


def public_record(key: DkimKey) -> str:
    """The TXT record to publish at SELECTOR._domainkey.DOMAIN (RFC 6376 §3.6.1)."""
    from cryptography.hazmat.primitives import serialization

    if key.algorithm == b"ed25519-sha256":
        from cryptography.hazmat.primitives.asymmetric import ed25519

        priv = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private))
        pub = priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return "v=DKIM1; k=ed25519; p=" + base64.b64encode(pub).decode()
    rsa_key = serialization.load_pem_private_key(key.private, password=None)
    der = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
