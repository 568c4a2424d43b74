"""A whole campaign: load, compile every segment, render the sample, write the output folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from b2bmail.config import Campaign, load_campaign_config
from b2bmail.errors import ConfigError
from b2bmail.output import atomic_directory
from b2bmail.render.compile import CompiledEmail, compile_segment, compile_stage_variants
from b2bmail.render.environment import make_environment
from b2bmail.render.fastmime import HeaderTooLongError, clean_value
from b2bmail.render.message import build_message, message_id_for
from b2bmail.render.stages import sample_stage
from b2bmail.segments import load_segments


@dataclass(frozen=True)
class BuiltSegment:
    segment_id: str
    segment_name: str
    compiled: CompiledEmail
    subject: str
    preheader: str
    html: str
    text: str
    eml: bytes
    # One CompiledEmail per journey stage when asked for (render_campaign(stage_variants=True)),
    # for per-recipient builds; empty otherwise. `compiled` is the sample's stage.
    variants: tuple[CompiledEmail, ...] = ()

    @property
    def stage_variants(self) -> tuple[CompiledEmail, ...]:
        """The variants to personalise from: every stage's, or just the sample's."""
        return self.variants or (self.compiled,)


@dataclass(frozen=True)
class CampaignBuild:
    campaign: Campaign
    segments: tuple[BuiltSegment, ...]


def campaign_files(campaign: Campaign) -> tuple[Path, ...]:
    """The files a build reads: the campaign file, its template and its segments file. No
    output may be, hold or lie inside one of them."""
    return (campaign.path, campaign.template, campaign.segments)


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file (see config.py)."""
    return load_campaign_config(path)


def sample_values(campaign: Campaign) -> dict[str, str]:
    """The sample recipient's merge values (fixed, so sample output is deterministic), cleaned
    as every recipient's are, so email.html and email.txt match the .eml's parts."""
    return {k: clean_value(str(v)) for k, v in campaign.sample_recipient.items()}


def render_campaign(
    campaign_path: str | Path,
    segment_ids: Iterable[str] | None = None,
    *,
    date: datetime | None = None,
    stage_variants: bool = False,
) -> CampaignBuild:
    """Compile each selected segment (all by default) and render it for the sample recipient,
    at the sample's journey stage (stages.sample_stage). With `stage_variants`, also compile
    one variant per journey stage for per-recipient builds."""
    campaign = load_campaign(campaign_path)
    if date is not None:
        campaign = replace(campaign, date=date)
    segments = load_segments(campaign.segments)
    chosen = segments
    if segment_ids:
        wanted = list(dict.fromkeys(segment_ids))
        known = {s.id for s in segments}
        for seg_id in wanted:
            if seg_id not in known:
                raise ConfigError(
                    f"no segment with id {seg_id!r}",
                    path=campaign.segments,
                    hint=f"known ids: {', '.join(s.id for s in segments)}",
                )
        chosen = tuple(s for s in segments if s.id in wanted)
    env = make_environment(
        campaign.template_dir, campaign.locale, str(campaign.content.get("currency", "EUR"))
    )
    built = []
    for segment in chosen:
        compiled = compile_segment(
            env, campaign, segment, segments=segments, stage=sample_stage(campaign, segment)
        )
        variants = (
            compile_stage_variants(env, campaign, segment, segments=segments, first=compiled)
            if stage_variants
            else ()
        )
        values = sample_values(campaign)
        message_id = message_id_for(
            campaign.name, segment.id, campaign.date.isoformat(), domain=compiled.message_id_domain
        )
        try:
            eml = build_message(
                compiled, values, to=values["email"], date=campaign.date, message_id=message_id
            )
        except HeaderTooLongError as exc:
            raise ConfigError(
                f"unsubscribe.url is {exc.length} characters once filled for the sample recipient "
                f"of segment '{segment.id}', and a header line holds at most 998 "
                "(RFC 5322 §2.1.1)",
                path=campaign.path,
                hint="shorten the URL or the values it merges",
            ) from exc
        built.append(
            BuiltSegment(
                segment_id=segment.id,
                segment_name=segment.name,
                compiled=compiled,
                subject=compiled.subject.render(values),
                preheader=compiled.preheader.render(values),
                html=compiled.html.render(values),
                text=compiled.text.render(values),
                eml=eml,
                variants=variants,
            )
        )
    return CampaignBuild(campaign=campaign, segments=tuple(built))


def _describe(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def manifest_for(build: CampaignBuild) -> dict[str, Any]:
    """What write_build records in manifest.json (stable keys, no absolute paths, no clock)."""
    segments = []
    for seg in build.segments:
        payloads = file_payloads(seg)
        segments.append(
            {
                "id": seg.segment_id,
                "name": seg.segment_name,
                "subject": seg.subject,
                "preheader": seg.preheader,
                "merge_fields": sorted(
                    seg.compiled.html.fields
                    | seg.compiled.text.fields
                    | seg.compiled.subject.fields
                ),
                "files": {
                    f"{seg.segment_id}/{name}": _describe(data) for name, data in payloads.items()
                },
            }
        )
    return {
        "campaign": build.campaign.name,
        "campaign_file": build.campaign.path.name,
        "locale": build.campaign.locale,
        "date": build.campaign.date.isoformat(),
        "segments": segments,
    }


def file_payloads(seg: BuiltSegment) -> Mapping[str, bytes]:
    return {
        "email.html": seg.html.encode("utf-8"),
        "email.txt": seg.text.encode("utf-8"),
        "email.eml": seg.eml,
    }


def write_build(build: CampaignBuild, out_dir: str | Path) -> dict[str, Any]:
    """Write DIR/<segment>/email.html|txt|eml and DIR/manifest.json as one atomic swap: a
    failed build leaves the previous DIR untouched."""
    manifest = manifest_for(build)
    # The folder is replaced whole: atomic_directory refuses one that is not ours (`--out .`,
    # the campaign's folder) and one that holds or lies inside an input.
    with atomic_directory(out_dir, inputs=campaign_files(build.campaign)) as stage:
        for seg in build.segments:
            folder = stage / seg.segment_id
            folder.mkdir()
            for name, data in file_payloads(seg).items():
                (folder / name).write_bytes(data)
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        (stage / "manifest.json").write_text(text, encoding="utf-8")
    return manifest
