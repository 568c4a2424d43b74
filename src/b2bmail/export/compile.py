"""The campaign compiled for export: every segment once per distinct journey-stage variant,
with the unsubscribe link left as a hole for the ESP's placeholder; and the compiled
templates written in one ESP's language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from b2bmail.campaign import load_campaign
from b2bmail.config import Campaign, Unsubscribe
from b2bmail.errors import ConfigError, TemplateError
from b2bmail.export.dialect import Esp, Hole, NoEquivalentError
from b2bmail.i18n import _
from b2bmail.journey import normalize_stage
from b2bmail.render.compile import CompiledEmail, compile_segment, compile_stage_variants
from b2bmail.render.environment import make_environment
from b2bmail.render.merge import MergeField, MergeTemplate, NeedsLanguage, NeedsVariant
from b2bmail.render.stages import default_stage
from b2bmail.salutation import SALUTATION_FIELDS
from b2bmail.segments import load_segments

#: The hole the unsubscribe link becomes: the ESP owns unsubscribe (and List-Unsubscribe),
#: so its placeholder replaces our URL and its HMAC token.
UNSUBSCRIBE_FIELD = "esp_unsubscribe_url"


@dataclass(frozen=True)
class ExportVariant:
    """One email to load into the ESP: a segment, at the journey stages routed to it."""

    name: str  # the folder, and the segment value of its contacts: `mining`, `mining--decision`
    segment_id: str
    stages: tuple[str, ...]  # the stages whose recipients get it; () when the stage is unused
    compiled: CompiledEmail


@dataclass(frozen=True)
class ExportCampaign:
    campaign: Campaign
    variants: tuple[ExportVariant, ...]
    templates: tuple[Path, ...]  # the template files Jinja loaded, to locate a construct

    @property
    def fields(self) -> tuple[str, ...]:
        """Every merge field the emails use, sorted (the unsubscribe hole aside)."""
        names: set[str] = set()
        for v in self.variants:
            for t in templates_of(v.compiled):
                names |= t.fields
        return tuple(sorted(names - {UNSUBSCRIBE_FIELD}))

    def variant_for(self, segment_id: str, stage_value: object) -> ExportVariant | None:
        """The variant a recipient of `segment_id` gets for its `stage` (the segment's
        default stage when it has none or an unknown one), None if the segment is not built."""
        mine = [v for v in self.variants if v.segment_id == segment_id]
        if len(mine) <= 1:
            return mine[0] if mine else None
        stage = normalize_stage(stage_value) or mine[0].compiled.default_stage
        return next((v for v in mine if stage in v.stages), mine[0])


def templates_of(compiled: CompiledEmail) -> tuple[MergeTemplate, ...]:
    return (compiled.subject, compiled.preheader, compiled.html, compiled.text)


def compile_for_export(
    campaign_path: str | Path, segment_ids: Iterable[str] | None = None
) -> ExportCampaign:
    """Compile each selected segment for export, one variant per distinct stage content."""
    campaign = load_campaign(campaign_path)
    # The unsubscribe URL becomes one merge field, and there is no mailto: the ESP writes
    # the link and the List-Unsubscribe header (issue 17, item 3).
    esp_campaign = replace(
        campaign,
        unsubscribe=Unsubscribe(url=f"{{{{ recipient.{UNSUBSCRIBE_FIELD} }}}}", mailto=None),
    )
    segments = load_segments(campaign.segments)
    wanted = list(dict.fromkeys(segment_ids or ()))
    unknown = [s for s in wanted if s not in {seg.id for seg in segments}]
    if unknown:
        raise ConfigError(
            _("no segment with id {id}").format(id=repr(unknown[0])),
            path=campaign.segments,
            hint=_("known ids: {ids}").format(ids=", ".join(s.id for s in segments)),
        )
    env = make_environment(
        campaign.template_dir, campaign.locale, str(campaign.content.get("currency", "EUR"))
    )
    variants: list[ExportVariant] = []
    for segment in segments:
        if wanted and segment.id not in wanted:
            continue
        try:
            first = compile_segment(
                env,
                esp_campaign,
                segment,
                segments=segments,
                stage=default_stage(campaign, segment),
            )
            staged = compile_stage_variants(
                env, esp_campaign, segment, segments=segments, first=first
            )
        except NeedsVariant as need:
            # The template's logic reads a recipient value (a b2bmail build compiles a variant
            # per value); no ESP dialect is written for it yet. Point at where it is read.
            path, line = _where_read(campaign, need.name)
            message = (
                _("one campaign in several languages is not exported yet")
                if isinstance(need, NeedsLanguage)
                else _(
                    "recipient logic (the template tests recipient.{name}) is not exported yet"
                ).format(name=need.name)
            )
            raise TemplateError(
                message,
                path=path,
                line=line,
                hint=_("print recipient values only, or write one segment per case"),
            ) from None
        groups: list[tuple[CompiledEmail, list[str]]] = []
        for c in staged:
            same = next((g for g in groups if g[0].same_content(c)), None)
            if same is None:
                groups.append((c, [c.stage]))
            else:
                same[1].append(c.stage)
        for compiled, stages in groups:
            if len(groups) == 1:
                variants.append(ExportVariant(segment.id, segment.id, (), compiled))
            else:
                name = f"{segment.id}--{'+'.join(stages)}"
                variants.append(ExportVariant(name, segment.id, tuple(stages), compiled))
    loaded = (
        sorted({Path(t.filename) for t in env.cache.values() if t.filename}) if env.cache else []
    )
    return ExportCampaign(campaign, tuple(variants), tuple(loaded))


def locate(export: ExportCampaign, name: str) -> tuple[Path, int | None]:
    """Where the campaign uses merge field `name`: the first line of the campaign file or a
    loaded template that names it (`recipient.name`, or the `salutation` filter)."""
    word = "salutation" if name in SALUTATION_FIELDS else re.escape(name)
    pattern = re.compile(rf"recipient\s*(?:\.\s*{word}\b|\[\s*['\"]{word}['\"])|\|\s*{word}\b")
    # unsubscribe.url is not exported (the ESP's placeholder replaces it): not a use.
    skip = (export.campaign.path, export.campaign.line_of("unsubscribe.url"))
    for path in (export.campaign.path, *export.templates):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if pattern.search(line) and (path, number) != skip:
                return path, number
    return export.campaign.template, None


def write_template(
    template: MergeTemplate,
    esp: Esp,
    export: ExportCampaign,
    mapping: Mapping[str, str],
    *,
    literal_ok: bool = False,
) -> str:
    """The compiled template in the ESP's language. A merge field with no equivalent there,
    or literal text the ESP would read as one of its tags, raises NoEquivalentError
    (file:line of the construct). `literal_ok`: the campaign is written for this ESP, its own
    tags are kept on purpose."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            opener = next((o for o in esp.tag_openers if o in part), None)
            if opener is not None and not literal_ok:
                raise NoEquivalentError(
                    _(
                        "the text {text} would be read by {esp} as one of its tags ({opener})"
                    ).format(text=repr(_around(part, opener)), esp=esp.name, opener=repr(opener)),
                    path=export.campaign.path,
                    hint=_(
                        "reword it, or write `esp: {key}` in the campaign if the tag is"
                        " meant for {esp}"
                    ).format(key=esp.key, esp=esp.name),
                )
            out.append(part)
        elif part.name == UNSUBSCRIBE_FIELD:
            out.append(esp.unsubscribe_for(export.campaign.locale))
        else:
            out.append(esp.merge(_hole(part, esp, export, mapping)))
    return "".join(out)


