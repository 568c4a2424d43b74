"""An optional companies file, joined to contacts on a company id or on the e-mail domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import idna

from b2bmail.errors import ConfigError, InputError
from b2bmail.i18n import _
from b2bmail.recipients.addresses import AddressCheck, free_domains
from b2bmail.recipients.fields import normalize_value, slugify
from b2bmail.recipients.reader import open_records, read_header

ID_HEADERS = ("id", "company_id", "id_societe", "societe_id", "id_entreprise", "account_id")
DOMAIN_HEADERS = ("domain", "domaine", "email_domain", "website", "site_web", "site", "web", "url")
COMPANY_ALIASES = {
    "secteur": "sector",
    "industry": "sector",
    "secteur_d_activite": "sector",
    "taille": "size",
    "effectif": "size",
    "headcount": "size",
    "pays": "country",
    "niveau": "tier",
    "nom": "name",
    "societe": "name",
    "company": "name",
    "raison_sociale": "name",
    "chiffre_d_affaires": "revenue",
    "ca": "revenue",
}
# A contact's own value wins; these come from the company when the contact has none.
INHERITED = ("sector", "size", "tier", "country")


@dataclass(frozen=True)
class CompanyIndex:
    """Company records (fields keyed `company.<key>`) by id and by ASCII domain."""

    path: Path
    by_id: Mapping[str, Mapping[str, object]]
    by_domain: Mapping[str, Mapping[str, object]]

    @property
    def field_names(self) -> frozenset[str]:
        """Every field a company record gives (`company.<key>`), and the contact fields it
        fills (INHERITED, `company`)."""
        names = {k for record in self.by_id.values() for k in record}
        names.update(k for record in self.by_domain.values() for k in record)
        names.update(INHERITED)
        names.add("company")
        return frozenset(names)

    def find(
        self, fields: Mapping[str, object], check: AddressCheck
    ) -> Mapping[str, object] | None:
        company_id = fields.get("company_id")
        if isinstance(company_id, str) and company_id.strip() in self.by_id:
            return self.by_id[company_id.strip()]
        if not check.valid or check.ascii_domain in free_domains():
            return None
        labels = check.ascii_domain.split(".")
        for i in range(len(labels) - 1):
            hit = self.by_domain.get(".".join(labels[i:]))
            if hit is not None:
                return hit
        return None

    def join(self, fields: Mapping[str, object], check: AddressCheck) -> dict[str, object]:
        """`fields` plus `company.<key>` fields and inherited sector/size/tier/country."""
        merged = dict(fields)
        company = self.find(fields, check)
        if company is None:
            return merged
        merged.update(company)
        for key in INHERITED:
            if key not in merged and f"company.{key}" in company:
                merged[key] = company[f"company.{key}"]
        if "company" not in merged and "company.name" in company:
            merged["company"] = company["company.name"]
        return merged


def _domain_key(value: str, path: Path, line: int) -> str:
    text = value.strip().lower()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError as exc:  # `http://[bad`: an IPv6 literal left open, and the like
            raise InputError(
                _("the domain {value} is not a domain or a URL ({error})").format(
                    value=repr(value.strip()), error=exc
                ),
                path=path,
                line=line,
                hint=_("write the domain (acme.fr) or the site's URL (https://www.acme.fr/)"),
            ) from None
    text = text.split("/", 1)[0].lstrip("@")
    if text.startswith("www."):
        text = text[4:]
    try:
        return idna.encode(text, uts46=True).decode("ascii") if text else ""
    except idna.IDNAError:
        return text


def load_companies(
    path: str | Path, *, encoding: str | None = None, delimiter: str | None = None
) -> CompanyIndex:
    """Read a companies CSV with an id column and/or a domain column.

    Values stay text (a company named `Infinity` or `1e400` keeps its name); a rule comparing
    a field as a number converts it then (`segments`).
    """
    source = Path(path)
    by_id: dict[str, Mapping[str, object]] = {}
    by_domain: dict[str, Mapping[str, object]] = {}
    _fmt, records = open_records(source, encoding, delimiter)  # decoded once, not twice
    _line, headers = read_header(source, records)
    slugs = [slugify(h) for h in headers]
    keys = [COMPANY_ALIASES.get(s, s) for s in slugs]
    id_col = next((i for i, s in enumerate(slugs) if s in ID_HEADERS), None)
    domain_col = next((i for i, s in enumerate(slugs) if s in DOMAIN_HEADERS), None)
    if id_col is None and domain_col is None:
        raise ConfigError(
            _("the companies file has neither an id nor a domain column"),
            path=source,
            line=1,
            hint=_("add a column named id (matching company_id in the list) or domain"),
        )
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        record: dict[str, object] = {}
        for i, (key, cell) in enumerate(zip(keys, cells, strict=False)):
            value = cell.strip()
            if value and i not in (id_col, domain_col):
                record[f"company.{key}"] = (
                    normalize_value(key, value) if key == "country" else value
                )
        if id_col is not None and id_col < len(cells) and cells[id_col].strip():
            record["company.id"] = cells[id_col].strip()
            by_id.setdefault(cells[id_col].strip(), record)
        if domain_col is not None and domain_col < len(cells):
            domain = _domain_key(cells[domain_col], source, line)
            if domain:
                record["company.domain"] = domain
                by_domain.setdefault(domain, record)
    return CompanyIndex(source, by_id, by_domain)
