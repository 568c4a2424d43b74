"""The starter campaign in the user's language and country (`b2bmail init --locale fr_FR`).

The English starter (campaign.yaml, segments, recipients.csv next to this module) is the one
source; `data/starter_locales.yaml` holds what a locale changes in it: the words of each
language (`texts`) and the facts of each country (`locales`: currency, legal mentions, sample
recipients). The VAT rate is read from the packaged EU table (render.filters.vat_table), the
month of the edition is written by Babel in the locale's own format. With several languages
(`--languages fr,nl`), every text the languages word differently becomes a per-language
mapping (languages.py), so one campaign file serves each recipient in their language.

May import: languages, render (the VAT table), errors, output.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_skeleton

from b2bmail.i18n import locale_name, posix_locale
from b2bmail.languages import language_locale
from b2bmail.render.filters import vat_table

#: The locales `init` knows, the default first: used when the environment names none of them.
STARTER_LOCALES = ("en_GB", "fr_FR", "fr_BE", "nl_NL", "nl_BE", "de_DE")
DEFAULT_STARTER_LOCALE = STARTER_LOCALES[0]
#: The text parts of a campaign a language words (everything else is the country's or fixed).
TEXT_KEYS = ("subject", "preheader", "content")


@functools.cache
def _data() -> Mapping[str, Any]:
    text = resources.files("b2bmail.data").joinpath("starter_locales.yaml").read_text("utf-8")
    data: Mapping[str, Any] = yaml.safe_load(text)
    return data


def starter_locale(value: str) -> str | None:
    """The starter locale a locale name names (`fr_FR.UTF-8`, `nl-BE`, `de_DE@euro` ->
    `fr_FR`, `nl_BE`, `de_DE`), or None (`C`, `en_US`, `fr`, '')."""
    code = locale_name(value.strip()).replace("-", "_")
    for known in STARTER_LOCALES:
        if code.lower() == known.lower():
            return known
    return None


def locale_from_environment(environ: Mapping[str, str]) -> str:
    """The starter locale of the environment: the first of LC_ALL, LC_MESSAGES and LANG that
    is set decides (LC_ALL=C means the default, not "look at LANG"); DEFAULT_STARTER_LOCALE
    when it names none of STARTER_LOCALES."""
    value = posix_locale(environ, "LC_MESSAGES")
    return (starter_locale(value) if value else None) or DEFAULT_STARTER_LOCALE


def locale_for_languages(environment_locale: str, languages: Sequence[str]) -> str:
    """The starter locale when only `--languages` is given: the environment's when it speaks
    the first (default) language, else that language in the environment's country (fr_BE
    and --languages nl,fr: nl_BE), else the first starter locale of that language, else the
    environment's (a language b2bmail has no starter words for keeps the country's facts)."""
    here = Locale.parse(environment_locale)
    if not languages or here.language == languages[0]:
        return environment_locale
    spoken = [k for k in STARTER_LOCALES if Locale.parse(k).language == languages[0]]
    same_country = [k for k in spoken if Locale.parse(k).territory == here.territory]
    return (same_country or spoken or [environment_locale])[0]


@dataclass(frozen=True)
class LocalizedStarter:
    """The starter files a locale rewrites, as text: campaign.yaml, the segments file and the
    sample recipients."""

    campaign: str
    segments: str
    recipients: str


def _merged(base: Any, over: Any) -> Any:
    """`base` with `over`'s values in it: mappings key by key, lists item by item."""
    if isinstance(base, dict) and isinstance(over, Mapping):
        return {**base, **{k: _merged(base.get(k), v) for k, v in over.items()}}
    if isinstance(base, list) and isinstance(over, list) and len(base) == len(over):
        return [_merged(b, o) for b, o in zip(base, over, strict=True)]
    return copy.deepcopy(over)


def _per_language(by_language: Mapping[str, Any]) -> Any:
    """One tree from a tree per language: a value the languages share stays one value, one
    they word differently becomes `{lang: value, …}` (languages.per_language)."""
    values = list(by_language.values())
    first = values[0]
    if all(isinstance(v, dict) for v in values):
        return {k: _per_language({lang: v[k] for lang, v in by_language.items()}) for k in first}
    if all(isinstance(v, list) and len(v) == len(first) for v in values):
        return [
            _per_language({lang: v[i] for lang, v in by_language.items()})
            for i in range(len(first))
        ]
    if all(v == first for v in values):
        return first
    return dict(by_language)


def _number(rate: Decimal | int | float) -> int | float:
    value = Decimal(str(rate))
    return int(value) if value == value.to_integral_value() else float(value)


