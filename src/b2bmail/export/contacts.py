"""The contact list an ESP imports: the routed recipient rows of the built segments, with the
ESP's attribute names, a segment column holding each row's email (variant), in the encoding
and delimiter its importer documents (data/esp.yaml). Rows that are not sent (suppressed,
invalid, duplicate, unassigned, missing a value the email needs) are left out and counted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from b2bmail.export.compile import ExportCampaign
from b2bmail.export.dialect import Esp
from b2bmail.export.listmonk import SUBSCRIBER_FIELDS
from b2bmail.output import SafeCsvWriter, csv_writer
from b2bmail.personalize.build import MERGE_PROVIDED, merge_text, routed_rows
from b2bmail.personalize.plan import NAME_FIELDS
from b2bmail.recipients.buckets import RESERVED
from b2bmail.recipients.companies import load_companies
from b2bmail.recipients.needs import ListFields
from b2bmail.recipients.reader import read_recipients
from b2bmail.recipients.segmenting import rule_uses, segment_assigner
from b2bmail.render.mime import clean_value
from b2bmail.segments import load_segments


@dataclass(frozen=True)
class Contact:
    variant: str
    values: Mapping[str, str]  # our field names -> cleaned value


@dataclass
class ContactList:
    """The rows to import and the counts of those left out, by reason."""

    fields: tuple[str, ...]  # our field names, email first
    contacts: list[Contact] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0


def read_contacts(
    export: ExportCampaign,
    recipients: str | Path,
    *,
    suppress: Iterable[str | Path] = (),
    companies: str | Path | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ContactList:
    """Route the list as `build --recipients` does (recipients/, personalize.routed_rows) and
    keep the rows of the exported segments with the fields the emails merge."""
    campaign = export.campaign
    segments = load_segments(campaign.segments)
    assign = segment_assigner(segments, campaign.locale)
    table = read_recipients(recipients, encoding=encoding, delimiter=delimiter)
    index = load_companies(companies) if companies is not None else None
    joined = index.field_names if index is not None else frozenset()
    # The fields the emails merge, checked as the per-recipient build checks them
    # (recipients.needs): given by a column, and filled in some row.
    merged = set(export.fields) - MERGE_PROVIDED - NAME_FIELDS
    list_fields = ListFields(
        table.path, table.field_names | joined, (campaign.template, campaign.path)
    )
    list_fields.check_given(merged)
    required = {
        f.name
        for v in export.variants
        for t in (v.compiled.subject, v.compiled.preheader, v.compiled.html, v.compiled.text)
        for f in t.parts
        if not isinstance(f, str) and f.fallback is None
    } & set(export.fields)
    wanted = tuple(dict.fromkeys(("email", *export.fields)))
    result = ContactList(fields=wanted, left_out=dict.fromkeys(RESERVED, 0))
    for _rec, fields, outcome, _key in routed_rows(
        table, assign, companies=index, suppress=suppress, uses=rule_uses(segments)
    ):
        result.rows_read += 1
        bucket = outcome.bucket
        variant = export.variant_for(bucket, fields.get("stage"))
        if variant is None:
            reason = bucket if bucket in RESERVED else "not-selected"
            result.left_out[reason] = result.left_out.get(reason, 0) + 1
            continue
        values = {name: clean_value(merge_text(fields[name])) for name in wanted if name in fields}
        if any(not values.get(name, "").strip() for name in required if name != "email"):
            result.left_out["missing-value"] = result.left_out.get("missing-value", 0) + 1
            continue
        values["email"] = str(fields.get("email", outcome.email))
        result.contacts.append(Contact(variant.name, values))
    if result.rows_read:
        list_fields.check_filled(merged, table.filled_names | joined)
    return result


def write_contacts(contacts: ContactList, esp: Esp, mapping: Mapping[str, str], path: Path) -> None:
    """contacts.csv for `esp`: its attribute names, its segment column, its encoding and
    delimiter; cells through output.csv_writer (spreadsheet formulas made inert)."""
    with path.open("w", encoding=esp.csv_encoding, newline="") as stream:
        writer = csv_writer(stream, delimiter=esp.csv_delimiter)
        if esp.key == "listmonk":
            _write_listmonk(contacts, esp, mapping, writer)
            return
        writer.writerow([*(esp.attribute(f, mapping) for f in contacts.fields), esp.segment_column])
        for c in contacts.contacts:
            writer.writerow([*(c.values.get(f, "") for f in contacts.fields), c.variant])


def _write_listmonk(
    contacts: ContactList, esp: Esp, mapping: Mapping[str, str], writer: SafeCsvWriter
) -> None:
    # listmonk's importer reads `email, name, attributes` (attributes a JSON object,
    # https://listmonk.app/docs/import/); FirstName is the first word of `name`.
    writer.writerow(["email", "name", "attributes"])
    for c in contacts.contacts:
        name = " ".join(c.values.get(k, "") for k in ("first_name", "last_name")).strip()
        name = name or c.values["email"].partition("@")[0]  # listmonk requires a name
        attribs = {
            esp.attribute(f, mapping): c.values.get(f, "")
            for f in contacts.fields
            if esp.attribute(f, mapping) not in SUBSCRIBER_FIELDS
        }
        attribs["segment"] = c.variant
        writer.writerow([c.values["email"], name, json.dumps(attribs, ensure_ascii=False)])
