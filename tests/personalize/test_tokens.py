"""Per-recipient identifiers: the Message-ID made from a segment's seed."""

from __future__ import annotations

import hashlib

import pytest

from b2bmail.personalize.tokens import message_id, message_id_seed, seeded_message_id

DATE = "2026-07-02T08:30:00+02:00"


@pytest.mark.parametrize(
    ("campaign", "segment"),
    [
        ("C", "s"),  # the seed's text well within SHA-256's first 64-byte block
        ("x" * 32, "s" * 4),  # 32 + 1 + 4 + 1 + 25 + 1 = 64 bytes: the block filled exactly
        ("La Lettre Terrano — T3 2026", "construction"),  # past it, with UTF-8 bytes
        ("é" * 70, "mines"),  # several blocks
    ],
    ids=["short", "one-block", "past-a-block", "several-blocks"],
)
def test_seeded_message_id_is_the_documented_hash(campaign: str, segment: str) -> None:
    # The definition (tokens.message_id): SHA-256 of the four joined by U+001F, its first
    # 32 hex digits, computed here in one go; the seed is made once and serves each address.
    seed = message_id_seed(campaign, segment, DATE)
    for address in ("anne@acme.example", "zoé.durand@acme.example", "b@x.example"):
        text = "\x1f".join((campaign, segment, DATE, address)).encode("utf-8")
        expected = f"<{hashlib.sha256(text).hexdigest()[:32]}@durand.example>"
        assert seeded_message_id(seed, address, "durand.example") == expected
        assert message_id(campaign, segment, address, "durand.example", DATE) == expected
