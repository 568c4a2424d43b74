"""Fixtures for the send tests: a copy of the heavy-equipment example campaign with a
`send:` section and a fresh DKIM key, and aiosmtpd sinks on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from tests.deliverability.conftest import (  # noqa: F401 (fixtures)
    _nsd_pool,
    control_zone_env,
    nsd_server,
)
from tests.send.sinks import Running, Sink

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "heavy-equipment"
SECRET = "s" * 32
DKIM_DOMAIN = "terrano-engins.example"
SELECTOR = "b2b2026"


def write_key(path: Path, kind: str) -> Path:
    """A new private key in PEM: `ed25519` or `rsa` (2048 bits)."""
    key = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def make_campaign(folder: Path, send_section: str) -> Path:
    """The example campaign written into `folder` with its paths made absolute."""
    text = (EXAMPLE / "campaign.yaml").read_text(encoding="utf-8")
    template = (EXAMPLE / "../../templates/newsletter.mjml").resolve()
    text = text.replace("template: ../../templates/newsletter.mjml", f"template: {template}")
    text = text.replace("segments: segments.yaml", f"segments: {EXAMPLE / 'segments.yaml'}")
    path = folder / "campaign.yaml"
    path.write_text(text + "\n" + send_section, encoding="utf-8")
    return path


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """The example with an Ed25519 key and a bounce domain; retries after 0.05 s."""
    key = write_key(tmp_path / "dkim.pem", "ed25519")
    return make_campaign(
        tmp_path,
        f"send:\n  dkim_selector: {SELECTOR}\n  dkim_domain: {DKIM_DOMAIN}\n"
        f"  dkim_key: {key}\n  return_path: bounce@bounces.terrano-engins.example\n"
        "  pacing:\n    default: {connections: 2, per_minute: 0}\n"
        "    retry: {base_seconds: 0.05, attempts: 3}\n",
    )


@pytest.fixture
def recipients() -> Path:
    return EXAMPLE / "recipients.csv"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("B2BMAIL_UNSUBSCRIBE_SECRET", SECRET)
    return {"B2BMAIL_UNSUBSCRIBE_SECRET": SECRET}


@pytest.fixture
def serve() -> Iterator[Callable[[Sink], Running]]:
    """Factory: serve a Sink on 127.0.0.1; stopped at the end of the test."""
    running: list[Running] = []

    def start(sink: Sink) -> Running:
        server = Running(sink).__enter__()
        running.append(server)
        return server

    yield start
    for server in running:
        server.__exit__(None, None, None)
