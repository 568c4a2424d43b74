"""Chromium tests skip visibly when it is missing, and fail instead when CI requires it."""

from __future__ import annotations

import pytest
from tests.preview.browser import chromium_or_skip


def test_missing_chromium_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BMAIL_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("B2BMAIL_REQUIRE_CHROMIUM", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium_or_skip()


def test_missing_chromium_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B2BMAIL_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("B2BMAIL_REQUIRE_CHROMIUM", "1")
    with pytest.raises(pytest.fail.Exception, match="B2BMAIL_REQUIRE_CHROMIUM=1"):
        chromium_or_skip()