def _texts(
    starter: Mapping[str, Any], words: Mapping[str, Any], locale: str, company: str
) -> dict[str, Any]:
    """The TEXT_KEYS of the starter in one language: its `words` over the English starter,
    the edition (the campaign's month) in `locale`'s format, the company named."""
    texts = {key: copy.deepcopy(starter[key]) for key in TEXT_KEYS}
    texts = _merged(texts, {key: words[key] for key in TEXT_KEYS if key in words})
    month = datetime.fromisoformat(str(starter["date"])).date()
    # CLDR's "yMMMM" skeleton: the month written out, as each locale orders it (July 2026,
    # juillet 2026, Juli 2026).
    texts["content"]["edition"] = format_skeleton("yMMMM", month, locale=locale)
    footer = texts["content"]["footer"]
    for name in ("{company}", str(starter["company"]["name"])):
        footer["why"] = str(footer["why"]).replace(name, company)
    return texts


def _annotated(text: str, notes: Mapping[tuple[str, ...], str]) -> str:
    """The dumped YAML `text` with `# note` after each line whose mapping-key path starts
    with one of `notes`' paths (block-style mappings; list items are not followed)."""
    path: list[tuple[int, str]] = []
    lines = []
    for line in text.splitlines():
        match = re.match(r"^( *)([A-Za-z_][\w-]*):", line)
        if match:
            indent = len(match.group(1))
            while path and path[-1][0] >= indent:
                path.pop()
            path.append((indent, match.group(2)))
            keys = tuple(key for _i, key in path)
            note = next((n for p, n in notes.items() if keys[: len(p)] == p), None)
            if note is not None and len(keys) > 1:
                line = f"{line}  # {note}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def localize_starter(
    campaign_yaml: str,
    segments_yaml: str,
    recipients_csv: str,
    locale: str,
    languages: Sequence[str] = (),
) -> LocalizedStarter:
    """The starter campaign, segments and recipients for `locale` (one of STARTER_LOCALES)
    and `languages` (ISO 639-1, the first the default; none: the locale's language)."""
    data = _data()
    facts = data["locales"][locale]
    starter = yaml.safe_load(campaign_yaml)
    langs = tuple(languages) or (Locale.parse(locale).language,)
    default = langs[0]
    company = str(facts["company"]["name"])
    texts_of = data["texts"]
    untranslated = [lang for lang in langs if lang not in texts_of]
    # A language without starter words gets the default language's (English when the
    # default has none either), marked to translate.
    fallback = default if default in texts_of else "en"
    source = {lang: lang if lang in texts_of else fallback for lang in langs}
    words = {lang: texts_of.get(source[lang], {}) for lang in langs}
    texts = {
        lang: _texts(starter, words[lang], language_locale(locale, lang), company) for lang in langs
    }
    merged = _per_language(texts) if len(langs) > 1 else texts[default]
    recipients = facts.get("recipients", recipients_csv)
    first = next(csv.DictReader(io.StringIO(recipients)))  # the sample recipient

    campaign: dict[str, Any] = {}
    for key, value in starter.items():
        campaign[key] = copy.deepcopy(value)
        if key == "locale" and languages:
            campaign["languages"] = list(langs)
    campaign["name"] = str(words[default]["name"]).format(company=company)
    campaign["locale"] = language_locale(locale, default)
    campaign["sender"]["from"] = f'"{company}" <news@example.com>'
    campaign["company"] = dict(facts["company"])
    campaign["list_id"] = f"{company} <monthly.news.example.com>"
    # The starter's local time of sending, at the country's UTC offset on that day.
    sent = datetime.fromisoformat(str(starter["date"])).replace(tzinfo=None)
    campaign["date"] = sent.isoformat() + str(facts["utc_offset"])
    campaign["sample_recipient"] = {
        key: first[key]
        for key in ("email", "civility", "first_name", "last_name", "company", "language")
        if first.get(key)
    } | {"unsubscribe_token": "sample-token"}
    campaign.update({key: merged[key] for key in ("subject", "preheader")})
    content = merged["content"]
    content["currency"] = facts["currency"]
    content["brand"]["name"] = company
    content["formal_salutation"] = True
    rate = facts.get("vat_rate", vat_table().rates.get(str(facts["country"])))
    content["offer"]["vat_rate"] = _number(rate)
    content["legal"] = dict(facts["legal"])
    campaign["content"] = content

    own = texts_of[source[default]]
    header = [f"# {line}" for line in str(own["header"]).splitlines()]
    law = f"company, content.legal ({own['to_fill']}): {' '.join(str(facts['law']).split())}"
    header += textwrap.wrap(law, width=94, initial_indent="# ", subsequent_indent="#   ")
    if untranslated:
        header.append(f"# {', '.join(untranslated)}: {own['to_translate']}")
    body = yaml.safe_dump(campaign, allow_unicode=True, sort_keys=False, width=1000)
    fill = str(own["to_fill"])
    body = _annotated(body, {("company",): fill, ("content", "legal"): fill})

    segments = segments_yaml
    for english, localized in dict(own.get("segments", {})).items():
        segments = re.sub(
            rf"(?m)^(\s+[\w-]+: ){re.escape(english)}$", rf"\g<1>{localized}", segments
        )
    return LocalizedStarter("\n".join(header) + "\n" + body, segments, recipients)
