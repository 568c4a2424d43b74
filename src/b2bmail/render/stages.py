"""Journey stages: which stage a segment's email is compiled for, and which a recipient is at.

Templates receive `stage` (awareness | consideration | decision) as an ordinary Jinja
variable, so the call to action can follow it. The sample build compiles each segment once,
for its default stage; a per-recipient build compiles one variant per stage and sends each
recipient the variant of their own stage. The stage is a compile-time choice among three
fixed words: recipient data never becomes template source. The stages and the words lists
use for them live in b2bmail.journey, shared with the recipients area.
"""

from __future__ import annotations

from collections.abc import Mapping

from b2bmail.config import Campaign
from b2bmail.errors import ConfigError
from b2bmail.i18n import _
from b2bmail.journey import FIRST_STAGE, JOURNEY_STAGES, normalize_stage
from b2bmail.segments import Segment


def _configured(value: object, what: str, path: object, line: int | None = None) -> str:
    stage = normalize_stage(value)
    if stage is None:
        raise ConfigError(
            _("{what} is {value}, not a journey stage").format(what=what, value=repr(value)),
            path=path if isinstance(path, str) else str(path),
            line=line,
            hint=_("use one of: {choices}").format(choices=", ".join(JOURNEY_STAGES)),
        )
    return stage


def default_stage(campaign: Campaign, segment: Segment) -> str:
    """The segment's stage: its `stage` variable, else the campaign's
    `content.cta.default_stage`, else awareness. Recipients whose own stage is missing or
    unknown get this one."""
    if "stage" in segment.variables:
        return _configured(
            segment.variables["stage"],
            f"segment {segment.id!r}: variable stage",
            campaign.segments,
            segment.variable_lines.get("stage"),
        )
    cta = campaign.content.get("cta")
    if isinstance(cta, Mapping) and "default_stage" in cta:
        return _configured(cta["default_stage"], "content.cta.default_stage", campaign.path)
    return FIRST_STAGE


def sample_stage(campaign: Campaign, segment: Segment) -> str:
    """The stage of the sample email: the sample recipient's `stage` when it names one,
    else the segment's default."""
    return normalize_stage(campaign.sample_recipient.get("stage")) or default_stage(
        campaign, segment
    )