def _around(text: str, opener: str) -> str:
    at = text.index(opener)
    return text[max(0, at - 15) : at + 25]


def _hole(part: MergeField, esp: Esp, export: ExportCampaign, mapping: Mapping[str, str]) -> Hole:
    if part.name == "unsubscribe_token" or part.name in SALUTATION_FIELDS:
        path, line = locate(export, part.name)
        message = (
            _(
                "the salutation (made per recipient from civility, last name and language) has"
                " no equivalent in {esp}'s template language"
            )
            if part.name in SALUTATION_FIELDS
            else _(
                "the unsubscribe token (b2bmail's HMAC; the ESP owns unsubscribe) has no"
                " equivalent in {esp}'s template language"
            )
        )
        raise NoEquivalentError(
            message.format(esp=esp.name),
            path=path,
            line=line,
            hint=_(
                "use the unsubscribe link (unsubscribe.url) or merge plain fields such as"
                " recipient.last_name"
            ),
        )
    return Hole(esp.attribute(part.name, mapping), part.fallback, part.html, part.url)


def _where_read(campaign: Campaign, name: str) -> tuple[Path, int | None]:
    """The first template line (the template, then its folder's other templates) that names
    `recipient.<name>`, or the campaign file when none does (a value in campaign.yaml)."""
    pattern = re.compile(rf"\brecipient\.{re.escape(name)}\b")
    files = [campaign.template, *sorted(campaign.template_dir.rglob("*.mjml"))]
    for path in dict.fromkeys(files):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for number, text in enumerate(lines, start=1):
            if pattern.search(text):
                return path, number
    return campaign.path, None
