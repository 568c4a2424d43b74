"""One campaign, several languages: `languages: [fr, en]` (the first is the default) and any
value of `subject`, `preheader` or inside `content` given per language as a mapping whose
keys are exactly those languages (`subject: {fr: "…", en: "…"}`).

The campaign as loaded holds the default language's values; `for_language` gives the
campaign of another language (its values, and a locale of that language for dates, numbers
and currency). Each recipient's language selects it: the compile reads `recipient.language`
(a variant per language, render.compile), so one build covers the whole list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from b2bmail.errors import ConfigError
from b2bmail.i18n import _


def parse_languages(value: object, path: Path, line: int | None) -> tuple[str, ...]:
    """The `languages` list: ISO 639-1 codes Babel knows, each once, at least one."""
    if not isinstance(value, list) or not value:
        raise ConfigError(
            _("languages must be a list of language codes, e.g. [fr, en]"),
            path=path,
            line=line,
            hint=_("the first is the default language"),
        )
    codes: list[str] = []
    for item in value:
        code = str(item).strip().lower()
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            code = ""
        if len(code) != 2 or not code.isalpha() or code in codes:
            raise ConfigError(
                _("{item} in languages is not a two-letter language code given once").format(
                    item=repr(item)
                ),
                path=path,
                line=line,
                hint=_("write ISO 639-1 codes, e.g. languages: [fr, en]"),
            )
        codes.append(code)
    return tuple(codes)


def per_language(
    value: object, languages: Sequence[str], what: str, path: Path, line: int | None
) -> dict[str, Any] | None:
    """`value` by language when it is a mapping whose keys are the declared languages, else
    None. A mapping whose keys are some of them only is an error: a language would get
    nothing, or another language's text."""
    if not languages or not isinstance(value, Mapping) or not value:
        return None
    keys = {str(k) for k in value}
    if not keys <= set(languages):
        return None
    missing = [lang for lang in languages if lang not in keys]
    if missing:
        raise ConfigError(
            _("{what} is given for {given} but not for {missing}").format(
                what=what, given=", ".join(sorted(keys)), missing=", ".join(missing)
            ),
            path=path,
            line=line,
            hint=_(
                "give every declared language (languages: {languages}), or one value for all"
            ).format(languages=", ".join(languages)),
        )
    return {lang: value[lang] for lang in languages}


def resolve(
    value: Any, languages: Sequence[str], lang: str, what: str, path: Path, line: int | None
) -> Any:
    """`value` with every per-language mapping in it replaced by its `lang` value."""
    chosen = per_language(value, languages, what, path, line)
    if chosen is not None:
        return resolve(chosen[lang], languages, lang, what, path, line)
    if isinstance(value, Mapping):
        return {k: resolve(v, languages, lang, f"{what}.{k}", path, line) for k, v in value.items()}
    if isinstance(value, list):
        return [
            resolve(v, languages, lang, f"{what}[{i}]", path, line) for i, v in enumerate(value)
        ]
    return value


def language_locale(campaign_locale: str, lang: str) -> str:
    """The locale of `lang` for dates, numbers and currency: the campaign's own when it is
    of that language, else that language in the campaign's territory when CLDR has it
    (fr in BE: fr_BE), else the language's default (fr)."""
    base = Locale.parse(campaign_locale)
    if base.language == lang:
        return campaign_locale
    if base.territory:
        try:
            return str(Locale(lang, base.territory))
        except UnknownLocaleError:
            pass
    return str(Locale.parse(lang))
