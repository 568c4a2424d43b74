"""Formal salutations: "Madame Dupont," / "Dear Mr Smith," from civility, last name and
language, with a neutral form when either is missing.

One pure function, `salutation`, called by the sample build (campaign.sample_values) and the
per-recipient build (personalize.build.recipient_values) alike, so that the sample shows
what a recipient gets. Templates write `{{ recipient | salutation }}`: the compiled segment
keeps a merge field (`salutation`, or `salutation_bare` for `salutation(comma=False)`) whose
value `salutation_values` makes per recipient, as data, never through Jinja.

May import: nothing else from b2bmail (render, campaign and personalize all use it).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

#: Merge fields computed here, by name: whether the salutation ends with its comma.
SALUTATION_FIELDS: Mapping[str, bool] = {"salutation": True, "salutation_bare": False}
#: The recipient fields they are made from (the reader's canonical keys).
SALUTATION_INPUTS = frozenset({"civility", "last_name", "language"})

# (for a woman, for a man, neutral), before the closing comma; `{name}` is the last name as
# typed. Forms of the usual business-letter conventions of each language: fr "Madame,
# Monsieur", nl "Geachte heer, mevrouw", en "Dear Sir or Madam", de "Sehr geehrte Damen
# und Herren".
FORMS: Mapping[str, tuple[str, str, str]] = {
    "fr": ("Madame {name}", "Monsieur {name}", "Madame, Monsieur"),
    "nl": ("Geachte mevrouw {name}", "Geachte heer {name}", "Geachte heer, mevrouw"),
    "en": ("Dear Ms {name}", "Dear Mr {name}", "Dear Sir or Madam"),
    "de": (
        "Sehr geehrte Frau {name}",
        "Sehr geehrter Herr {name}",
        "Sehr geehrte Damen und Herren",
    ),
}
#: The language used when neither the recipient's nor the campaign's has forms.
DEFAULT_LANGUAGE = "en"
_CIVILITY = {"mr": 1, "m": 1, "ms": 0, "mrs": 0, "mme": 0}


# Kept per (language, locale): a list holds a handful of distinct language cells, and this
# is asked for every recipient. Bounded, as a list's cells are whatever was typed.
@functools.lru_cache(maxsize=256)
def salutation_language(language: str, campaign_locale: str = "") -> str:
    """The language of FORMS to use: the recipient's (ISO 639-1 or a locale such as
    nl_BE), else the campaign's locale's, else DEFAULT_LANGUAGE."""
    for tag in (language, campaign_locale):
        code = tag.strip().replace("-", "_").partition("_")[0].lower()
        if code in FORMS:
            return code
    return DEFAULT_LANGUAGE


# Per (civility, language, locale) cell values as typed, which a list repeats (a handful of
# spellings of each): the form to use, split around the name, and the neutral form; so a
# recipient's salutation is a look-up and two concatenations instead of parsing the
# civility and a str.format. (before, after) is None without a known civility. FORMS's
# forms hold `{name}` once and no other braces; tests/test_salutation.py checks both ways
# agree. Bounded, as the cells are whatever was typed.
@functools.lru_cache(maxsize=1024)
def _form(civility: str, language: str, campaign_locale: str) -> tuple[tuple[str, str] | None, str]:
    woman, man, neutral = FORMS[salutation_language(language, campaign_locale)]
    which = _CIVILITY.get(civility.strip().rstrip(".").lower())
    if which is None:
        return None, neutral
    before, _name, after = (man if which else woman).partition("{name}")
    return (before, after), neutral


def _salutation_text(civility: str, last_name: str, language: str, campaign_locale: str) -> str:
    """The salutation before its closing comma (salutation with comma=False)."""
    around, neutral = _form(civility, language, campaign_locale)
    if around is None:
        return neutral
    name = " ".join(last_name.split())
    return around[0] + name + around[1] if name else neutral


def salutation(
    civility: str,
    last_name: str,
    language: str,
    *,
    campaign_locale: str = "",
    comma: bool = True,
) -> str:
    """The formal salutation: ("ms", "Dupont", "fr") -> "Madame Dupont,". The last name is
    kept as typed (particles and compound names keep their case: De Vries, van der Berg,
    O'Neil, Le Goff). Without a civility (`mr`/`ms`) or a last name, the neutral form.
    `comma=False` leaves the closing comma out, for a greeting of the campaign's own
    ("Bonjour {{ recipient | salutation(comma=False) }},")."""
    text = _salutation_text(civility, last_name, language, campaign_locale)
    return text + "," if comma else text


def salutation_values(
    values: Mapping[str, str], campaign_locale: str, wanted: frozenset[str] | None = None
) -> dict[str, str]:
    """The computed salutation fields (all, or those in `wanted`) for one recipient's merge
    values (civility, last_name, language as the reader normalised them)."""
    made: dict[str, str] = {}
    add_salutations(made, values, campaign_locale, wanted)
    return made


def add_salutations(
    into: dict[str, str],
    values: Mapping[str, str],
    campaign_locale: str,
    wanted: frozenset[str] | None = None,
) -> None:
    """salutation_values put straight into `into` (which may be `values` itself: the text is
    made before any field is set), for the per-recipient build, where a dict made and merged
    per recipient costs more than the fields."""
    # The text is made once for every field (each adds its comma or not): this runs for
    # every recipient, so a loop rather than a comprehension (a frame of its own in 3.11).
    text = _salutation_text(
        values.get("civility", ""),
        values.get("last_name", ""),
        values.get("language", ""),
        campaign_locale,
    )
    for name, comma in SALUTATION_FIELDS.items():
        if wanted is None or name in wanted:
            into[name] = text + "," if comma else text
