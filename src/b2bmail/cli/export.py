"""`b2bmail export`: the campaign in the template language of the ESP it is sent through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import encoding_options, join_options
from b2bmail.cli.verbosity import VERBOSE, say, shows, timed
from b2bmail.export.writer import ESP_KEYS, export_campaign, url_copies_text
from b2bmail.i18n import _, ngettext


@main.command()
@click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--esp", "esps", multiple=True, required=True, type=click.Choice([*ESP_KEYS, "all"]),
    help="The ESP to export for (repeatable; `all` for every one).",
)  # fmt: skip
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out-esp"),
    show_default=True, help="Output folder, OUT/<esp>/ per ESP (replaced atomically as a whole).",
)  # fmt: skip
@click.option("--segment", "segment_ids", multiple=True, metavar="ID", help="Export only this segment (repeatable).")  # fmt: skip
@click.option(
    "--recipients", type=click.Path(dir_okay=False), default=None,
    help="Recipient list (CSV/TSV): also write OUT/<esp>/contacts.csv for the ESP's importer.",
)  # fmt: skip
@join_options(with_recipients=True)
@encoding_options
def export(
    campaign: Path,
    esps: tuple[str, ...],
    out_dir: Path,
    segment_ids: tuple[str, ...],
    **recipients: Any,
) -> None:
    """Export the campaign for the ESP you send through: its merge tags, unsubscribe and import CSV.

    Writes OUT/<esp>/<segment>/email.html, email.txt, subject.txt, preheader.txt and
    OUT/<esp>/README.txt (where each file goes in that ESP); with --recipients, also
    OUT/<esp>/contacts.csv. A campaign in several languages gets <segment>/<language>/; a
    template whose logic reads recipient values (VAT by country) needs --recipients, and
    each email's versions go inside the ESP's conditional on the contact's b2bmail_variant
    (or one folder per version). A construct the ESP's language cannot express stops the export
    (exit 2, file:line); exits 1 when an email would pass Gmail's clip once the ESP
    rewrites its links for tracking.

    \b
    Example:
        b2bmail export examples/heavy-equipment/campaign.yaml --esp brevo --out out/brevo
        b2bmail export campaign.yaml --esp all --recipients list.csv --out out/esp
    """
    keys = ESP_KEYS if "all" in esps else esps
    with timed(_("export")):
        report = export_campaign(
            campaign, keys, out_dir, segment_ids=segment_ids or None, **recipients
        )
    clipped = False
    read = ", ".join(f"recipient.{name}" for name in report.read if name != "language")
    for result in report.exports:
        folder = out_dir / result.esp.key
        n = len(result.variants)
        for variant in result.variants if shows(VERBOSE) else ():
            say(_("wrote {path}/").format(path=folder / variant.name), VERBOSE)
        say(
            ngettext(
                "{esp}: {n} email(s) in {folder}/ (README.txt)",
                "{esp}: {n} email(s) in {folder}/ (README.txt)",
                n,
            ).format(esp=result.esp.name, n=n, folder=folder)
        )
        if result.versions == "conditional":
            say(
                _(
                    "  versions: one template per email, its parts that differ by {fields}"
                    " inside {esp}'s conditional on the contact's b2bmail_variant"
                ).format(fields=read, esp=result.esp.name)
            )
        elif result.versions == "templates":
            say(
                _(
                    "  versions: one template per version (they differ by {fields}), since"
                    " {esp} has no conditional b2bmail writes; the segment column names each"
                    " contact's folder"
                ).format(fields=read, esp=result.esp.name)
            )
        for line in url_copies_text(result):
            say(line)
        for name in result.clipped:
            clipped = True
            click.echo(
                _(
                    "{path}: warning: over Gmail's 102 KB clip once {esp} rewrites its links"
                    " for tracking (estimate)"
                ).format(path=folder / name / "email.html", esp=result.esp.name)
            )
    if report.unwritten:
        say(
            _("not written: {segments} (no contact of the list is in them; README.txt)").format(
                segments=", ".join(report.unwritten)
            )
        )
    if report.contacts is not None:
        c = report.contacts
        left = ", ".join(f"{k} {n}" for k, n in c.left_out.items() if n) or _("none left out")
        say(
            ngettext(
                "contacts: {n} of {rows} row(s) ({left})",
                "contacts: {n} of {rows} row(s) ({left})",
                c.rows_read,
            ).format(n=len(c.contacts), rows=c.rows_read, left=left)
        )
    raise SystemExit(EXIT_FINDINGS if clipped else EXIT_OK)
