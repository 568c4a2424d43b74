"""`b2bmail` commands: preview (screenshots and gallery) and serve (live preview server)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import port_option
from b2bmail.cli.verbosity import NORMAL, VERBOSE, say, sayer, shows, timed
from b2bmail.i18n import _, format_kb, ngettext
from b2bmail.lint.formats import format_text
from b2bmail.lint.problem import Problem
from b2bmail.lint.source_map import merge_segments
from b2bmail.preview.model import view_campaign
from b2bmail.preview.remote import RemoteImagePolicy
from b2bmail.preview.run import PreviewResult, preview_campaign
from b2bmail.preview.screenshots import DEFAULT_WIDTHS, parse_widths
from b2bmail.preview.server import close_preview_server, start_preview_server


def format_preview(result: PreviewResult, *, findings_only: bool = False) -> str:
    """The text summary: one line per segment, then what Chromium measured at phone width
    (`path:line: [segment] B2B109 [warning] …`, lint's text format), then where the gallery is;
    with `findings_only` (-q), the lines of the segments with lint errors and what Chromium
    measured, and nothing else."""
    lines = []
    width = max((len(s.segment_id) for s in result.segments), default=7)
    for seg in result.segments:
        if findings_only and not seg.errors:
            continue
        shots = ", ".join(f"{w}×{h}" for _name, w, h in seg.shots)
        errors = ngettext("{n} error", "{n} errors", seg.errors).format(n=seg.errors)
        warnings = ngettext("{n} warning", "{n} warnings", seg.warnings).format(n=seg.warnings)
        lines.append(
            f"{seg.segment_id:<{width}}  {format_kb(seg.html_bytes):>9}  "
            + _("{errors}, {warnings}  shots {shots}").format(
                errors=errors, warnings=warnings, shots=shots
            )
        )
    measured = layout_problems(result)
    if measured:
        lines.extend(format_text(measured, ()).splitlines()[:-1])  # without lint's summary line
    if not findings_only:
        lines.append(_("gallery: {path}").format(path=result.index))
    return "\n".join(lines)


def layout_problems(result: PreviewResult) -> list[Problem]:
    """The problems Chromium's layout showed (B2B109, B2B110), once for all the segments that
    show one at the same source line."""
    # campaign.lint_layout makes them; the preview holds them by the fields it shows.
    return merge_segments(cast(Problem, p) for seg in result.segments for p in seg.layout_problems)


def _remote_images(
    ctx: click.Context, param: click.Parameter, hosts: tuple[str, ...]
) -> RemoteImagePolicy | None:
    return RemoteImagePolicy.from_hosts(hosts) if hosts else None


fetch_images_option = click.option(
    "--fetch-images",
    "fetch_images",
    metavar="HOST",
    multiple=True,
    callback=_remote_images,
    help="Fetch remote images from this host (repeatable; exact name) instead of showing"
    " placeholders; 5 s timeout and 2 MB cap per image.",
)


@main.command()
@click.argument("campaign", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/preview"),
    show_default=True,
    help="Gallery folder (replaced atomically).",
)
@click.option(
    "--widths",
    default=",".join(str(width) for width in DEFAULT_WIDTHS),
    show_default=True,
    help="Screenshot widths in CSS pixels; the first also gets images-off, dark and Outlook shots.",
)
@fetch_images_option
@click.option(
    "--gallery-screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a full-page PNG of the gallery page itself.",
)
def preview(
    campaign: Path,
    out_dir: Path,
    widths: str,
    fetch_images: RemoteImagePolicy | None,
    gallery_screenshot: Path | None,
) -> None:
    """Screenshot every segment with headless Chromium and write a gallery page.

    Builds and lints the campaign, takes full-page PNGs of each segment at each width plus
    one with images off, and writes DIR/index.html (works from disk, no external assets).
    At each phone width (under 500 px) it measures the laid-out email and prints each word
    broken mid-word (B2B109) and a page wider than the phone (B2B110) as `file:line: CODE …`.
    Exits 1 when a segment has lint errors or such a finding, 2 when it cannot run (e.g. no
    Chromium).

    \b
    Example:
        b2bmail preview examples/heavy-equipment/campaign.yaml --out out/gallery
        b2bmail preview campaign.yaml --widths 600,375,320
    """
    with timed(_("build, lint and screenshots")):
        result = preview_campaign(
            campaign,
            out_dir,
            widths=parse_widths(widths),
            gallery_screenshot=gallery_screenshot,
            remote_images=fetch_images,
        )
    for seg in result.segments if shows(VERBOSE) else ():
        for name, width, height in seg.shots:
            say(
                _("wrote {path} ({width}×{height})").format(
                    path=out_dir / seg.segment_id / name, width=width, height=height
                ),
                VERBOSE,
            )
    if gallery_screenshot is not None:
        say(_("wrote {path}").format(path=gallery_screenshot), VERBOSE)
    if text := format_preview(result, findings_only=not shows(NORMAL)):
        click.echo(text)
    errors = sum(seg.errors for seg in result.segments)
    raise SystemExit(EXIT_FINDINGS if errors or layout_problems(result) else EXIT_OK)


@main.command()
@click.argument("campaign", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@port_option(8642)
@fetch_images_option
def serve(campaign: Path, port: int, fetch_images: RemoteImagePolicy | None) -> None:
    """Serve a live preview of every segment on 127.0.0.1, rebuilt when a file changes.

    Segment switcher, desktop and phone widths, HTML / text / source tabs and the lint panel.
    A template error shows in the page with its file and line; the server keeps running.
    Ctrl-C stops it.

    \b
    Example:
        b2bmail serve examples/heavy-equipment/campaign.yaml
        b2bmail serve campaign.yaml --port 0
    """
    server = start_preview_server(
        campaign,
        view_campaign,
        port=port,
        on_event=sayer(err=True),
        remote_images=fetch_images,
    )
    click.echo(
        _("Previewing {campaign} at {url} — press Ctrl-C to stop").format(
            campaign=campaign, url=server.url
        )
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        close_preview_server(server)
    say(_("Preview server stopped."))
