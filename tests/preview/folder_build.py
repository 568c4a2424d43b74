"""A tiny builder for server tests: every `<id>.html` in a folder is one segment's email.

A line `{% broken %}` in a file raises TemplateError with that file and line, as a Jinja
syntax error does in the real build.
"""

from __future__ import annotations

from pathlib import Path

from b2bmail.errors import TemplateError
from b2bmail.preview.model import CampaignView, SegmentView, campaign_assets


def build_folder(campaign_path: Path) -> CampaignView:
    folder = campaign_path.parent
    segments = []
    for page in sorted(folder.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        for number, line in enumerate(html.splitlines(), start=1):
            if "{% broken" in line:
                raise TemplateError(
                    "unexpected 'broken'", path=page, line=number, hint="fix the tag"
                )
        segments.append(
            SegmentView(
                segment_id=page.stem,
                segment_name=page.stem.title(),
                from_addr="Terramach <news@terramach.example>",
                subject=f"Subject for {page.stem}",
                preheader="Preheader",
                html=html,
                text=f"text of {page.stem}",
                eml=b"",
            )
        )
    return CampaignView(
        name=campaign_path.read_text(encoding="utf-8").strip(),
        path=campaign_path,
        segments=tuple(segments),
        inputs=(folder,),
        assets=campaign_assets(campaign_path),
    )
