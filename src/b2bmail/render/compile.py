"""Segment-level compile: Jinja -> MJML -> HTML -> inlined CSS -> text, once per segment.

The result, `CompiledEmail`, holds MergeTemplates: a recipient then costs only a merge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from email.utils import parseaddr
from typing import Any, TypeVar

from babel import Locale

from b2bmail.config import Campaign, esp_literal_tags, for_language
from b2bmail.errors import TemplateError
from b2bmail.i18n import _
from b2bmail.journey import JOURNEY_STAGES
from b2bmail.render.assets import Asset, publish_images
from b2bmail.render.environment import (
    CampaignEnvironment,
    make_environment,
    render_string,
    render_template,
)
from b2bmail.render.inline import inline_css, pad_preheader, tag_links
from b2bmail.render.merge import (
    MergeRegistry,
    MergeTemplate,
    NeedsLanguage,
    NeedsVariant,
    RecipientProxy,
    mark_url,
    mark_url_fields,
)
from b2bmail.render.mjml import compile_mjml
from b2bmail.render.stages import default_stage
from b2bmail.render.text import html_to_text
from b2bmail.segments import Segment

T = TypeVar("T")
_LEFTOVER = re.compile(r"\{\{|\{%|\{#")  # not `}}`: minified CSS ends blocks with it


@dataclass(frozen=True)
class CompiledEmail:
    segment_id: str
    segment_name: str
    subject: MergeTemplate
    preheader: MergeTemplate
    html: MergeTemplate
    text: MergeTemplate
    from_addr: str
    reply_to: str | None
    list_id: str
    unsubscribe_url: MergeTemplate
    unsubscribe_mailto: MergeTemplate | None
    message_id_domain: str
    locale: str
    stage: str = ""  # the journey stage this variant was compiled for ("" when built by hand)
    default_stage: str = ""  # the segment's stage, for recipients without a known one
    assets: tuple[Asset, ...] = ()  # local images: under campaign.assets_url, or embedded

    def same_content(self, other: CompiledEmail) -> bool:
        """True when two variants would give every recipient the same message."""
        return _content(self) == _content(other)


def _content(c: CompiledEmail) -> tuple[object, ...]:
    return (
        c.subject,
        c.preheader,
        c.html,
        c.text,
        c.from_addr,
        c.reply_to,
        c.list_id,
        c.unsubscribe_url,
        c.unsubscribe_mailto,
    )


def order_by_benefit(
    blocks: Iterable[Mapping[str, Any]], segment: Segment, limit: int | None = None
) -> list[Any]:
    """Content blocks tagged `benefit: KEY`, in the order this segment weighs its benefits.

    Blocks whose benefit the segment does not weigh (or weighs 0) are left out; untagged
    blocks are not benefit blocks and are left out too. `limit` keeps the top N."""
    rank = {b.key: i for i, b in enumerate(segment.benefits) if b.weight > 0}
    tagged = [b for b in blocks if isinstance(b, Mapping) and b.get("benefit") in rank]
    ordered = sorted(tagged, key=lambda b: rank[str(b["benefit"])])  # stable: file order on ties
    return ordered[:limit] if limit is not None else ordered


def language_tag(locale: str) -> tuple[str, str]:
    """(`lang` attribute value, `dir` attribute value) for a Babel locale like fr_FR."""
    parsed = Locale.parse(locale)
    direction = "rtl" if parsed.character_order == "right-to-left" else "ltr"
    return locale.replace("_", "-"), direction


def _check_output(html: str, template: str, literal: re.Pattern[str] | None = None) -> None:
    # `literal`: the tags of the ESP the campaign is written for (`esp:`), kept on purpose.
    m = next(
        (m for m in _LEFTOVER.finditer(html) if not (literal and literal.match(html, m.start()))),
        None,
    )
    if m:
        line = html.count("\n", 0, m.start()) + 1
        raise TemplateError(
            _("unresolved template syntax {syntax} in the output (line {line} of the HTML)").format(
                syntax=repr(m.group(0)), line=line
            ),
            path=template,
            hint=_("a Jinja tag was escaped or written inside a value; check the campaign content"),
        )


def compile_segment(
    env: CampaignEnvironment,
    campaign: Campaign,
    segment: Segment,
    *,
    segments: Sequence[Segment] = (),
    stage: str | None = None,
    bound: Mapping[str, object] | None = None,
    recipient: Mapping[str, object] | None = None,
) -> CompiledEmail:
    """Render one segment's email with merge fields left as holes, for one journey stage
    (default: the segment's, see stages.default_stage). Templates see it as `stage`.

    `bound`: the recipient fields whose values the template's logic reads, for a variant
    (merge.NeedsVariant is raised, out of this function, when it reads one not bound).
    `recipient`: instead, one recipient's values as plain data: the exact message of that
    recipient rendered directly by Jinja, with no merge fields (what variants must equal)."""
    if campaign.languages:
        # One campaign, several languages: the recipient's language picks its values and
        # locale (config.for_language), so a compile is a variant per language too.
        if recipient is not None:
            language = recipient.get("language")
        elif bound is None or "language" not in bound:
            raise NeedsLanguage("language")
        else:
            language = bound["language"]
        localized = for_language(campaign, language)
        if localized.locale != campaign.locale:
            currency = str(localized.content.get("currency", "EUR"))
            env = make_environment(campaign.template_dir, localized.locale, currency)
        campaign = localized
    registry = MergeRegistry(bound=dict(bound or {}))
    segment_stage = default_stage(campaign, segment)
    if stage is None:
        stage = segment_stage
    elif stage not in JOURNEY_STAGES:
        raise ValueError(f"not a journey stage: {stage!r}")
    lang, direction = language_tag(campaign.locale)
    context: dict[str, Any] = {
        "campaign": campaign,
        "company": campaign.company,
        "content": campaign.content,
        "segment": segment,
        "segments": segments,
        "vars": segment.variables,
        "stage": stage,
        "recipient": RecipientProxy(registry) if recipient is None else recipient,
        "lang": lang,
        "dir": direction,
        "locale": campaign.locale,
        "order_by_benefit": lambda blocks, limit=None: order_by_benefit(blocks, segment, limit),
    }

    def render_field(source: str, what: str) -> str:
        return render_string(
            env, source, context, path=campaign.path, what=what, line=campaign.line_of(what)
        )

    subject = render_field(campaign.subject, "subject")
    preheader = render_field(campaign.preheader, "preheader")
    unsubscribe_url = render_field(campaign.unsubscribe.url, "unsubscribe.url")
    mailto = campaign.unsubscribe.mailto
    unsubscribe_mailto = render_field(mailto, "unsubscribe.mailto") if mailto else None
    context.update(
        subject=subject,
        preheader=preheader,
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=unsubscribe_mailto,
    )
    source = render_template(env, campaign.template, context)
    html = compile_mjml(source, template=campaign.template)
    html = pad_preheader(inline_css(html))
    assets: tuple[Asset, ...] = ()
    if campaign.assets_url or campaign.assets_embed:
        sources = (campaign.path, *sorted(campaign.template_dir.rglob("*.mjml")))
        html, assets = publish_images(
            html, campaign.path.parent, campaign.assets_url, sources, embed=campaign.assets_embed
        )
    html = tag_links(html, campaign.utm, skip=frozenset({unsubscribe_url}))
    _check_output(html, str(campaign.template), esp_literal_tags(campaign.esp))
    # Where each merge field sits is known here, in the finished HTML: mark the ones inside
    # URLs so that split() has their values percent-encoded (in the text links too).
    html = mark_url_fields(html)
    text = html_to_text(html)
    domain = parseaddr(campaign.sender.from_addr)[1].rpartition("@")[2].lower()
    return CompiledEmail(
        segment_id=segment.id,
        segment_name=segment.name,
        subject=registry.split(" ".join(subject.split())),  # one line: no folding surprises
        preheader=registry.split(" ".join(preheader.split())),
        html=registry.split(html, html=True),
        text=registry.split(text),
        from_addr=campaign.sender.from_addr,
        reply_to=campaign.sender.reply_to,
        list_id=campaign.list_id,
        unsubscribe_url=registry.split(mark_url(unsubscribe_url)),
        unsubscribe_mailto=(
            registry.split(mark_url(unsubscribe_mailto)) if unsubscribe_mailto else None
        ),
        message_id_domain=domain,
        locale=campaign.locale,
        stage=stage,
        default_stage=segment_stage,
        assets=assets,
    )


def compile_stage_variants(
    env: CampaignEnvironment,
    campaign: Campaign,
    segment: Segment,
    *,
    segments: Sequence[Segment] = (),
    first: CompiledEmail | None = None,
    bound: Mapping[str, object] | None = None,
) -> tuple[CompiledEmail, ...]:
    """One variant per journey stage (in JOURNEY_STAGES order), `first` (already compiled)
    reused. A variant identical to an earlier one shares its templates, so a template that
    does not use the stage costs one message skeleton, not three."""
    variants: list[CompiledEmail] = []
    for stage in JOURNEY_STAGES:
        if first is not None and first.stage == stage:
            variant = first
        else:
            variant = compile_segment(
                env, campaign, segment, segments=segments, stage=stage, bound=bound
            )
        same = next((v for v in variants if variant.same_content(v)), None)
        variants.append(replace(same, stage=stage) if same is not None else variant)
    return tuple(variants)


#: The most variants (distinct combinations of the recipient values a template's logic reads)
#: compiled for one segment; past it the build stops (personalize.plan.VariantRouter).
VARIANT_LIMIT = 512


def bind_recipient(
    compile_variant: Callable[[Mapping[str, object]], T], values: Mapping[str, object]
) -> T:
    """Compile the variant for one recipient's `values`: each field the template's logic
    reads (merge.NeedsVariant) is bound to the recipient's value (None when it has none) and
    the compile made again, until it needs no more."""
    bound: dict[str, object] = {}
    while True:
        try:
            return compile_variant(bound)
        except NeedsVariant as need:
            if need.name in bound:  # cannot happen: a bound field never asks again
                raise
            bound[need.name] = values.get(need.name)
