"""What `b2bmail build` runs: render, lint what was built, write the output folder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2bmail.output import check_outputs
from b2bmail.render.build import CampaignBuild, render_campaign, write_build

if TYPE_CHECKING:
    from b2bmail.lint.api import LintConfig, Problem


@dataclass(frozen=True)
class BuildReport:
    """What `b2bmail build` did: the build, the manifest written, and lint problems found."""

    build: CampaignBuild
    out_dir: Path
    manifest: dict[str, Any]
    problems: tuple[Problem, ...]
    linted: bool

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def lint_build(
    build: CampaignBuild, out_dir: Path, config: LintConfig | None = None
) -> tuple[Problem, ...]:
    """Lint every built segment as a message (HTML, text, subject, preheader, headers)."""
    from b2bmail.lint.api import lint_email  # the build depends on lint only when it lints

    problems: list[Problem] = []
    for seg in build.segments:
        parsed = BytesParser(policy=policy.default).parsebytes(seg.eml, headersonly=True)
        headers = {name: str(value) for name, value in parsed.items()}
        problems.extend(
            lint_email(
                html=seg.html,
                text=seg.text,
                subject=seg.subject,
                preheader=seg.preheader,
                headers=headers,
                path=str(out_dir / seg.segment_id / "email.html"),
                config=config,
            )
        )
    return tuple(problems)


def build_campaign(
    campaign_path: str | Path,
    out_dir: str | Path,
    *,
    segment_ids: Iterable[str] | None = None,
    date: datetime | None = None,
    lint: bool = True,
) -> BuildReport:
    """Render, lint (unless `lint=False`) and write a campaign: what `b2bmail build` runs.
    Output is written even when lint finds problems, so they can be inspected."""
    out = Path(out_dir)
    check_outputs((), (campaign_path,), folders=(out,))  # before the work; write_build again
    build = render_campaign(campaign_path, segment_ids, date=date)
    problems: tuple[Problem, ...] = ()
    if lint:
        from b2bmail.lint.api import LintConfig, load_lint_config
        from b2bmail.lint.config import find_pyproject

        # Settings of the project the campaign lives in, then the campaign's own `lint:` section.
        pyproject = find_pyproject(build.campaign.path.resolve().parent)
        config = (
            load_lint_config(pyproject, build.campaign.lint or None)
            if pyproject
            else LintConfig().merged(build.campaign.lint or None, "campaign lint section")
        )
        problems = lint_build(build, out, config)
    manifest = write_build(build, out)
    return BuildReport(build=build, out_dir=out, manifest=manifest, problems=problems, linted=lint)
