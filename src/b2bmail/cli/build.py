"""`b2bmail` commands: build, init."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from b2bmail.campaign import BuildReport, build_campaign
from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import format_option, recipient_options
from b2bmail.cli.verbosity import NORMAL, VERBOSE, say, shows, timed
from b2bmail.config import parse_date
from b2bmail.errors import ConfigError
from b2bmail.i18n import _, format_kb, ngettext
from b2bmail.output import json_document
from b2bmail.personalize.build import build_per_recipient
from b2bmail.personalize.report import report_json, report_text
from b2bmail.starter import scaffold_campaign
from b2bmail.starter.localize import (
    STARTER_LOCALES,
    locale_for_languages,
    locale_from_environment,
)

PROBLEMS_SHOWN = 20


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    return parse_date(value) if value else None


def _summary(report: BuildReport, *, with_info: bool = False) -> str:
    rows = [(_("segment"), _("subject"), "html", _("text"), "eml", "lint")]
    for seg in report.manifest["segments"]:
        files = seg["files"]
        sid = seg["id"]
        # A campaign in several languages: one row per language (<segment>/<lang>/email.*).
        samples = [
            (f"{sid}/{lang}", texts["subject"]) for lang, texts in seg.get("languages", {}).items()
        ] or [(sid, seg["subject"])]
        for label, subject in samples:
            # Each problem names its source file and the segments that show it (campaign.py).
            found = [p for p in report.problems if label in p.segment.split(",")]
            counts = {
                sev: sum(p.severity == sev for p in found) for sev in ("error", "warning", "info")
            }
            lint = (
                _("{error} err, {warning} warn, {info} info").format(**counts)
                if report.linted
                else _("off")
            )
            sizes = [
                format_kb(files[f"{label}/email.{ext}"]["bytes"]) for ext in ("html", "txt", "eml")
            ]
            subject = subject if len(subject) <= 48 else subject[:47] + "…"
            rows.append((label, subject, *sizes, lint))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    n = len(report.manifest["segments"])
    lines.append(
        ngettext(
            "wrote {n} segment(s) to {out}/ (manifest.json)",
            "wrote {n} segment(s) to {out}/ (manifest.json)",
            n,
        ).format(n=n, out=report.out_dir)
    )
    lines.extend(_problem_lines(report, with_info=with_info))
    return "\n".join(lines)


def _problem_lines(
    report: BuildReport, *, with_info: bool = False, count_info: bool = True
) -> list[str]:
    """The findings of the build's lint: errors and warnings listed, info notes only counted
    (b2bmail lint shows them all), unless `with_info` (-v), or not even counted (-q)."""
    from b2bmail.lint.formats import escape_control  # the linter only when the build lints

    lines = []
    shown = [p for p in report.problems if with_info or p.severity != "info"]
    limit = len(shown) if with_info else PROBLEMS_SHOWN
    for p in shown[:limit]:
        where, message = escape_control(p.path), escape_control(p.message)
        segment = f"[{escape_control(p.segment)}] " if p.segment else ""
        lines.append(f"{where}:{p.line}: {segment}{p.severity}: {p.code} {p.name}: {message}")
    hidden = (len(report.problems) if count_info else len(shown)) - min(len(shown), limit)
    if hidden:
        lines.append(
            ngettext(
                "{n} more lint note(s): b2bmail lint {out}",
                "{n} more lint note(s): b2bmail lint {out}",
                hidden,
            ).format(n=hidden, out=report.out_dir)
        )
    return lines


def _tell_files_written(report: BuildReport) -> None:
    """-v: each file the build wrote, with its size (from the manifest)."""
    if not shows(VERBOSE):
        return
    for seg in report.manifest["segments"]:
        for name, entry in seg["files"].items():
            say(
                _("wrote {path} ({size})").format(
                    path=report.out_dir / name, size=format_kb(entry["bytes"])
                ),
                VERBOSE,
            )
    say(_("wrote {path}").format(path=report.out_dir / "manifest.json"), VERBOSE)


def wants_per_recipient(options: dict[str, Any]) -> bool:
    return bool(options.get("recipients") or options.get("per_recipient") or options.get("mbox"))


def run_per_recipient(
    campaign: str | Path,
    *,
    out_dir: str | Path,
    output_format: str,
    date: datetime | None = None,
    segment_ids: tuple[str, ...] = (),
    recipients: str | None = None,
    per_recipient: bool = False,
    mbox: str | None = None,
    companies: str | None = None,
    suppress: tuple[str, ...] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
) -> int:
    """`build --recipients FILE --per-recipient [--mbox FILE]`: write the messages, print the
    report, return the exit code (1 when rows were invalid or could not be built)."""
    if recipients is None:
        raise click.UsageError(_("--per-recipient and --mbox need --recipients FILE"))
    if not per_recipient and mbox is None:
        raise click.UsageError(_("--recipients needs --per-recipient (or --mbox FILE)"))
    with timed(_("personalised build")):
        report = build_per_recipient(
            campaign,
            recipients,
            out_dir=None if mbox is not None else out_dir,
            mbox=mbox,
            companies=companies,
            suppress=suppress,
            encoding=encoding,
            delimiter=delimiter,
            date=date,
            segment_ids=segment_ids or None,
        )
    failed = report.buckets.get("invalid", 0) or report.skipped
    target = str(mbox) if mbox is not None else str(out_dir)
    listing = "--format json" if mbox is not None else str(Path(out_dir) / "personalize.json")
    if output_format == "json":
        click.echo(json_document("personalize", report_json(report)), nl=False)
    elif failed or shows(NORMAL):
        # The report lists the rows not written: the findings, which -q keeps.
        click.echo(report_text(report, target, listing))
    say(_("wrote {path}").format(path=listing if mbox is None else mbox), VERBOSE)
    return EXIT_FINDINGS if failed else EXIT_OK


@main.command()
@click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
    help="Output folder (replaced atomically as a whole).",
)  # fmt: skip
@click.option(
    "--segment",
    "segment_ids",
    multiple=True,
    metavar="ID",
    help="Build only this segment (repeatable).",
)
@click.option(
    "--date", "date", callback=_date, metavar="ISO", default=None,
    help="Date of the sample message, e.g. 2026-07-01T08:00:00+02:00 (default: the campaign's `date`).",
)  # fmt: skip
@click.option("--no-lint", "no_lint", is_flag=True, help="Do not lint what was built.")
@click.option(
    "--no-lint-gate", "no_gate", is_flag=True, help="Lint, but exit 0 even on error-level problems."
)
@recipient_options
@format_option("text", "json")
def build(
    campaign: Path,
    out_dir: Path,
    segment_ids: tuple[str, ...],
    date: datetime | None,
    no_lint: bool,
    no_gate: bool,
    output_format: str,
    **per_recipient: Any,
) -> None:
    """Build one email per segment: HTML, plain text and a sample .eml.

    Writes OUT/<segment>/email.html, email.txt, email.eml and OUT/manifest.json, then lints
    them; exits 1 when lint finds error-level problems (unless --no-lint-gate).

    \b
    Example:
        b2bmail build examples/heavy-equipment/campaign.yaml --out out/demo
        b2bmail build campaign.yaml --segment mining --date 2026-07-01T08:00:00+02:00
        b2bmail build campaign.yaml --recipients list.csv --per-recipient --out out/send
    """
    if wants_per_recipient(per_recipient):
        code = run_per_recipient(
            campaign,
            out_dir=out_dir,
            output_format=output_format,
            date=date,
            segment_ids=segment_ids,
            **per_recipient,
        )
        raise SystemExit(code)
    with timed(_("build and lint") if not no_lint else _("build")):
        report = build_campaign(
            campaign, out_dir, segment_ids=segment_ids or None, date=date, lint=not no_lint
        )
    _tell_files_written(report)
    if output_format == "json":
        data = dict(report.manifest, problems=[p.to_dict() for p in report.problems])
        click.echo(json_document("manifest", data), nl=False)
    elif shows(NORMAL):
        click.echo(_summary(report, with_info=shows(VERBOSE)))
    elif found := _problem_lines(report, count_info=False):
        click.echo("\n".join(found))  # -q: the findings only
    raise SystemExit(EXIT_FINDINGS if report.has_errors and not no_gate else EXIT_OK)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--locale",
    type=click.Choice(STARTER_LOCALES),
    default=None,
    help="Language and country of the campaign: its words, currency, VAT rate, legal footer"
    " and date format (default: from LC_ALL/LC_MESSAGES/LANG, else en_GB).",
)
@click.option(
    "--languages",
    metavar="CODES",
    default="",
    help="Languages of the list, comma-separated, the first the default (e.g. fr,en).",
)
def init(directory: Path, locale: str | None, languages: str) -> None:
    """Create a new campaign folder that builds at once.

    Copies the starter campaign file, segments, templates and a sample recipients file,
    written for --locale: French, Dutch, German or English words (vous, u, Sie), the
    currency, VAT rate, formal salutation and the legal footer fields the country's law asks
    for (to fill in). Refuses to write into a folder that is not empty. With --languages,
    the campaign declares them and words its texts per language; the first must be the
    language of --locale.

    \b
    Example:
        b2bmail init my-campaign --locale fr_FR
        b2bmail init my-campaign --locale fr_BE --languages fr,nl
        b2bmail build my-campaign/campaign.yaml --out my-campaign/out
    """
    from b2bmail.languages import parse_languages

    codes = [c for c in languages.split(",") if c.strip()]
    chosen = parse_languages(codes, Path("--languages"), None) if codes else ()
    if locale is None:
        locale = locale_for_languages(locale_from_environment(os.environ), chosen)
    else:
        language = locale.partition("_")[0]
        if chosen and chosen[0] != language:
            raise ConfigError(
                _("it starts with {first}, but --locale {locale} is in {language}").format(
                    first=chosen[0], locale=locale, language=language
                ),
                path=Path("--languages"),
                hint=_(
                    "put {language} first (the default language), e.g. --languages {example}"
                ).format(
                    language=language,
                    example=",".join((language, *(c for c in chosen if c != language))),
                ),
            )
    say(
        _("locale {locale}, languages {languages}").format(
            locale=locale, languages=",".join(chosen) or "-"
        ),
        VERBOSE,
    )
    written = scaffold_campaign(directory, chosen, locale)
    for path in written:
        say(_("created {path}").format(path=path))
    say(
        _("next: {command}").format(
            command=f"b2bmail build {directory / 'campaign.yaml'} --out {directory / 'out'}"
        )
    )
    raise SystemExit(EXIT_OK)
