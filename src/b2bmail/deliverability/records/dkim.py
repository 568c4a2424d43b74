"""DKIM public key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463): parse, size, discover."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b2bmail.deliverability.dns.answers import Lookup, normalize_name
from b2bmail.deliverability.records.finding import ERROR, INFO, WARNING, Finding, HasFindings
from b2bmail.errors import InputError, os_reason
from b2bmail.i18n import _

MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers MUST NOT accept smaller RSA keys
ADVISED_RSA_BITS = 2048  # RFC 8301 §3.2: signers SHOULD use at least 2048 bits
# RFC 6376 §3.1: selector = sub-domain *( "." sub-domain ); names of labels as in RFC 5321
SELECTOR = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9\-_]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-_]*[A-Za-z0-9])?)*"
)
_FWS = re.compile(r"[ \t\r\n]+")


@dataclass(frozen=True)
class DkimKeyRecord(HasFindings):
    """One parsed key record."""

    text: str
    tags: tuple[tuple[str, str], ...] = ()
    key_type: str | None = None  # "rsa" | "ed25519" when the key loaded
    key_bits: int | None = None
    findings: tuple[Finding, ...] = ()

    def tag(self, name: str) -> str | None:
        return next((v for k, v in self.tags if k == name), None)

    @property
    def revoked(self) -> bool:
        return self.tag("p") == ""

    @property
    def testing(self) -> bool:
        return "y" in [f.strip() for f in (self.tag("t") or "").split(":")]


def parse_tag_list(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """RFC 6376 §3.2 tag=value list: (tags, problems)."""
    tags: list[tuple[str, str]] = []
    problems: list[str] = []
    for part in text.split(";"):
        part = part.strip(" \t\r\n")
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = name.strip(" \t\r\n")
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            problems.append(_("{part} is not tag=value").format(part=repr(part)))
            continue
        if any(existing == name for existing, _value in tags):
            problems.append(
                _("tag {name} appears twice, which makes the whole record invalid").format(
                    name=repr(name)
                )
            )
            continue
        tags.append((name, value.strip(" \t\r\n")))
    return tags, problems


def _public_key(key_type: str, der: bytes) -> Any:
    """The key object for a p= value (RSA or Ed25519), or None when it is not one."""
    # cryptography is imported here, the one place that reads a key: importing it with the
    # module cost every `check-sender --help` (which only needs SELECTOR) about 0.1 s.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if key_type == "ed25519" and len(der) == 32:
        # RFC 8463 §4.2: the p= value is the raw 32-byte Ed25519 public key
        return ed25519.Ed25519PublicKey.from_public_bytes(der)
    try:
        key = serialization.load_der_public_key(der)
    except ValueError:
        # Some publishers put a bare PKCS#1 RSAPublicKey where SubjectPublicKeyInfo belongs
        pem = (
            b"-----BEGIN RSA PUBLIC KEY-----\n"
            + base64.encodebytes(der)
            + b"-----END RSA PUBLIC KEY-----\n"
        )
        try:
            key = serialization.load_pem_public_key(pem)
        except ValueError:
            return None
    return key if isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey) else None


def _load_key(key_type: str, der: bytes) -> tuple[str, int] | None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = _public_key(key_type, der)
    if key is None:
        return None
    if isinstance(key, rsa.RSAPublicKey):
        return "rsa", key.key_size
    return "ed25519", 256


def _spki(key: Any) -> bytes:
    """One spelling of a public key (SubjectPublicKeyInfo DER), to compare keys."""
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def published_public_key(record: DkimKeyRecord) -> bytes | None:
    """The record's public key as SubjectPublicKeyInfo DER, or None when it has none."""
    p = record.tag("p")
    if not p or record.key_type is None:
        return None
    try:
        key = _public_key(record.key_type, base64.b64decode(_FWS.sub("", p), validate=True))
    except (binascii.Error, ValueError):
        return None
    return None if key is None else _spki(key)


