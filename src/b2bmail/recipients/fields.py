"""Header names and cell values turned into the canonical recipient fields (INTERFACES.md).

Headers are matched case- and accent-insensitively through their slug (`Adresse E-mail` ->
`adresse_e_mail`) against the aliases below; any other column keeps its slug as key.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence

from babel import Locale

from b2bmail.i18n import _
from b2bmail.journey import STAGE_WORDS, slugify

ALIASES: Mapping[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e_mail",
        "courriel",
        "adresse_e_mail",
        "adresse_email",
        "adresse_mail",
        "adresse_courriel",
        "mail",
        "email_address",
        "e_mail_address",
        "mail_address",
        "emailadresse",
        "e_mail_adresse",
        "correo",
        "correo_electronico",
    ),
    "first_name": ("first_name", "firstname", "prenom", "given_name", "vorname", "first"),
    "last_name": (
        "last_name",
        "lastname",
        "nom",
        "nom_de_famille",
        "surname",
        "family_name",
        "nachname",
        "last",
    ),
    "company": (
        "company",
        "societe",
        "company_name",
        "entreprise",
        "organisation",
        "organization",
        "raison_sociale",
        "firma",
        "unternehmen",
        "account",
        "account_name",
        "nom_societe",
    ),
    "company_id": (
        "company_id",
        "id_societe",
        "societe_id",
        "id_entreprise",
        "entreprise_id",
        "account_id",
    ),
    "sector": ("sector", "secteur", "secteur_d_activite", "industry", "industrie", "branche"),
    "roles": ("roles", "role", "buying_role", "buying_roles", "role_d_achat", "roles_d_achat"),
    "stage": ("stage", "etape", "lifecycle_stage", "phase", "stade"),
    "country": ("country", "pays", "land", "country_code", "code_pays"),
    "language": ("language", "langue", "lang", "sprache", "locale", "taal"),
    "civility": (
        "civility",
        "civilite",
        "titre",
        "title",
        "salutation",
        "aanhef",
        "anrede",
        "genre",
        "gender",
    ),
    "tier": ("tier", "niveau", "palier"),
    "size": ("size", "taille", "company_size", "effectif", "headcount", "taille_entreprise"),
}
CANONICAL_BY_SLUG: Mapping[str, str] = {
    alias: key for key, aliases in ALIASES.items() for alias in aliases
}

# Buying roles (INTERFACES.md) and the words seen for them in CRM exports: French in its
# masculine and feminine forms, Dutch, English and German (slugs: accents and case folded).
ROLE_WORDS: Mapping[str, str] = {
    "decider": "decider",
    "decision_maker": "decider",
    "decideur": "decider",
    "decideuse": "decider",
    "decisionnaire": "decider",
    "beslisser": "decider",
    "beslissingsnemer": "decider",
    "entscheider": "decider",
    "buyer": "buyer",
    "purchaser": "buyer",
    "procurement": "buyer",
    "acheteur": "buyer",
    "acheteuse": "buyer",
    "achats": "buyer",
    "koper": "buyer",
    "inkoper": "buyer",
    "inkoop": "buyer",
    "einkaufer": "buyer",
    "prescriber": "prescriber",
    "specifier": "prescriber",
    "prescripteur": "prescriber",
    "prescriptrice": "prescriber",
    "voorschrijver": "prescriber",
    "influencer": "influencer",
    "influenceur": "influencer",
    "influenceuse": "influencer",
    "beinvloeder": "influencer",
    "end_user": "end_user",
    "user": "end_user",
    "enduser": "end_user",
    "utilisateur": "end_user",
    "utilisatrice": "end_user",
    "utilisateur_final": "end_user",
    "utilisatrice_finale": "end_user",
    "gebruiker": "end_user",
    "eindgebruiker": "end_user",
    "gatekeeper": "gatekeeper",
    "filtre": "gatekeeper",
    "barrage": "gatekeeper",
    "poortwachter": "gatekeeper",
}
# Names Babel does not hold for a country (CLDR has no `UK`: ISO 3166-1 reserves it for GB).
COUNTRY_WORDS: Mapping[str, str] = {
    "uk": "GB",
    "u_k": "GB",
    "usa": "US",
    "u_s_a": "US",
    "u_s": "US",
}
#: The locales whose territory and language names are read (CLDR via Babel): the languages
#: of our users' lists. Every other spelling is a code (`ZA`, `en`) or an alias above.
NAME_LOCALES = ("fr", "nl", "en", "de", "es", "it", "pt")
# Spellings seen for a civility in FR, BE/NL, UK/IE, DE/AT and ES lists, and gender columns.
CIVILITY_WORDS: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "m",
            "mr",
            "monsieur",
            "messieurs",
            "dhr",
            "de_heer",
            "heer",
            "herr",
            "hr",
            "sr",
            "senor",
            "sir",
            "h",
            "homme",
            "male",
            "man",
            "masculin",
        ),
        "mr",
    ),
    **dict.fromkeys(
        (
            "mme",
            "mlle",
            "madame",
            "mademoiselle",
            "mrs",
            "ms",
            "miss",
            "mevr",
            "mevrouw",
            "mw",
            "frau",
            "fr",
            "sra",
            "srta",
            "senora",
            "f",
            "femme",
            "female",
            "woman",
            "vrouw",
            "feminin",
        ),
        "ms",
    ),
}
_ROLE_SPLIT = re.compile(r"[,;|/+]+")


#: A contact's own column stands for its company's field when no companies file gives one
#: (`recipient.company.size` from the contact's `Effectif`); a companies file overrides it.
CONTACT_COMPANY_FIELDS: Mapping[str, str] = {
    "company": "company.name",
    "sector": "company.sector",
    "size": "company.size",
    "tier": "company.tier",
    "country": "company.country",
}


def column_aliases(headers: Sequence[str], keys: Sequence[str]) -> tuple[tuple[int, str], ...]:
    """(column index, slug of its header) for each column whose canonical key is not its
    slug (`Civilité` -> civility, alias `civilite`): the slug gives the cell as typed, so every
    column is reachable by the name its header spells. A slug that is another column's key
    is left to that column."""
    taken = set(keys)
    aliases = []
    for index, (header, key) in enumerate(zip(headers, keys, strict=False)):
        slug = slugify(header)
        if slug and slug != key and slug not in taken and FIELD_SLUG.match(slug):
            taken.add(slug)
            aliases.append((index, slug))
    return tuple(aliases)


FIELD_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def field_hint(name: str, known: Iterable[str], prefix: str = "") -> str:
    """What to do about a field no column gives: the closest known name, if one is close."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    if close:
        return _("did you mean {name}?").format(name=f"{prefix}{close[0]}")
    return _("add the column to the list, or correct the name")


