"""Fixtures shared by the recipient-list and companies-file tests."""

from __future__ import annotations

from typing import Any

import pytest

from b2bmail.recipients import decoding


@pytest.fixture
def decode_passes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The encoding of each full decoding pass over a file (decoding._validate), in order:
    a file read once to give its format and its records is decoded once."""
    calls: list[str] = []
    validate = decoding._validate

    def counted(*args: Any) -> Any:
        calls.append(args[1])
        return validate(*args)

    monkeypatch.setattr(decoding, "_validate", counted)
    return calls
