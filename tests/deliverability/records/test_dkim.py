import asyncio
import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from tests.deliverability.fakes import StaticResolver

from b2bmail.deliverability.records.dkim import (
    find_dkim_key,
    parse_dkim_key,
    published_public_key,
    signing_public_key,
)
from b2bmail.errors import InputError


def rsa_public(bits: int, *, pkcs1: bool = False) -> str:
    """A base64 RSA public key of `bits` bits (an odd modulus: size checks need no primes)."""
    modulus = (1 << (bits - 1)) | 0xC0FFEE1
    key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    fmt = (
        serialization.PublicFormat.PKCS1
        if pkcs1
        else serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(key.public_bytes(serialization.Encoding.DER, fmt)).decode()


def ed25519_raw() -> str:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def codes(text: str) -> list[str]:
    return [f.code for f in parse_dkim_key(text).findings]


def test_rsa_2048_is_clean() -> None:
    record = parse_dkim_key(f"v=DKIM1; k=rsa; p={rsa_public(2048)}")
    assert (record.key_type, record.key_bits, record.findings) == ("rsa", 2048, ())


def test_key_split_over_whitespace_and_pkcs1_fallback() -> None:
    key = rsa_public(2048, pkcs1=True)
    record = parse_dkim_key(f"v=DKIM1; p={key[:100]} {key[100:]}")
    assert (record.key_type, record.key_bits, record.valid) == ("rsa", 2048, True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"v=DKIM1; p={rsa_public(1024)}", ["dkim-key-small"]),
        (f"v=DKIM1; p={rsa_public(512)}", ["dkim-key-too-small"]),
        ("v=DKIM1; k=rsa; p=", ["dkim-key-revoked"]),
        ("v=DKIM1; k=rsa", ["dkim-no-key"]),
        ("v=DKIM1; p=bm90IGEga2V5", ["dkim-bad-key"]),
        ("v=DKIM1; p=%%%", ["dkim-bad-key"]),
        (f"k=rsa; v=DKIM1; p={rsa_public(2048)}", ["dkim-bad-version"]),
        (f"v=DKIM2; p={rsa_public(2048)}", ["dkim-bad-version"]),
        (f"v=DKIM1; k=dsa; p={rsa_public(2048)}", ["dkim-unknown-key-type"]),
        (f"v=DKIM1; h=sha1; p={rsa_public(2048)}", ["dkim-sha1-only"]),
        (f"v=DKIM1; s=other; p={rsa_public(2048)}", ["dkim-not-for-email"]),
        (f"v=DKIM1; t=y; p={rsa_public(2048)}", ["dkim-testing"]),
        (f"v=DKIM1; p={rsa_public(2048)}; p={rsa_public(2048)}", ["dkim-syntax"]),
        (f"v=DKIM1; k=ed25519; p={ed25519_raw()}", ["dkim-ed25519-only"]),
        (f"v=DKIM1; k=ed25519; p={rsa_public(2048)}", ["dkim-key-type-mismatch"]),
    ],
    ids=[
        "rsa-1024-advise-2048",
        "rsa-512",
        "revoked",
        "no-p",
        "not-a-key",
        "not-base64",
        "v-not-first",
        "bad-version",
        "unknown-k",
        "sha1-only",
        "not-for-email",
        "testing",
        "duplicate-tag",
        "ed25519",
        "type-mismatch",
    ],
)
def test_key_findings(text: str, expected: list[str]) -> None:
    record = parse_dkim_key(text)
    assert [f.code for f in record.findings] == expected
    assert all("RFC " in f.message for f in record.findings)


def test_sizes_reported() -> None:
    assert parse_dkim_key(f"p={rsa_public(1024)}").key_bits == 1024
    assert parse_dkim_key(f"k=ed25519; p={ed25519_raw()}").key_type == "ed25519"


@pytest.mark.parametrize(
    ("value", "status", "valid"),
    [
        ([f"v=DKIM1; p={rsa_public(2048)}"], "found", True),
        ("nxdomain", "absent", False),
        (["v=spf1 -all"], "absent", False),
        ("timeout", "unknown", False),
        ([f"v=DKIM1; p={rsa_public(2048)}", "v=DKIM1; p="], "multiple", True),
    ],
    ids=["found", "nxdomain", "not-a-key", "timeout", "two-records"],
)
def test_find_dkim_key(value: object, status: str, valid: bool) -> None:
    resolver = StaticResolver({("s1._domainkey.example.com", "TXT"): value})  # type: ignore[dict-item]
    key = asyncio.run(find_dkim_key(resolver, "example.com", "s1"))
    assert (key.status, key.valid, key.name) == (status, valid, "s1._domainkey.example.com")


def test_record_without_p_is_found_and_invalid() -> None:
    resolver = StaticResolver({("s1._domainkey.example.com", "TXT"): ["v=DKIM1; k=rsa"]})
    key = asyncio.run(find_dkim_key(resolver, "example.com", "s1"))
    assert (key.status, key.valid) == ("found", False)
    assert key.record is not None and [f.code for f in key.record.findings] == ["dkim-no-key"]


# RFC 8463 Appendix A.2: the example Ed25519 signing key (its 32-byte seed) and the public
# key published for it at brisbane._domainkey.football.example.com.
RFC8463_SEED = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
RFC8463_RECORD = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="


def _pem(seed: str) -> bytes:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_rfc8463_signing_key_matches_its_published_key(tmp_path: Path) -> None:
    path = tmp_path / "brisbane.pem"
    path.write_bytes(_pem(RFC8463_SEED))
    published = published_public_key(parse_dkim_key(RFC8463_RECORD))
    assert published is not None
    assert signing_public_key(path) == published
    other = tmp_path / "other.pem"
    other.write_bytes(_pem(base64.b64encode(bytes(32)).decode()))
    assert signing_public_key(other) != published


@pytest.mark.parametrize(
    "content",
    [b"not a key\n", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", b"\x00\x01"],
    ids=["text", "pem-garbage", "binary"],
)
def test_a_file_that_is_not_a_private_key_is_bad_input(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not an unencrypted RSA or Ed25519 private key"):
        signing_public_key(path)
