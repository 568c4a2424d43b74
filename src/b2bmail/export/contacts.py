"""The contact list an ESP imports: the routed recipient rows of the built segments, with the
ESP's attribute names, a segment column holding each row's email (variant), in the encoding
and delimiter its importer documents (data/esp.yaml). Rows that are not sent (suppressed,
invalid, duplicate, unassigned, missing a value the email needs) are left out and counted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from b2bmail.export.compile import ExportCampaign, ExportCompiler, Route, templates_of
from b2bmail.export.dialect import Esp, UrlCopy
from b2bmail.export.listmonk import SUBSCRIBER_FIELDS
from b2bmail.export.versions import VARIANT_FIELD
from b2bmail.output import SafeCsvWriter, csv_writer
from b2bmail.personalize.build import MERGE_PROVIDED, recipient_values, routed_rows
from b2bmail.personalize.plan import NAME_FIELDS, RecipientValueError
from b2bmail.recipients.buckets import RESERVED
from b2bmail.recipients.companies import load_companies
from b2bmail.recipients.needs import ListFields
from b2bmail.recipients.reader import read_recipients
from b2bmail.recipients.segmenting import rule_uses, segment_assigner
from b2bmail.segments import load_segments

#: The contact attribute holding the campaign language a contact gets (`languages`).
LANGUAGE_FIELD = "language"


@dataclass(frozen=True)
class Contact:
    route: Route  # its email, and its version of it
    values: Mapping[str, str]  # our field names -> cleaned value

    def segment(self, esp: Esp) -> str:
        """The segment column's value: the folder of the template this contact gets (with
        its version's subfolder where the ESP gets one template per version)."""
        variant = self.route.variant
        if esp.choice is None and len(variant.leaves) > 1:
            return f"{variant.name}/{self.route.key}"
        return variant.name


@dataclass
class ContactList:
    """The rows to import and the counts of those left out, by reason."""

    fields: tuple[str, ...]  # our field names, email first
    contacts: list[Contact] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0


def read_contacts(
    compiler: ExportCompiler,
    recipients: str | Path,
    *,
    suppress: Iterable[str | Path] = (),
    companies: str | Path | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> tuple[ExportCampaign, ContactList]:
    """Route the list as `build --recipients` does (recipients/, personalize.routed_rows):
    each row of an exported segment picks its version of the email (ExportCompiler.leaf, the
    VariantRouter), then the emails are final and each contact gets the fields they merge,
    computed as the build computes them (personalize.build.recipient_values: cleaned values,
    the salutation), its language and its version (`b2bmail_variant`)."""
    campaign = compiler.campaign
    segments = load_segments(campaign.segments)
    assign = segment_assigner(segments, campaign.locale)
    table = read_recipients(recipients, encoding=encoding, delimiter=delimiter)
    index = load_companies(companies) if companies is not None else None
    left_out = dict.fromkeys(RESERVED, 0)
    rows: list[tuple[str, int, Mapping[str, object], str]] = []
    read = 0
    for _rec, fields, outcome in routed_rows(
        table, assign, companies=index, suppress=suppress, uses=rule_uses(segments)
    ):
        read += 1
        bucket = outcome.bucket
        try:
            leaf = compiler.leaf(bucket, fields) if bucket not in RESERVED else None
        except RecipientValueError as exc:
            raise exc.at_row(table.path, outcome.row) from None
        if leaf is None:
            reason = bucket if bucket in RESERVED else "not-selected"
            left_out[reason] = left_out.get(reason, 0) + 1
            continue
        rows.append((bucket, leaf, fields, outcome.email))
    export = compiler.finish(routed=True)
    # The fields the emails merge or branch on, checked as the per-recipient build checks them
    # (recipients.needs): given by a column, and filled in some row. Otherwise each would be
    # blank, or its fallback, or the `else`, for every contact without a word.
    joined = index.field_names if index is not None else frozenset()
    named = {*export.fields, *(name for name in export.read if name != LANGUAGE_FIELD)}
    merged = named - MERGE_PROVIDED - NAME_FIELDS
    list_fields = ListFields(
        table.path, frozenset(table.field_names | joined), (campaign.template, campaign.path)
    )
    list_fields.check_given(merged)
    if read:
        list_fields.check_filled(merged, table.filled_names | joined)
    required = {
        f.name
        for v in export.variants
        for _key, compiled in v.leaves
        for t in templates_of(compiled)
        for f in t.parts
        if not isinstance(f, str) and f.fallback is None
    } & set(export.fields)
    extra: tuple[str, ...] = (LANGUAGE_FIELD,) if campaign.languages else ()
    extra += (VARIANT_FIELD,) if export.versioned else ()
    wanted = tuple(dict.fromkeys(("email", *export.fields, *extra)))
    result = ContactList(fields=wanted, left_out=left_out, rows_read=read)
    for segment_id, leaf, fields, email in rows:
        route = export.route(segment_id, leaf, fields.get("stage"))
        assert route is not None  # every leaf routed is in the export
        values, _cleaned = recipient_values(
            fields, {}, frozenset(wanted), route.variant.compiled.locale
        )
        if any(not values.get(name, "").strip() for name in required if name != "email"):
            left_out["missing-value"] = left_out.get("missing-value", 0) + 1
            continue
        values["email"] = str(fields.get("email", email))
        if campaign.languages:
            values[LANGUAGE_FIELD] = route.variant.language  # the language it gets
        if export.versioned:
            values[VARIANT_FIELD] = route.key if len(route.variant.leaves) > 1 else ""
        result.contacts.append(Contact(route, {k: v for k, v in values.items() if k in wanted}))
    return export, result


def write_contacts(
    contacts: ContactList,
    esp: Esp,
    mapping: Mapping[str, str],
    path: Path,
    *,
    copies: tuple[UrlCopy, ...] = (),
) -> None:
    """contacts.csv for `esp`: its attribute names, the pre-encoded copies of the values its
    template merges inside URLs (UrlCopy), its segment column, its encoding and delimiter;
    cells through output.csv_writer (spreadsheet formulas made inert)."""
    with path.open("w", encoding=esp.csv_encoding, newline="") as stream:
        writer = csv_writer(stream, delimiter=esp.csv_delimiter)
        if esp.key == "listmonk":
            _write_listmonk(contacts, esp, mapping, writer, copies)
            return
        header = [esp.attribute(f, mapping) for f in contacts.fields]
        writer.writerow([*header, *(c.attr for c in copies), esp.segment_column])
        for c in contacts.contacts:
            cells = [c.values.get(f, "") for f in contacts.fields]
            writer.writerow([*cells, *(u.value(c.values) for u in copies), c.segment(esp)])


def _write_listmonk(
    contacts: ContactList,
    esp: Esp,
    mapping: Mapping[str, str],
    writer: SafeCsvWriter,
    copies: tuple[UrlCopy, ...],
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
        attribs.update((u.attr, u.value(c.values)) for u in copies)
        attribs["segment"] = c.segment(esp)
        writer.writerow([c.values["email"], name, json.dumps(attribs, ensure_ascii=False)])
