"""Header names and cell values turned into the canonical recipient fields (INTERFACES.md).

Headers are matched case- and accent-insensitively through their slug (`Adresse E-mail` ->
`adresse_e_mail`) against the aliases below; any other column keeps its slug as key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
    "language": ("language", "langue", "lang", "sprache", "locale"),
    "tier": ("tier", "niveau", "palier"),
    "size": ("size", "taille", "company_size", "effectif", "headcount", "taille_entreprise"),
}
CANONICAL_BY_SLUG: Mapping[str, str] = {
    alias: key for key, aliases in ALIASES.items() for alias in aliases
}

# Buying roles (INTERFACES.md) and the French/German words seen for them in CRM exports.
ROLE_WORDS: Mapping[str, str] = {
    "decider": "decider",
    "decideur": "decider",
    "decision_maker": "decider",
    "entscheider": "decider",
    "buyer": "buyer",
    "acheteur": "buyer",
    "achats": "buyer",
    "einkaufer": "buyer",
    "prescriber": "prescriber",
    "prescripteur": "prescriber",
    "influencer": "influencer",
    "influenceur": "influencer",
    "end_user": "end_user",
    "user": "end_user",
    "utilisateur": "end_user",
    "utilisateur_final": "end_user",
    "enduser": "end_user",
    "gatekeeper": "gatekeeper",
    "filtre": "gatekeeper",
    "barrage": "gatekeeper",
}
COUNTRY_WORDS: Mapping[str, str] = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "belgie": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "schweiz": "CH",
    "allemagne": "DE",
    "germany": "DE",
    "deutschland": "DE",
    "luxembourg": "LU",
    "pays_bas": "NL",
    "netherlands": "NL",
    "nederland": "NL",
    "espagne": "ES",
    "spain": "ES",
    "italie": "IT",
    "italy": "IT",
    "royaume_uni": "GB",
    "united_kingdom": "GB",
    "uk": "GB",
    "autriche": "AT",
    "austria": "AT",
    "canada": "CA",
    "etats_unis": "US",
    "united_states": "US",
    "usa": "US",
}
_ROLE_SPLIT = re.compile(r"[,;|/+]+")


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


NORMALIZED_KEYS = frozenset({"roles", "stage", "country", "language"})


def normalize_value(key: str, value: str) -> object:
    """Canonical form of one cell: roles as a set, stage as its English word, country ISO."""
    if key == "roles":
        return parse_roles(value)
    if key == "stage":
        slug = slugify(value)
        return STAGE_WORDS.get(slug, slug)
    if key == "country":
        slug = slugify(value)
        if len(slug) == 2 and slug.isalpha():
            return "GB" if slug == "uk" else slug.upper()
        return COUNTRY_WORDS.get(slug, value)
    if key == "language":
        return value.lower()
    return value
