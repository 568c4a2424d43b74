"""`b2bmail preview`: build a campaign, screenshot every segment, write the gallery folder."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from b2bmail.output import atomic_directory, check_outputs, write_atomic
from b2bmail.preview.chromium import find_chromium, launch_browser
from b2bmail.preview.gallery import render_gallery
from b2bmail.preview.layout import measure_email
from b2bmail.preview.model import (
    BuildFunction,
    CampaignView,
    LintFunction,
    ProblemLike,
    SegmentView,
    view_campaign,
)
from b2bmail.preview.remote import RemoteImagePolicy
from b2bmail.preview.screenshots import DEFAULT_WIDTHS, Shot, shoot_email, write_views

GALLERY_SHOT_WIDTH = 1440


@dataclass(frozen=True)
class WrittenSegment:
    """What was written for one segment (its shots and lint counts); what is shown of it
    before writing is a `preview.model.SegmentView`."""

    segment_id: str
    segment_name: str
    html_bytes: int
    errors: int
    warnings: int
    shots: tuple[tuple[str, int, int], ...]  # (file name, width, height)
    # Measured in Chromium at phone width (B2B109, B2B110: lint.layout), placed at the source.
    layout_problems: tuple[ProblemLike, ...] = ()


@dataclass(frozen=True)
class PreviewResult:
    """The gallery folder and what it holds."""

    out_dir: Path
    index: Path
    segments: tuple[WrittenSegment, ...]


def write_preview(
    campaign: CampaignView,
    out_dir: Path,
    *,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    chromium: str | None = None,
    gallery_screenshot: Path | None = None,
    remote_images: RemoteImagePolicy | None = None,
) -> PreviewResult:
    """Write each segment's files and screenshots and the gallery into `out_dir`, atomically.

    Layout: `index.html`, and per segment `<id>/email.html|txt|eml` and `<id>/shot-*.png`.
    With `gallery_screenshot`, a full-page PNG of the gallery itself is written there too.
    At each phone width the email is measured too: words broken mid-word and a page wider
    than the phone join the segment's lint problems (`WrittenSegment.layout_problems`).
    """
    out_dir = Path(out_dir)
    summaries: list[WrittenSegment] = []
    inputs = (campaign.path,)
    browser = launch_browser(chromium, remote_images=remote_images)
    with browser as tab, atomic_directory(out_dir, inputs=inputs) as staging:
        all_shots: dict[str, tuple[Shot, ...]] = {}
        views: list[SegmentView] = []
        for view in campaign.segments:
            folder = staging / view.segment_id
            folder.mkdir(parents=True, exist_ok=True)
            write_views(folder, view.html)
            (folder / "email.txt").write_text(view.text, encoding="utf-8")
            (folder / "email.eml").write_bytes(view.eml)
            if campaign.assets is not None:
                # Relative image paths resolve beside email.html, as in the campaign folder; a
                # copy (not a link) keeps the gallery whole when the campaign moves.
                shutil.copytree(campaign.assets, folder / "assets", symlinks=False)
            shots = shoot_email(tab, folder, widths)
            for shot in shots:
                (folder / shot.filename).write_bytes(shot.png)
            all_shots[view.segment_id] = shots
            measured = measure_email(tab, folder / "email.html", widths)
            found = tuple(campaign.lint_layout(view.segment_id, view.html, view.text, measured))
            view = replace(view, problems=(*view.problems, *found))
            views.append(view)
            summaries.append(
                WrittenSegment(
                    segment_id=view.segment_id,
                    segment_name=view.segment_name,
                    html_bytes=view.html_bytes,
                    errors=view.count("error"),
                    warnings=view.count("warning"),
                    shots=tuple((s.filename, s.width, s.height) for s in shots),
                    layout_problems=found,
                )
            )
        index = staging / "index.html"
        index.write_text(
            render_gallery(
                replace(campaign, segments=tuple(views)),
                all_shots,
                sorted(remote_images.hosts) if remote_images else (),
            ),
            encoding="utf-8",
        )
        gallery_png = None
        if gallery_screenshot is not None:
            tab.set_images(enabled=True)
            gallery_png = tab.capture(index.resolve().as_uri(), GALLERY_SHOT_WIDTH)
    # Written after the folder swap, so it may also go inside the gallery folder.
    if gallery_screenshot is not None and gallery_png is not None:
        write_atomic(gallery_screenshot, gallery_png, inputs=inputs)
    return PreviewResult(out_dir=out_dir, index=out_dir / "index.html", segments=tuple(summaries))


def preview_campaign(
    campaign_path: Path,
    out_dir: Path,
    *,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    build: BuildFunction | None = None,
    lint: LintFunction | None = None,
    chromium: str | None = None,
    gallery_screenshot: Path | None = None,
    remote_images: RemoteImagePolicy | None = None,
) -> PreviewResult:
    """Build and lint the campaign, then write its gallery (see `write_preview`)."""
    chromium = chromium or find_chromium()  # fail before the build when Chromium is missing
    check_outputs((gallery_screenshot,), (campaign_path,), folders=(out_dir,))
    campaign = view_campaign(Path(campaign_path), build=build, lint=lint)
    return write_preview(
        campaign,
        out_dir,
        widths=widths,
        chromium=chromium,
        gallery_screenshot=gallery_screenshot,
        remote_images=remote_images,
    )
