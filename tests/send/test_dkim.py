"""Every message `send` delivers verifies with dkimpy against the key published in DNS (NSD
on loopback), for Ed25519 (RFC 8463) and RSA-2048 (RFC 8301) keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dkim
import dns.message
import dns.query
import dns.rdatatype
import pytest
from tests.deliverability.nsd import NsdServer, StartNsd
from tests.send.conftest import DKIM_DOMAIN, SELECTOR, make_campaign, write_key
from tests.send.sinks import Running, Sink
from tests.send.test_run import EXAMPLE_MESSAGES, options

from b2bmail.errors import ConfigError
from b2bmail.send.run import send_campaign
from b2bmail.send.signing import SIGNED_HEADERS, load_dkim_key, public_record


def zone_txt(record: str) -> str:
    """A TXT value in zone-file syntax, split in strings of at most 255 octets (RFC 1035)."""
    return " ".join(f'"{record[i : i + 255]}"' for i in range(0, len(record), 255))


def txt_from(server: NsdServer) -> Callable[..., bytes | None]:
    """dkimpy's dnsfunc, asking the NSD server only."""

    def lookup(name: bytes | str, timeout: float = 5) -> bytes | None:
        qname = name.decode() if isinstance(name, bytes) else name
        query = dns.message.make_query(qname, dns.rdatatype.TXT)
        answer = dns.query.udp(query, server.host, port=server.port, timeout=timeout)
        for rrset in answer.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(next(iter(rrset)).strings)
        return None

    return lookup


@pytest.mark.nsd
@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_every_sent_message_verifies_against_the_published_key(
    kind: str,
    tmp_path: Path,
    recipients: Path,
    env: dict[str, str],
    serve: Callable[[Sink], Running],
    nsd_server: StartNsd,
) -> None:
    key_file = write_key(tmp_path / "dkim.pem", kind)
    campaign = make_campaign(
        tmp_path,
        f"send:\n  dkim_selector: {SELECTOR}\n  dkim_domain: {DKIM_DOMAIN}\n  dkim_key: {key_file}\n"
        "  pacing: {default: {connections: 2, per_minute: 0}}\n",
    )
    record = public_record(load_dkim_key(key_file, SELECTOR, DKIM_DOMAIN))
    server = nsd_server({DKIM_DOMAIN: f"{SELECTOR}._domainkey TXT {zone_txt(record)}"})
    sink = Sink()
    send_campaign(campaign, recipients, options(tmp_path, serve(sink)))
    assert len(sink.received) == EXAMPLE_MESSAGES
    lookup = txt_from(server)
    algorithm = b"a=ed25519-sha256" if kind == "ed25519" else b"a=rsa-sha256"
    for message in sink.received:
        assert dkim.verify(message.data, dnsfunc=lookup), message.message_id
        signature = message.data.split(b"\r\n\r\n", 1)[0]
        assert algorithm in signature
    # RFC 8058 §4: one-click needs List-Unsubscribe and -Post under the signature.
    head = (
        sink.received[0]
        .data.split(b"\r\n\r\n", 1)[0]
        .replace(b"\r\n\t", b"")
        .replace(b"\r\n ", b" ")
    )
    h_tag = next(part for part in head.split(b";") if part.strip().startswith(b"h="))
    names = {n.strip().lower() for n in h_tag.split(b"=", 1)[1].split(b":")}
    assert {b"list-unsubscribe", b"list-unsubscribe-post", b"from", b"subject"} <= names
    assert names <= {h.lower() for h in SIGNED_HEADERS}


def test_a_message_changed_after_signing_fails_verification(
    tmp_path: Path, recipients: Path, env: dict[str, str], serve: Callable[[Sink], Running]
) -> None:
    """The verification above is not vacuous: a changed subject breaks it."""
    key = load_dkim_key(write_key(tmp_path / "k.pem", "ed25519"), SELECTOR, DKIM_DOMAIN)
    record = public_record(key).encode()
    message = b"From: a@terrano-engins.example\r\nTo: b@x.example\r\nSubject: hi\r\n\r\nbody\r\n"
    signed = key.sign(message)
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: record)
    tampered = signed.replace(b"Subject: hi", b"Subject: ho")
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: record)


def test_an_rsa_key_under_2048_bits_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "small.pem"
    path.write_bytes(
        small.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ConfigError, match="RSA-1024"):
        load_dkim_key(path, SELECTOR, DKIM_DOMAIN)
