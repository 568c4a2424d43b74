"""A real headless Chromium for the preview tests: one per test module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from b2bmail.errors import PreviewError
from b2bmail.preview.chromium import Tab, find_chromium, launch_browser


def chromium_or_skip() -> str:
    """The Chromium executable; skip visibly when absent, fail when CI requires it."""
    try:
        return find_chromium()
    except PreviewError as exc:
        if os.environ.get("B2BMAIL_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"B2BMAIL_REQUIRE_CHROMIUM=1 but {exc}")
        pytest.skip(f"headless Chromium tests skipped: {exc}")


@pytest.fixture(scope="session")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def tab(chromium: str) -> Iterator[Tab]:
    with launch_browser(chromium) as page:
        yield page
