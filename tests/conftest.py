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


@pytest.fixture(autouse=True)
def no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI takes its language from B2BMAIL_LANG and the POSIX locale variables: a
    developer's LANG=fr_FR.UTF-8 must not turn the suite's English expectations French. A test
    that wants a language from the environment sets it."""
    for name in ("B2BMAIL_LANG", *i18n.LOCALE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
