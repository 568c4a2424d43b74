"""`export_campaign`: the compiled campaign written for each ESP asked for — per email variant
its HTML, plain text, subject and preheader in the ESP's language, a README.txt saying where
each file goes, and with a recipient list the contacts CSV — into one output folder,
replaced atomically (output.atomic_directory)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from b2bmail.campaign import campaign_files
from b2bmail.errors import ConfigError
from b2bmail.export.compile import ExportCampaign, compile_for_export, write_template
from b2bmail.export.contacts import ContactList, read_contacts, write_contacts
from b2bmail.export.dialect import Esp
from b2bmail.i18n import _
from b2bmail.output import atomic_directory, check_outputs
from b2bmail.render.merge import MergeTemplate

#: The ESPs `export` writes for, each a module of this package.
ESP_KEYS = ("brevo", "mailchimp", "hubspot", "mailjet", "sendgrid", "sfmc", "listmonk")
#: Gmail clips a message whose HTML passes about 102 KB (lint rule B2B001's error level).
GMAIL_CLIP_BYTES = 102 * 1024
_LINK = re.compile(r"""\shref\s*=\s*["'](https?://[^"']*)["']""", re.I)
_BODY = re.compile(r"<body\b[^>]*>", re.I)


def get_esp(key: str) -> Esp:
    """The dialect of ESP `key` (one of ESP_KEYS)."""
    if key not in ESP_KEYS:
        raise ConfigError(
            _("unknown ESP {name}").format(name=repr(key)),
            hint=_("use one of {names}").format(names=", ".join(ESP_KEYS)),
        )
    esp: Esp = importlib.import_module(f"b2bmail.export.{key}").ESP
    return esp


@dataclass(frozen=True)
class VariantFiles:
    """One variant as written for one ESP."""

    name: str
    subject: str
    preheader: str
    html: str
    text: str

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))

    def tracked_bytes(self, esp: Esp) -> int:
        """Estimated HTML size once the ESP rewrites every http(s) link for click tracking:
        each URL replaced by a redirect URL of about `esp.tracked_link` characters."""
        urls = _LINK.findall(self.html)
        return self.html_bytes + sum(esp.tracked_link - len(u.encode("utf-8")) for u in urls)


@dataclass(frozen=True)
class EspExport:
    esp: Esp
    variants: tuple[VariantFiles, ...]

    @property
    def clipped(self) -> tuple[str, ...]:
        """The variants whose estimated size after link tracking passes Gmail's clip."""
        return tuple(v.name for v in self.variants if v.tracked_bytes(self.esp) > GMAIL_CLIP_BYTES)


@dataclass(frozen=True)
class ExportReport:
    out_dir: Path
    exports: tuple[EspExport, ...]
    contacts: ContactList | None


def render_for_esp(export: ExportCampaign, esp: Esp) -> EspExport:
    """Every variant of the campaign in `esp`'s language (NoEquivalentError on a construct
    it cannot express)."""
    campaign = export.campaign
    literal_ok = campaign.esp == esp.key
    mapping = campaign.esp_fields
    out = []
    attrs = tuple(sorted({esp.attribute(f, mapping) for f in export.fields}))
    prelude = esp.prelude(attrs)

    def write(template: MergeTemplate) -> str:
        return write_template(template, esp, export, mapping, literal_ok=literal_ok)

    for v in export.variants:
        c = v.compiled
        html = write(c.html)
        if prelude:
            body = _BODY.search(html)
            at = body.end() if body else 0
            html = html[:at] + prelude + html[at:]
        out.append(
            VariantFiles(
                v.name, write(c.subject), write(c.preheader), html, prelude + write(c.text)
            )
        )
    return EspExport(esp, tuple(out))


