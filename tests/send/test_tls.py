"""STARTTLS (RFC 3207) against an aiosmtpd server that requires it, with a certificate made
for the test: the client upgrades before AUTH and before any message."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tests.send.sinks import Running, Sink

from b2bmail.send.smtp import Connection, SmtpTarget


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_the_client_upgrades_with_starttls_and_checks_the_certificate(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    sink = Sink()
    with Running(sink, tls_context=server_context, require_starttls=True) as server:
        port = server.port
        trusting = ssl.create_default_context(cafile=str(cert))
        conn = Connection(SmtpTarget("127.0.0.1", port, timeout=10, tls_context=trusting))
        reply = conn.send(
            "a@b.example", "c@d.example", b"Message-ID: <1@b.example>\r\n\r\nhi\r\n", lambda: None
        )
        assert conn.smtp is not None and isinstance(conn.smtp.sock, ssl.SSLSocket)
        conn.close()
        assert reply.code == 250 and sink.counts() == {"<1@b.example>": 1}
        # A client that does not trust the certificate stops before sending anything.
        strict = Connection(
            SmtpTarget("127.0.0.1", port, timeout=10, tls_context=ssl.create_default_context())
        )
        try:
            strict.send("a@b.example", "c@d.example", b"\r\nx\r\n", lambda: None)
        except ConnectionError as exc:
            assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
        else:
            raise AssertionError("an untrusted certificate was accepted")
        assert len(sink.received) == 1