def canonical_key(header: str) -> str:
    """The canonical field key for a header (`Prénom` -> `first_name`), else its slug."""
    slug = slugify(header)
    return CANONICAL_BY_SLUG.get(slug, slug)


def parse_roles(value: str) -> frozenset[str]:
    """`Décideur, acheteur` -> {decider, buyer}; unknown words are kept as their slug."""
    roles = set()
    for part in _ROLE_SPLIT.split(value):
        slug = slugify(part)
        if slug:
            roles.add(ROLE_WORDS.get(slug, slug))
    return frozenset(roles)


@functools.cache
def country_index() -> Mapping[str, str]:
    """Folded country name -> ISO 3166-1 alpha-2, from CLDR (Babel) in NAME_LOCALES; built
    once, on first use. Groupings (`001`, `EU`, `UN`) and unknown (`ZZ`) are left out."""
    index: dict[str, str] = {}
    for name in NAME_LOCALES:
        for code, label in Locale.parse(name).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ"):
                index.setdefault(slugify(label), code)
    index.update(COUNTRY_WORDS)
    return index


@functools.cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code the index knows."""
    return frozenset(country_index().values())


@functools.cache
def language_index() -> Mapping[str, str]:
    """Folded language name -> ISO 639-1 code, from CLDR (Babel) in NAME_LOCALES (which
    include each of those languages' own name, `Nederlands`); built once, on first use."""
    index: dict[str, str] = {}
    for name in NAME_LOCALES:
        for code, label in Locale.parse(name).languages.items():
            if len(code) == 2 and code.isalpha():
                index.setdefault(slugify(label), code)
    return index


def normalize_country(value: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name in any of NAME_LOCALES or a code
    (`Afrique du Sud`, `South Africa`, `za` -> `ZA`); None when it is neither."""
    slug = slugify(value)
    if len(slug) == 2 and slug.upper() in country_codes():
        return slug.upper()
    return country_index().get(slug)


# A language code alone or as a locale: `en`, `EN`, `en-GB`, `fr_FR` (BCP 47 / POSIX).
_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{2,8})*")


def normalize_language(value: str) -> str | None:
    """ISO 639-1 code for a language name or a code (`Anglais`, `English`, `EN`, `en-GB`
    -> `en`); None when it is neither."""
    text = value.strip()
    tag = _LANGUAGE_TAG.fullmatch(text)
    if tag and tag.group(1).lower() in language_index().values():
        return tag.group(1).lower()
    return language_index().get(slugify(text))


def normalize_civility(value: str) -> str | None:
    """`mr` or `ms` for a civility or gender word (`M.`, `Mme`, `Dhr.`, `Frau`); None when
    unknown."""
    return CIVILITY_WORDS.get(slugify(value))


NORMALIZED_KEYS = frozenset({"roles", "stage", "country", "language", "civility"})
_CODES = {
    "country": normalize_country,
    "language": normalize_language,
    "civility": normalize_civility,
}


def normalize_cell(key: str, value: str) -> tuple[object, bool]:
    """(canonical form of one cell, whether it was recognised). An unrecognised country or
    language is kept as typed and an unrecognised civility becomes empty; the reader counts
    both for the segment report (`values`)."""
    if key == "roles":
        roles = parse_roles(value)
        known = set(ROLE_WORDS.values())
        return roles, all(r in known for r in roles)
    if key == "stage":
        slug = slugify(value)
        return STAGE_WORDS.get(slug, slug), slug in STAGE_WORDS
    code = _CODES[key](value) if key in _CODES else value
    if code is None:
        return ("" if key == "civility" else value), False
    return code, True


def normalize_value(key: str, value: str) -> object:
    """Canonical form of one cell: roles as a set, stage as its English word, country as
    ISO 3166-1 alpha-2, language as ISO 639-1, civility as `mr`, `ms` or empty."""
    return normalize_cell(key, value)[0]
