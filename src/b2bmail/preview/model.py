"""What the preview shows of a built campaign, kept apart from how it was built.

The gallery and the server read segments through `SegmentView`, made from the build's
`BuiltSegment` objects (INTERFACES.md, "Rendering") and the linter's problems, so both stay
testable with plain values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from b2bmail.campaign import CampaignBuild, campaign_lint_config, lint_segment, render_campaign


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


#: Lints one built segment, given the path to name it by (campaign.lint_segment).
LintFunction = Callable[..., Sequence[ProblemLike]]
BuildFunction = Callable[[Path], CampaignBuild]


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


@dataclass(frozen=True)
class CampaignView:
    """A built campaign as the preview shows it."""

    name: str
    path: Path
    segments: tuple[SegmentView, ...]
    inputs: tuple[Path, ...] = ()  # files and folders whose change calls for a rebuild


def view_campaign(
    campaign_path: Path, *, build: BuildFunction | None = None, lint: LintFunction | None = None
) -> CampaignView:
    """Build the campaign, lint every segment, and return what the preview shows."""
    built = (build or render_campaign)(campaign_path)
    campaign = built.campaign
    if lint is None:
        lint = functools.partial(lint_segment, config=campaign_lint_config(campaign))
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
    )


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