def signing_public_key(path: str | Path) -> bytes:
    """The public half of a DKIM private key file (PEM or DER, unencrypted, RSA or Ed25519),
    as SubjectPublicKeyInfo DER; InputError when the file is not such a key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise InputError(
            _("cannot read the DKIM key: {error}").format(error=os_reason(exc)),
            path=source,
            hint=_("check the path"),
        ) from None
    loader = (
        serialization.load_pem_private_key
        if data.lstrip().startswith(b"-----")
        else serialization.load_der_private_key
    )
    try:
        key = loader(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise InputError(
            _("not an unencrypted RSA or Ed25519 private key (PEM or DER)"),
            path=source,
            hint=_("give the private key you sign with, e.g. from `openssl genrsa 2048`"),
        )
    return _spki(key.public_key())


def parse_dkim_key(text: str) -> DkimKeyRecord:
    """Parse a DKIM key record; findings cite RFC 6376, RFC 8301 and RFC 8463."""
    tags, problems = parse_tag_list(text)
    findings = [
        Finding("dkim-syntax", ERROR, _("{problem} (RFC 6376 §3.2).").format(problem=p))
        for p in problems
    ]
    record = DkimKeyRecord(text, tuple(tags))
    version = record.tag("v")
    if version is not None and (version != "DKIM1" or tags[0][0] != "v"):
        findings.append(
            Finding(
                "dkim-bad-version",
                ERROR,
                _("v= must be DKIM1 and the first tag (RFC 6376 §3.6.1)."),
            )
        )
    key_type = (record.tag("k") or "rsa").lower()
    if key_type not in ("rsa", "ed25519"):
        findings.append(
            Finding(
                "dkim-unknown-key-type",
                ERROR,
                _("{tag}: verifiers know rsa and ed25519 (RFC 6376 §3.6.1, RFC 8463).").format(
                    tag=f"k={key_type!r}"
                ),
            )
        )
    hashes = [h.strip().lower() for h in (record.tag("h") or "").split(":") if h.strip()]
    if hashes and "sha256" not in hashes:
        findings.append(
            Finding(
                "dkim-sha1-only",
                ERROR,
                _("{tag} allows no sha256; rsa-sha1 MUST NOT be used (RFC 8301 §3.1).").format(
                    tag=f"h={record.tag('h')!r}"
                ),
            )
        )
    services = [s.strip() for s in (record.tag("s") or "*").split(":")]
    if "*" not in services and "email" not in services:
        findings.append(
            Finding(
                "dkim-not-for-email",
                ERROR,
                _("{tag} does not allow email (RFC 6376 §3.6.1).").format(
                    tag=f"s={record.tag('s')!r}"
                ),
            )
        )
    if record.testing:
        findings.append(
            Finding(
                "dkim-testing",
                WARNING,
                _(
                    "t=y: test mode, verifiers treat signed mail like unsigned mail"
                    " (RFC 6376 §3.6.1)."
                ),
            )
        )
    p = record.tag("p")
    bits: int | None = None
    loaded_type: str | None = None
    if p is None:
        findings.append(Finding("dkim-no-key", ERROR, _("p= is required (RFC 6376 §3.6.1).")))
    elif p == "":
        findings.append(
            Finding(
                "dkim-key-revoked", ERROR, _("p= is empty: the key is revoked (RFC 6376 §3.6.1).")
            )
        )
    elif key_type in ("rsa", "ed25519"):
        try:
            der = base64.b64decode(_FWS.sub("", p), validate=True)
            loaded = _load_key(key_type, der)
        except (binascii.Error, ValueError):
            loaded = None
        if loaded is None:
            findings.append(
                Finding(
                    "dkim-bad-key",
                    ERROR,
                    _("p= is not a valid base64 {type} public key (RFC 6376 §3.6.1).").format(
                        type=key_type
                    ),
                )
            )
        else:
            loaded_type, bits = loaded
            if loaded_type != key_type:
                findings.append(
                    Finding(
                        "dkim-key-type-mismatch",
                        ERROR,
                        _("k={declared} but the key is {loaded} (RFC 6376 §3.6.1).").format(
                            declared=key_type, loaded=loaded_type
                        ),
                    )
                )
            elif loaded_type == "rsa" and bits < MIN_RSA_BITS:
                findings.append(
                    Finding(
                        "dkim-key-too-small",
                        ERROR,
                        _(
                            "{bits}-bit RSA key: verifiers reject keys under {minimum} bits"
                            " (RFC 8301 §3.2)."
                        ).format(bits=bits, minimum=MIN_RSA_BITS),
                    )
                )
            elif loaded_type == "rsa" and bits < ADVISED_RSA_BITS:
                findings.append(
                    Finding(
                        "dkim-key-small",
                        WARNING,
                        _("{bits}-bit RSA key: use {advised} bits (RFC 8301 §3.2).").format(
                            bits=bits, advised=ADVISED_RSA_BITS
                        ),
                    )
                )
            elif loaded_type == "ed25519":
                findings.append(
                    Finding(
                        "dkim-ed25519-only",
                        INFO,
                        _(
                            "an Ed25519 key: publish an RSA key too, as not every verifier"
                            " supports Ed25519 (RFC 8463 §5)."
                        ),
                    )
                )
    return DkimKeyRecord(text, tuple(tags), loaded_type, bits, tuple(findings))


@dataclass(frozen=True)
class DkimKey:
    """The key published for one selector."""

    selector: str
    domain: str
    name: str  # <selector>._domainkey.<domain>
    status: str  # "found" | "absent" | "unknown" | "multiple"
    record: DkimKeyRecord | None = None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return (
            self.status in ("found", "multiple") and self.record is not None and self.record.valid
        )


async def find_dkim_key(lookup: Lookup, domain: str, selector: str) -> DkimKey:
    """Look up and parse <selector>._domainkey.<domain> TXT (RFC 6376 §3.6.2.1)."""
    name = f"{selector.lower()}._domainkey.{normalize_name(domain)}"
    answer = await lookup.lookup(name, "TXT")
    if answer.unknown:
        return DkimKey(
            selector,
            domain,
            name,
            "unknown",
            problem=_("TXT lookup failed ({reason})").format(reason=answer.reason),
        )
    # Key records: those with a p= tag, or that at least declare v=DKIM1
    records = [r for r in answer.records if "p=" in r or r.lstrip().startswith("v=DKIM1")]
    if not records:
        problem = _("no DKIM key at {name}").format(name=name)
        return DkimKey(selector, domain, name, "absent", problem=problem)
    parsed = [parse_dkim_key(r) for r in records]
    best = next((r for r in parsed if r.valid), parsed[0])
    if len(records) > 1:
        # RFC 6376 §3.6.2.2: with several key records, verifiers may pick any one
        return DkimKey(
            selector,
            domain,
            name,
            "multiple",
            best,
            problem=_(
                "{count} key records at {name}; verifiers may use any one of them"
                " (RFC 6376 §3.6.2.2)"
            ).format(count=len(records), name=name),
        )
    return DkimKey(selector, domain, name, "found", best)
