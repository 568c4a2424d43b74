"""Fixtures for the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b2bmail import i18n


@pytest.fixture(autouse=True)
def english_unless_a_test_asks() -> Iterator[None]:
    """Each test starts in English and leaves the language as it found it: a CLI run in one
    test (`--lang fr`) must not translate the next test's messages."""
    with i18n.using(i18n.DEFAULT_LANGUAGE):
        yield
