"""`export_campaign`: the compiled campaign written for each ESP asked for — per email variant
its HTML, plain text, subject and preheader in the ESP's language, a README.txt saying where
each file goes, and with a recipient list the contacts CSV — into one output folder,
replaced atomically (output.atomic_directory)."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from b2bmail.campaign import campaign_files
from b2bmail.config import Campaign
from b2bmail.errors import ConfigError
from b2bmail.export.compile import (
    ExportCampaign,
    ExportCompiler,
    ExportVariant,
    templates_of,
    url_copies,
    write_template,
)
from b2bmail.export.contacts import LANGUAGE_FIELD, ContactList, read_contacts, write_contacts
from b2bmail.export.dialect import Esp, UrlCopy
from b2bmail.export.versions import VARIANT_FIELD, Part
from b2bmail.i18n import _, format_kb, ngettext
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
    """One email (or one version of it) as written for one ESP."""

    name: str  # its folder
    subject: str
    preheader: str
    html: str
    text: str
    variant: ExportVariant | None = None  # what it is the email of
    key: str = ""  # the version it holds, when written one folder per version

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
    url_copies: tuple[UrlCopy, ...] = ()  # attributes of contacts.csv holding encoded values

    @functools.cached_property
    def tracked_sizes(self) -> tuple[int, ...]:
        """Each variant's estimated HTML size after link tracking (VariantFiles.tracked_bytes),
        in order: estimated once, as each estimate scans a whole page."""
        return tuple(v.tracked_bytes(self.esp) for v in self.variants)

    @functools.cached_property
    def clipped(self) -> tuple[str, ...]:
        """The variants whose estimated size after link tracking passes Gmail's clip (found
        once: README.txt asks it for each variant)."""
        sizes = zip(self.variants, self.tracked_sizes, strict=True)
        return tuple(v.name for v, size in sizes if size > GMAIL_CLIP_BYTES)

    @property
    def versions(self) -> str:
        """How the versions of an email reach their contacts: "" (no email has several),
        "conditional" (the ESP's conditional on b2bmail_variant) or "templates" (one
        template per version)."""
        if not any(f.variant is not None and len(f.variant.leaves) > 1 for f in self.variants):
            return ""
        return "conditional" if self.esp.choice is not None else "templates"


@dataclass(frozen=True)
class ExportReport:
    out_dir: Path
    exports: tuple[EspExport, ...]
    contacts: ContactList | None
    read: tuple[str, ...] = ()  # the recipient fields the templates' logic reads
    unwritten: tuple[str, ...] = ()  # segments with versions and no contact: no email


#: An attribute name as every dialect writes it inside its tags (`*|NAME|*`,
#: `{{ contact.NAME }}`, `.Subscriber.Attribs.NAME`): letters, digits and `_`.
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_attribute_names(campaign: Campaign, esp: Esp) -> None:
    """ConfigError (the campaign's line) for an `esp.fields` name that is not a plain name:
    written inside the ESP's tags, `FNAME|*` or `x }}` would end the tag or start another."""
    for field_name, attr in campaign.esp_fields.items():
        if not _ATTRIBUTE.fullmatch(attr):
            raise ConfigError(
                _(
                    "esp.fields gives {field} the attribute name {attr}, which {esp} would"
                    " read as part of its tags"
                ).format(field=field_name, attr=repr(attr), esp=esp.name),
                path=campaign.path,
                line=campaign.line_of(f"esp.fields.{field_name}") or campaign.line_of("esp"),
                hint=_("use letters, digits and _ only, as the attribute is named in {esp}").format(
                    esp=esp.name
                ),
            )


def render_for_esp(export: ExportCampaign, esp: Esp) -> EspExport:
    """Every variant of the campaign in `esp`'s language (NoEquivalentError on a construct
    it cannot express). An email with several versions is one template with the ESP's
    conditional on `b2bmail_variant` where esp.yaml documents one, else one per version."""
    campaign = export.campaign
    literal_ok = campaign.esp == esp.key
    mapping = campaign.esp_fields
    check_attribute_names(campaign, esp)
    copies = url_copies(export, esp, mapping)
    out = []
    merged = export.versioned and esp.choice is not None
    fields = (*export.fields, VARIANT_FIELD) if merged else export.fields
    attrs = tuple(sorted({esp.attribute(f, mapping) for f in fields}))
    prelude = esp.prelude(attrs)

    def write(template: MergeTemplate | Sequence[Part]) -> str:
        return write_template(template, esp, export, mapping, literal_ok=literal_ok)

    def files(
        name: str,
        templates: Sequence[MergeTemplate | Sequence[Part]],
        variant: ExportVariant,
        key: str,
    ) -> VariantFiles:
        subject, preheader, html_template, text_template = templates
        html = write(html_template)
        if prelude:
            body = _BODY.search(html)
            at = body.end() if body else 0
            html = html[:at] + prelude + html[at:]
        return VariantFiles(
            name,
            write(subject),
            write(preheader),
            html,
            prelude + write(text_template),
            variant,
            key,
        )

    for v in export.variants:
        if len(v.leaves) == 1:
            out.append(files(v.name, templates_of(v.compiled), v, ""))
        elif esp.choice is not None:
            out.append(files(v.name, v.merged, v, ""))
        else:
            out += [files(f"{v.name}/{key}", templates_of(c), v, key) for key, c in v.leaves]
    return EspExport(esp, tuple(out), copies)


def url_copies_text(result: EspExport) -> list[str]:
    """Which contact attributes are pre-encoded copies and why (README.txt, the summary)."""
    if not result.url_copies:
        return []
    return [
        _(
            "  {attr} is a pre-encoded copy of recipient.{name}: {esp} documents no way to"
            " percent-encode a value inside a URL, so b2bmail wrote each contact's value"
            " (its fallback when blank) percent-encoded as its own build writes it in the"
            " link, and the template merges {attr} there as it is. Keep it in the import;"
            " when the value changes, export again."
        ).format(attr=copy.attr, name=copy.name, esp=result.esp.name)
        for copy in result.url_copies
    ]


def readme(export: ExportCampaign, result: EspExport, contacts: ContactList | None) -> str:
    """README.txt: where each file goes, what maps to what, unsubscribe, tracking, contacts;
    in the language of the run, like every text b2bmail writes for a person (the ESP's own
    words inside it, such as its menu paths, stay as the ESP writes them)."""
    esp, campaign = result.esp, export.campaign
    mapping = campaign.esp_fields
    lines = [
        _("b2bmail export of campaign {name} for {esp}").format(
            name=repr(campaign.name), esp=esp.name
        ),
        "",
        _("Where each file goes:"),
        f"  {esp.place}",
        "",
        _("Files, one folder per email (a segment, or a segment at some journey stages):"),
    ]
    for files in result.variants:
        v = files.variant
        assert v is not None
        notes = [
            *([_("stages: {stages}").format(stages=", ".join(v.stages))] if v.stages else []),
            *([_("language: {language}").format(language=v.language)] if v.language else []),
            *([_("version {key}").format(key=files.key)] if files.key else []),
        ]
        lines.append(
            _(
                "  {folder}/ — segment {segment}{notes}: email.html, email.txt, subject.txt"
                " ({subject}), preheader.txt"
            ).format(
                folder=files.name,
                segment=v.segment_id,
                notes="".join(f" ({note})" for note in notes),
                subject=repr(files.subject),
            )
        )
    lines += versions_text(export, result)
    if export.unwritten:
        lines.append(
            _(
                "  Not written: {segments} — no contact of the list is in them, and the"
                " versions of their email depend on the contacts' values."
            ).format(segments=", ".join(export.unwritten))
        )
    lines += ["", _("Merge fields (b2bmail field -> {esp} attribute):").format(esp=esp.name)]
    for name in export.fields:
        lines.append(f"  {name} -> {esp.attribute(name, mapping)}")
    lines += url_copies_text(result)
    values = (
        _("  {esp} HTML-escapes the values it merges into HTML.")
        if esp.escapes_html
        else _("  {esp} inserts the values it merges into HTML as typed.")
    )
    lines += [
        _("  (set other names in the campaign: esp: {fields: {first_name: MY_ATTRIBUTE}})"),
        "",
        _("Unsubscribe:"),
        _(
            "  The unsubscribe link is {esp}'s placeholder {placeholder}; {esp} adds the"
            " List-Unsubscribe header and keeps the unsubscribes. b2bmail's unsubscribe URL"
            " and token are not used."
        ).format(esp=esp.name, placeholder=esp.unsubscribe_for(campaign.locale)),
        "",
        _("Values:"),
        values.format(esp=esp.name),
        "",
        _("Click tracking:"),
        _(
            "  {esp} rewrites every link for click tracking (a redirect URL of about {length}"
            " characters, estimated from its documented links). UTM parameters stay on every"
            " link. Gmail clips HTML past 102 KB; estimated size after the rewrite:"
        ).format(esp=esp.name, length=esp.tracked_link),
    ]
    for files, tracked in zip(result.variants, result.tracked_sizes, strict=True):
        flag = _("  <- over Gmail's clip") if files.name in result.clipped else ""
        lines.append(
            _("  {folder}: {written} as written, about {tracked} tracked{flag}").format(
                folder=files.name,
                written=format_kb(files.html_bytes),
                tracked=format_kb(tracked),
                flag=flag,
            )
        )
    if contacts is not None:
        delimiter = {
            ";": _("semicolon-separated"),
            ",": _("comma-separated"),
            "\t": _("tab-separated"),
        }[esp.csv_delimiter]
        left = ", ".join(f"{k} {n}" for k, n in contacts.left_out.items() if n) or _("none")
        column = esp.segment_column or _("attribute `segment` in attributes")
        lines += [
            "",
            _("Contacts:"),
            ngettext(
                "  contacts.csv: {n} contact, {encoding}, {delimiter}; the segment is in {column}.",
                "  contacts.csv: {n} contacts, {encoding}, {delimiter}; the segment is in {column}.",
                len(contacts.contacts),
            ).format(
                n=len(contacts.contacts),
                encoding=esp.csv_encoding.upper(),
                delimiter=delimiter,
                column=column,
            ),
            _("  Left out of {rows} row(s) read: {left}.").format(
                rows=contacts.rows_read, left=left
            ),
        ]
    lines += ["", _("Documentation:"), *(f"  {url}" for url in esp.docs), ""]
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
    compiler = ExportCompiler(campaign_path, segment_ids)
    suppress = tuple(suppress)
    inputs = (*campaign_files(compiler.campaign), recipients, companies, *suppress)
    check_outputs((), inputs, folders=(out_dir,))
    contacts: ContactList | None = None
    if recipients is None:
        export = compiler.finish(routed=False)
    else:
        # The list decides the versions of an email whose logic reads recipient values.
        export, contacts = read_contacts(
            compiler,
            recipients,
            suppress=suppress,
            companies=companies,
            encoding=encoding,
            delimiter=delimiter,
        )
    results = [render_for_esp(export, esp) for esp in chosen]
    with atomic_directory(out_dir, inputs=inputs) as stage:
        for result in results:
            _write_esp(stage / result.esp.key, export, result, contacts)
    return ExportReport(Path(out_dir), tuple(results), contacts, export.read, export.unwritten)


def versions_text(export: ExportCampaign, result: EspExport) -> list[str]:
    """README.txt's word on languages and on the versions of an email: which path was taken
    (the ESP's conditional, or one template per version) and why, and who gets which."""
    esp, campaign = result.esp, export.campaign
    mapping = campaign.esp_fields
    lines: list[str] = []
    if campaign.languages:
        lines += [
            "",
            _("Languages:"),
            _(
                "  One email per language ({languages}): <segment>/<language>/. Each contact"
                " gets the one of its `{column}` attribute (its language when the campaign"
                " has it, else {default})."
            ).format(
                languages=", ".join(campaign.languages),
                column=esp.attribute(LANGUAGE_FIELD, mapping),
                default=campaign.languages[0],
            ),
        ]
    if not result.versions:
        return lines
    attr = esp.attribute(VARIANT_FIELD, mapping)
    read = ", ".join(f"recipient.{name}" for name in export.read if name != "language")
    lines += ["", _("Versions:")]
    lines.append(
        _(
            "  The template's logic reads {fields}: b2bmail made one version of the email per"
            " combination of their values in the list (v1, v2, …), and each contact's version"
            " is its `{attr}` attribute in contacts.csv."
        ).format(fields=read or "recipient values", attr=attr)
    )
    if result.versions == "conditional":
        lines.append(
            _(
                "  {esp} has a conditional on a contact attribute: each email is one"
                " template, whose differing parts are written once per version inside"
                " {esp}'s conditional on `{attr}`. Import contacts.csv with that attribute"
                " and send each email to its segment."
            ).format(esp=esp.name, attr=attr)
        )
    else:
        lines.append(
            _(
                "  {esp}: b2bmail writes no conditional for it (esp.yaml documents none it"
                " can mix with its merge tags), so each version is its own template, in"
                " <email>/<version>/. The segment column of contacts.csv names that folder:"
                " make one segment (or list) per value and send each folder's email to it."
            ).format(esp=esp.name)
        )
    return lines


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
        write_contacts(
            contacts,
            result.esp,
            export.campaign.esp_fields,
            folder / "contacts.csv",
            copies=result.url_copies,
        )
