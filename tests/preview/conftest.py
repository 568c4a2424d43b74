"""A real headless Chromium for the preview tests: one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.preview.browser import chromium_or_skip

from b2bmail.preview.chromium import Tab, launch_browser


@pytest.fixture(scope="session")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def tab(chromium: str) -> Iterator[Tab]:
    with launch_browser(chromium) as page:
        yield page