def readme(export: ExportCampaign, result: EspExport, contacts: ContactList | None) -> str:
    """README.txt: where each file goes, what maps to what, unsubscribe, tracking, contacts."""
    esp, campaign = result.esp, export.campaign
    mapping = campaign.esp_fields
    lines = [
        f"b2bmail export of campaign {campaign.name!r} for {esp.name}",
        "",
        "Where each file goes:",
        f"  {esp.place}",
        "",
        "Files, one folder per email (a segment, or a segment at some journey stages):",
    ]
    for v, files in zip(export.variants, result.variants, strict=True):
        stages = f" (stages: {', '.join(v.stages)})" if v.stages else ""
        lines.append(
            f"  {v.name}/ — segment {v.segment_id}{stages}: email.html, email.txt,"
            f" subject.txt ({files.subject!r}), preheader.txt"
        )
    lines += ["", "Merge fields (b2bmail field -> " + esp.name + " attribute):"]
    for name in export.fields:
        lines.append(f"  {name} -> {esp.attribute(name, mapping)}")
    lines += [
        "  (set other names in the campaign: esp: {fields: {first_name: MY_ATTRIBUTE}})",
        "",
        "Unsubscribe:",
        f"  The unsubscribe link is {esp.name}'s placeholder {esp.unsubscribe_for(campaign.locale)};"
        f" {esp.name} adds the List-Unsubscribe header and keeps the unsubscribes."
        " b2bmail's unsubscribe URL and token are not used.",
        "",
        "Values:",
        f"  {esp.name} {'HTML-escapes' if esp.escapes_html else 'inserts as typed'} the values"
        " it merges into HTML.",
        "",
        "Click tracking:",
        f"  {esp.name} rewrites every link for click tracking (a redirect URL of about"
        f" {esp.tracked_link} characters, estimated from its documented links). UTM parameters"
        " stay on every link. Gmail clips HTML past 102 KB; estimated size after the rewrite:",
    ]
    for files in result.variants:
        flag = "  <- over Gmail's clip" if files.name in result.clipped else ""
        lines.append(
            f"  {files.name}: {files.html_bytes / 1024:.1f} KB as written,"
            f" about {files.tracked_bytes(esp) / 1024:.1f} KB tracked{flag}"
        )
    if contacts is not None:
        delimiter = {";": "semicolon", ",": "comma", "\t": "tab"}[esp.csv_delimiter]
        left = ", ".join(f"{k} {n}" for k, n in contacts.left_out.items() if n) or "none"
        column = esp.segment_column or "attribute `segment` in attributes"
        lines += [
            "",
            "Contacts:",
            f"  contacts.csv: {len(contacts.contacts)} contact(s), {esp.csv_encoding.upper()},"
            f" {delimiter}-separated; the segment is in {column}.",
            f"  Left out of {contacts.rows_read} row(s) read: {left}.",
        ]
    lines += ["", "Documentation:", *(f"  {url}" for url in esp.docs), ""]
    return "\n".join(lines)


def export_campaign(
    campaign_path: str | Path,
    esps: Iterable[str],
    out_dir: str | Path,
    *,
    segment_ids: Iterable[str] | None = None,
    recipients: str | Path | None = None,
    suppress: Iterable[str | Path] = (),
    companies: str | Path | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ExportReport:
    """Compile the campaign once and write OUT/<esp>/ for each ESP: per variant email.html,
    email.txt, subject.txt, preheader.txt; README.txt; contacts.csv with `recipients`."""
    chosen = [get_esp(k) for k in dict.fromkeys(esps)]
    export = compile_for_export(campaign_path, segment_ids)
    suppress = tuple(suppress)
    inputs = (*campaign_files(export.campaign), recipients, companies, *suppress)
    check_outputs((), inputs, folders=(out_dir,))
    results = [render_for_esp(export, esp) for esp in chosen]
    contacts = (
        read_contacts(
            export,
            recipients,
            suppress=suppress,
            companies=companies,
            encoding=encoding,
            delimiter=delimiter,
        )
        if recipients is not None
        else None
    )
    with atomic_directory(out_dir, inputs=inputs) as stage:
        for result in results:
            _write_esp(stage / result.esp.key, export, result, contacts)
    return ExportReport(Path(out_dir), tuple(results), contacts)


def _write_esp(
    folder: Path, export: ExportCampaign, result: EspExport, contacts: ContactList | None
) -> None:
    files: Mapping[str, str]
    for v in result.variants:
        files = {
            "email.html": v.html,
            "email.txt": v.text,
            "subject.txt": v.subject + "\n",
            "preheader.txt": v.preheader + "\n",
        }
        (folder / v.name).mkdir(parents=True)
        for name, text in files.items():
            (folder / v.name / name).write_text(text, encoding="utf-8", newline="")
    (folder / "README.txt").write_text(readme(export, result, contacts), encoding="utf-8")
    if contacts is not None:
        write_contacts(contacts, result.esp, export.campaign.esp_fields, folder / "contacts.csv")
