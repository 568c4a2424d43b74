"""What the preview shows of a built campaign, kept apart from how it was built.

The gallery and the server read segments through `SegmentView`, made from the build's
`BuiltSegment` objects (INTERFACES.md, "Rendering") and the linter's problems, so both stay
testable with plain values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

from b2bmail.campaign import (
    CampaignBuild,
    campaign_lint_config,
    lint_layout,
    lint_segment,
    render_campaign,
    source_index,
)
from b2bmail.i18n import N_, _


class ProblemLike(Protocol):
    """The fields of a lint `Problem` (b2bmail.lint.problem) that the preview shows."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def line(self) -> int | None: ...


#: A problem's severity as the pages show it; the severity itself stays machine text (CSS
#: classes, `data-severity`, the state JSON).
SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


def severity_word(severity: str) -> str:
    """`severity` in the current language ("avertissement", "waarschuwing")."""
    word = SEVERITY_WORDS.get(severity)
    return _(word) if word else severity


#: Lints one built segment, given the path to name it by (campaign.lint_segment).
LintFunction = Callable[..., Sequence[ProblemLike]]
BuildFunction = Callable[[Path], CampaignBuild]
#: The browser rules' problems of one segment (id, HTML, text) from what Chromium measured at
#: each phone width (campaign.lint_layout).
LayoutLintFunction = Callable[[str, str, str, Sequence[Mapping[str, Any]]], Sequence[ProblemLike]]


@dataclass(frozen=True)
class SegmentView:
    """One segment's email as built for the sample recipient, with its lint problems."""

    segment_id: str
    segment_name: str
    from_addr: str
    subject: str
    preheader: str
    html: str
    text: str
    eml: bytes
    problems: tuple[ProblemLike, ...] = ()

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))

    @property
    def text_bytes(self) -> int:
        return len(self.text.encode("utf-8"))

    def count(self, severity: str) -> int:
        return sum(1 for problem in self.problems if problem.severity == severity)

    @property
    def snippet(self) -> str:
        """The inbox line's text after the subject (see `inbox_snippet`)."""
        return inbox_snippet(self.html)


@dataclass(frozen=True)
class CampaignView:
    """A built campaign as the preview shows it."""

    name: str
    path: Path
    segments: tuple[SegmentView, ...]
    inputs: tuple[Path, ...] = ()  # files and folders whose change calls for a rebuild
    assets: Path | None = None  # the campaign's assets/ folder, for relative image paths
    # Default: lint's default settings, each problem at its line of `<segment>/email.html`.
    lint_layout: LayoutLintFunction = lint_layout


def view_campaign(
    campaign_path: Path, *, build: BuildFunction | None = None, lint: LintFunction | None = None
) -> CampaignView:
    """Build the campaign, lint every segment, and return what the preview shows."""
    built = (build or render_campaign)(campaign_path)
    campaign = built.campaign
    config = campaign_lint_config(campaign)
    if lint is None:
        lint = functools.partial(lint_segment, config=config)
    views = []
    for segment in built.segments:
        problems = lint(segment, f"{segment.segment_id}/email.html")
        views.append(
            SegmentView(
                segment_id=segment.segment_id,
                segment_name=segment.segment_name,
                from_addr=str(segment.compiled.from_addr),
                subject=segment.subject,
                preheader=segment.preheader,
                html=segment.html,
                text=segment.text,
                eml=segment.eml,
                problems=tuple(problems),
            )
        )
    return CampaignView(
        name=str(campaign.name),
        path=Path(campaign_path),
        segments=tuple(views),
        inputs=campaign_inputs(campaign_path, [campaign.template, campaign.segments]),
        assets=campaign_assets(campaign_path),
        # What Chromium measures is reported at the template line, as `build` reports lint.
        lint_layout=functools.partial(lint_layout, config=config, index=source_index(built)),
    )


def campaign_assets(campaign_path: Path) -> Path | None:
    """The `assets/` folder beside the campaign file, when there is one."""
    folder = Path(campaign_path).resolve().parent / "assets"
    return folder if folder.is_dir() else None


SNIPPET_LENGTH = 100  # Gmail, Outlook and Apple Mail show about 90-140 characters
INVISIBLE_ELEMENTS = frozenset({"head", "title", "style", "script", "template"})
# HTML whitespace (not U+00A0 or the zero-width characters preheader padding is made of, which
# clients keep, so padding shows in the snippet as the blank run it is).
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in INVISIBLE_ELEMENTS:
            self._skip += 1
        elif tag in ("br", "p", "div", "td", "tr", "li", "h1", "h2", "h3", "table"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in INVISIBLE_ELEMENTS and self._skip:
            self._skip -= 1
        elif tag in ("p", "div", "td", "li", "h1", "h2", "h3"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def inbox_snippet(html: str, length: int = SNIPPET_LENGTH) -> str:
    """The first `length` characters of the email's text, as an inbox list shows after the subject.

    Clients take the text of the parsed body in document order, hidden elements included (that
    is what makes a `display:none` preheader work), with `<head>`, `<style>` and `<script>`
    left out and runs of HTML whitespace collapsed; the preheader's padding characters stay.
    """
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = HTML_SPACE.sub(" ", "".join(collector.parts)).strip(" ")
    return text[:length]


def campaign_inputs(campaign_path: Path, extra: Iterable[Path]) -> tuple[Path, ...]:
    """The campaign's folder plus the folders of its template and segments files."""
    folders = {Path(campaign_path).resolve().parent}
    for path in extra:
        folders.add(Path(path).resolve().parent)
    # A folder inside another watched folder is already covered by its parent's walk.
    return tuple(sorted(f for f in folders if not any(p in f.parents for p in folders)))


def sender_name(from_addr: str) -> str:
    """The display name an inbox shows for `From` (the address when there is no name)."""
    from email.utils import parseaddr

    name, address = parseaddr(from_addr)
    return name or address or from_addr
