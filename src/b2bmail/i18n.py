"""Messages in the reader's language: English, French and Dutch, through gettext.

Every message a person reads (errors, help, summaries, lint findings, reports) is written in
English in the code and looked up at run time in the catalogue of the chosen language, compiled
from `locale/<lang>/LC_MESSAGES/<domain>.po` (see the Makefile's `i18n-*` targets). Machine
formats (JSON keys, rule codes, SARIF, JUnit, GitHub annotation syntax) are never translated.

One catalogue ("domain") per area of the code, so that each area owns its own file; `_` looks
a message up in all of them, so a module never says which one it is in:

- `cli`: the command line (help, summaries, progress, Click's own words);
- `lint`: lint rule names, finding messages and rule documentation (src/b2bmail/lint/);
- `reports`: the preview gallery, `serve`, the audit HTML report, unsubscribe pages;
- `library`: everything else (errors, summaries and reasons written by the library).

`DOMAIN_SOURCES` says which files belong to which catalogue; `tools/catalogues.py` extracts,
updates, compiles and checks them.

The language is chosen once per run by the CLI (`--lang`, then `B2BMAIL_LANG`, then the POSIX
locale variables) and can be switched for a block with `using()`; the library never reads the
environment for it except through `choose_language`. Imports nothing from b2bmail, so every
unit may import it (tests/test_boundaries.py).
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

#: The languages b2bmail speaks, English first (the default and the language of the code).
LANGUAGES = ("en", "fr", "nl")
DEFAULT_LANGUAGE = "en"
DOMAINS = ("cli", "lint", "reports", "library")
#: Files (relative to src/b2bmail) whose messages go into each catalogue, first match wins;
#: `library` takes every file no other domain claims.
DOMAIN_SOURCES: dict[str, tuple[str, ...]] = {
    "cli": ("cli/",),
    "lint": ("lint/",),
    "reports": ("preview/", "deliverability/audit/report.py", "unsubscribe/"),
    "library": ("",),
}
LOCALE_DIR = Path(__file__).parent / "locale"


_chosen: list[str] = [DEFAULT_LANGUAGE]


class UnknownLanguage(ValueError):
    """`--lang` or B2BMAIL_LANG names a language b2bmail has no catalogue for."""


#: The variables that choose the language of messages, in POSIX precedence (`posix_locale`).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def posix_locale(environ: Mapping[str, str], category: str) -> str | None:
    """The locale the environment sets for `category` (`LC_MESSAGES`, `LC_NUMERIC`), by POSIX
    precedence (IEEE 1003.1, 8.2 "Internationalization Variables"): LC_ALL, then the
    category's variable, then LANG. The first one set decides, even when it names a locale
    the caller has no use for (LC_ALL=C does not mean "look at LANG"); None when none is set.
    The value is returned without its codeset and modifier (`fr_FR.UTF-8@euro` -> `fr_FR`)."""
    for name in ("LC_ALL", category, "LANG"):
        if value := environ.get(name):
            return locale_name(value)
    return None


def locale_name(value: str) -> str:
    """A locale name without its codeset and modifier: `fr_FR.UTF-8`, `nl_BE@euro` -> `fr_FR`,
    `nl_BE`."""
    return value.split(".")[0].split("@")[0]


def language_of(value: str) -> str | None:
    """The b2bmail language a locale name or code names (`fr_FR.UTF-8`, `nl_BE@euro`, `FR`,
    `en-GB` -> `fr`, `nl`, `fr`, `en`), or None (`C`, `POSIX`, `de_DE`, '')."""
    code = locale_name(value.strip()).replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def choose_language(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of this run: `explicit` (from `--lang`), then B2BMAIL_LANG, then the first
    of LC_ALL, LC_MESSAGES and LANG that is set; English when none names fr, nl or en.

    An explicit choice or B2BMAIL_LANG that names no language b2bmail speaks raises
    `UnknownLanguage`: the user asked for it by name, so falling back would be a silent wrong
    answer. A system locale we have no catalogue for (de_DE, C) simply means English.
    """
    env = os.environ if environ is None else environ
    for source, value in (("--lang", explicit), ("B2BMAIL_LANG", env.get("B2BMAIL_LANG"))):
        if value:
            language = language_of(value)
            if language is None:
                raise UnknownLanguage(
                    f"{source} {value!r}: b2bmail speaks {', '.join(LANGUAGES)} — use one of them"
                )
            return language
    value = posix_locale(env, "LC_MESSAGES")
    return (language_of(value) if value else None) or DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    """Use `language` (one of `LANGUAGES`) for every message from now on."""
    if language not in LANGUAGES:
        raise UnknownLanguage(f"{language!r}: b2bmail speaks {', '.join(LANGUAGES)}")
    _chosen[0] = language


def current_language() -> str:
    """The language messages are translated into now."""
    return _chosen[0]


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    """Translate into `language` inside the block (e.g. English for `--format json`)."""
    before = current_language()
    set_language(language)
    try:
        yield
    finally:
        _chosen[0] = before


@functools.cache
def catalogue(language: str) -> gettext.NullTranslations:
    """Every catalogue of `language`, chained (a message is in exactly one of them); English,
    and a catalogue not compiled yet, is the identity: the code's own English text."""
    chain = gettext.NullTranslations()
    if language == DEFAULT_LANGUAGE:
        return chain
    for domain in DOMAINS:
        chain.add_fallback(
            gettext.translation(domain, LOCALE_DIR, languages=[language], fallback=True)
        )
    return chain


def _(message: str) -> str:
    """`message` (English, as written in the code) in the current language. Placeholders are
    named and filled after translation: `_("{path}: no such file").format(path=path)`."""
    return catalogue(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware `_`, by the current language's plural rule:
    `ngettext("{n} row", "{n} rows", n).format(n=n)`."""
    return catalogue(current_language()).ngettext(singular, plural, n)


@functools.cache
def _filled_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    return re.compile(
        "".join(f"(?P<{p[1:-1]}>.+?)" if p.startswith("{") else re.escape(p) for p in parts) + r"\Z"
    )


def translate_filled(text: str, templates: tuple[str, ...]) -> str:
    """`text`, an English sentence filled in from one of `templates` (marked with `N_`, named
    placeholders), in the current language: the template it matches, translated and filled
    with the same values. For English text that must stay English where it is kept (a JSON
    key) or that another library writes (email-validator's reasons). A text no template
    matches is returned as it is."""
    for template in templates:
        if match := _filled_pattern(template).match(text):
            return _(template).format(**match.groupdict())
    return text


def format_kb(size_bytes: float) -> str:
    """A size in kilobytes (1024 bytes), one decimal, in the current language: "33.8 KB",
    "33,8 Ko", "33,8 kB" — the decimal sign of the language (CLDR, through Babel) and its unit."""
    from babel.numbers import format_decimal  # loaded when a size is shown, not at start-up

    number = format_decimal(size_bytes / 1024, format="0.0", locale=current_language())
    return _("{size} KB").format(size=number)


def N_(message: str) -> str:  # the name gettext extractors know
    """Marks `message` for extraction without translating it now: for module-level constants,
    translated with `_()` where they are shown."""
    return message
