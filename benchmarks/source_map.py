"""Measure: the share of campaign lint findings placed at a real source file and line.

    .venv/bin/python benchmarks/source_map.py

Lints both examples (examples/heavy-equipment, examples/warmtepompen-nl) and a deliberately
broken copy of heavy-equipment (problems written into partials, the YAML content and the
subject) with every rule, info included, each segment's sample message as `b2bmail lint
campaign.yaml` does, and places each finding with the campaign's source index
(lint/source_map.py). A finding counts as placed when the index names a file that exists and
a line inside it; one that falls back to the campaign's `template:` line does not count.
Prints the share per campaign and over all, and each finding not placed.
Target (issue 15, item 14): >= 90 %.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from b2bmail.campaign import (
    campaign_lint_config,
    message_parts,
    render_campaign,
    source_index,
)
from b2bmail.lint.api import lint_message

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.90

# Problems written into a copy of heavy-equipment: (file under the copy, old text, new text).
BREAKAGE = (
    (
        "templates/partials/hero.mjml",
        "          <p>{{ content.hero.text }}</p>",
        '          <p>{{ content.hero.text }}</p>\n          <p><img src="http://cdn.terrano-engins.example/badge.png"></p>',
    ),
    (
        "templates/partials/footer.mjml",
        "          <p>{{ f.why }}</p>",
        '          <p style="font-size:11px;color:#dddddd;">{{ f.why }}</p>',
    ),
    (
        "templates/partials/cta.mjml",
        "<mj-text><h2>{{ cta.title }}</h2>",
        '<mj-text><div style="display:flex;float:left;font-family:Lato;"><h2>{{ cta.title }}</h2></div>',
    ),
    (
        "campaign.yaml",
        'label: "Voir les mesures de la TL 480", url: "https://www.terrano-engins.example/tl480/essais"',
        'label: "cliquez ici", url: "http://www.terrano-engins.example/tl480/essais"',
    ),
    (
        "campaign.yaml",
        'url: "https://www.terrano-engins.example/expertise"',
        'url: "https://bit.ly/terrano-expertise"',
    ),
    (
        "campaign.yaml",
        'subject: "T3 2026 · {{ content.subjects[segment.id] }}"',
        'subject: "URGENT !!! T3 2026 · {{ content.subjects[segment.id] }} · OFFRE LIMITÉE"',
    ),
)


def broken_copy(folder: Path) -> Path:
    """heavy-equipment with its own copy of the templates, and the problems of BREAKAGE."""
    shutil.copytree(ROOT / "templates", folder / "templates")
    for name in ("campaign.yaml", "segments.yaml"):
        shutil.copy(ROOT / "examples/heavy-equipment" / name, folder / name)
    campaign = folder / "campaign.yaml"
    campaign.write_text(
        campaign.read_text(encoding="utf-8").replace(
            "template: ../../templates/newsletter.mjml", "template: templates/newsletter.mjml"
        ),
        encoding="utf-8",
    )
    for name, old, new in BREAKAGE:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise SystemExit(f"benchmark out of date: {old!r} not in {name}")
        path.write_text(text.replace(old, new), encoding="utf-8")
    return campaign


def is_real(path: str, line: int) -> bool:
    file = Path(path)
    if not file.is_file():
        return False
    return 1 <= line <= len(file.read_text(encoding="utf-8").splitlines())


def measure(campaign_path: Path) -> tuple[int, int, list[str]]:
    """(findings, placed at a real file and line, a line for each finding not placed)."""
    build = render_campaign(campaign_path)
    config = campaign_lint_config(build.campaign)
    index = source_index(build)
    total = placed = 0
    missed: list[str] = []
    for seg in build.segments:
        html, text = message_parts(seg.eml)
        for problem in lint_message(seg.eml, f"{campaign_path}#{seg.segment_id}", config):
            total += 1
            where = index.locate(problem, html, text)
            if where is not None and is_real(where.path, where.line):
                placed += 1
            else:
                missed.append(
                    f"  not placed: [{seg.segment_id}] {problem.code} {problem.part} "
                    f"line {problem.line}: {problem.message[:70]}"
                )
    return total, placed, missed


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        campaigns = [
            ROOT / "examples/heavy-equipment/campaign.yaml",
            ROOT / "examples/warmtepompen-nl/campaign.yaml",
            broken_copy(Path(tmp)),
        ]
        names = ["heavy-equipment", "warmtepompen-nl", "heavy-equipment, broken copy"]
        all_total = all_placed = 0
        for name, path in zip(names, campaigns, strict=True):
            total, placed, missed = measure(path)
            all_total += total
            all_placed += placed
            share = placed / total if total else 1.0
            print(f"{name}: {placed}/{total} findings placed at a real file and line ({share:.0%})")
            for line in missed:
                print(line)
    share = all_placed / all_total if all_total else 1.0
    verdict = "meets" if share >= TARGET else "MISSES"
    print(f"all: {all_placed}/{all_total} ({share:.1%}); {verdict} the {TARGET:.0%} target")
    return 0 if share >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
