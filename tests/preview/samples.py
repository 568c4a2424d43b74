"""Tiny built emails for the preview tests (real SegmentView instances, no build needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from b2bmail.preview.model import CampaignView, SegmentView


@dataclass(frozen=True)
class SampleProblem:
    code: str
    name: str
    severity: str
    message: str
    line: int | None


PREHEADER = "Trois machines, un tarif & un service"
# Preheader padding as builders write it: figure space, zero-width no-break space, combining
# grapheme joiner, repeated, so the client's snippet stops after the preheader.
PADDING = "&#8199;&#65279;&#847; " * 3


def email_html(title: str, colour: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title>'
        "<style>@media (prefers-color-scheme: dark) { .body { background: #000 !important;"
        " color: #fff !important } }</style></head>"
        '<body class="body" style="margin:0;font-family:Arial,sans-serif;background:#ffffff;color:#222222">'
        '<div style="display:none;max-height:0;overflow:hidden">'
        f"{PREHEADER.replace('&', '&amp;')}{PADDING}</div>"
        f'<table role="presentation" width="600" style="background:{colour}"><tr><td>'
        f'<h1 style="color:#fff;margin:0;padding:24px">{title}</h1></td></tr></table>'
        '<img src="https://cdn.example.com/hero.jpg" alt="Pelle hydraulique au travail" '
        'width="600" height="240" style="display:block">'
        '<p style="padding:0 24px">Bonjour Claire, voici les nouveautés du trimestre.</p>'
        '<a class="button" href="https://terramach.example/t3" style="display:inline-block;'
        'background:#c0392b;color:#fff;padding:12px 24px;border-radius:18px">Voir les prix</a>'
        "</body></html>"
    )


def segment(
    segment_id: str, name: str, colour: str, problems: tuple[SampleProblem, ...] = ()
) -> SegmentView:
    return SegmentView(
        segment_id=segment_id,
        segment_name=name,
        from_addr="Terramach <news@terramach.example>",
        subject=f"{name}: les nouveautés <T3>",
        preheader=PREHEADER,
        html=email_html(name, colour),
        text=f"{name}\n\nBonjour Claire, voici les nouveautés du trimestre.\n",
        eml=b"From: news@terramach.example\r\n\r\nhello\r\n",
        problems=problems,
    )


def sample_campaign() -> CampaignView:
    return CampaignView(
        name="Lettre trimestrielle <Q3>",
        path=Path("campaign.yaml"),
        segments=(
            segment(
                "mining",
                "Exploitants miniers",
                "#17324d",
                (
                    SampleProblem(
                        "B2B101", "img-missing-alt", "warning", "image <x> without alt", 12
                    ),
                ),
            ),
            segment("rental", "Loueurs", "#8a3b12"),
        ),
    )
