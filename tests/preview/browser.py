"""Finding Chromium for tests: skip visibly when absent, fail when CI requires it."""

from __future__ import annotations

import os

import pytest

from b2bmail.errors import PreviewError
from b2bmail.preview.chromium import find_chromium


def chromium_or_skip() -> str:
    """The Chromium executable; skip with the reason, or fail under B2BMAIL_REQUIRE_CHROMIUM=1."""
    try:
        return find_chromium()
    except PreviewError as exc:
        if os.environ.get("B2BMAIL_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"B2BMAIL_REQUIRE_CHROMIUM=1 but {exc}")
        pytest.skip(f"headless Chromium tests skipped: {exc}")
