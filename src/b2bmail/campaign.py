"""The campaign job: load a campaign, compile every segment, render its sample message, lint
what was built and write the output folder — the one place where the render engine meets the
linter. `b2bmail build`, `b2bmail lint campaign.yaml`, `preview` and `serve` all call this
module; nothing else composes render and lint.

May import: config, segments, output, errors, render (the engine), personalize.tokens (the one
Message-ID scheme) and, lazily, lint.api (a build without lint never loads the linter).
Never imports the CLI or click.

Two ways to lint what was built, both here: `lint_build` lints each segment from its parts
(what `build`, `preview` and `serve` show, named after the written files), and
`lint_campaign_messages` lints each sample .eml as a whole message (what `b2bmail lint
campaign.yaml` reports). Both take their settings from `campaign_lint_config`, the one place
the campaign's `lint:` section is applied, and both report each problem at the source that
produced it (`source_index`, lint/source_map.py): a template file's line, a YAML key, with
the segment it was found in, since CI can annotate only files in the repository.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from b2bmail.config import Campaign, esp_literal_tags, load_campaign_config
from b2bmail.errors import ConfigError
from b2bmail.i18n import _
from b2bmail.output import atomic_directory, check_outputs, json_document
from b2bmail.personalize.tokens import message_id
from b2bmail.render.assets import Asset
from b2bmail.render.compile import (
    CompiledEmail,
    bind_recipient,
    compile_segment,
    compile_stage_variants,
)
from b2bmail.render.environment import make_environment
from b2bmail.render.merge import NeedsVariant
from b2bmail.render.mime import HeaderTooLongError, MessageSkeleton, clean_value, image_part
from b2bmail.render.stages import sample_stage
from b2bmail.salutation import salutation_values
from b2bmail.segments import Segment, load_segments

if TYPE_CHECKING:
    from b2bmail.lint.api import LintConfig, Problem
    from b2bmail.lint.source_map import SourceIndex


@dataclass(frozen=True)
class SampleMessage:
    """The sample recipient's message of a segment: its compile and what it renders to."""

    compiled: CompiledEmail
    subject: str
    preheader: str
    html: str
    text: str
    eml: bytes


@dataclass(frozen=True)
class BuiltSegment:
    segment_id: str
    segment_name: str
    # The sample recipient's message, made the first time it is read (`sample`, and
    # `compiled`, `html`, `eml`... from it). render_campaign makes it at once, except for a
    # per-recipient build (stage_variants), which writes each recipient's message and not the
    # sample's: for a segment whose logic reads recipient fields, the sample is a full compile
    # (MJML, inlining, text) of its own that such a build would throw away.
    make_sample: Callable[[], SampleMessage] = field(compare=False, repr=False)
    # One CompiledEmail per journey stage when asked for (render_campaign(stage_variants=True)),
    # for per-recipient builds; empty otherwise. `compiled` is the sample's stage.
    variants: tuple[CompiledEmail, ...] = ()
    # When the template's logic reads recipient fields: the stage variants for given values
    # of those fields (personalize.plan.VariantRouter compiles them lazily); `variants` is
    # then empty and `compiled` is the sample recipient's variant.
    compile_variant: Callable[[Mapping[str, object]], tuple[CompiledEmail, ...]] | None = None
    esp: str = ""  # the campaign's `esp:`, whose own tags lint lets pass (esp_tag_problem)
    # A campaign in several languages (`languages: [fr, en]`): the sample in each declared
    # language, in its locale, written to <segment>/<language>/ (file_payloads); `language`
    # says which one a sample is.
    by_language: tuple[BuiltSegment, ...] = ()
    language: str = ""

    @functools.cached_property
    def sample(self) -> SampleMessage:
        """The sample recipient's message (made once, on first use)."""
        return self.make_sample()

    @property
    def compiled(self) -> CompiledEmail:
        return self.sample.compiled

    @property
    def subject(self) -> str:
        return self.sample.subject

    @property
    def preheader(self) -> str:
        return self.sample.preheader

    @property
    def html(self) -> str:
        return self.sample.html

    @property
    def text(self) -> str:
        return self.sample.text

    @property
    def eml(self) -> bytes:
        return self.sample.eml

    @property
    def stage_variants(self) -> tuple[CompiledEmail, ...]:
        """The variants to personalise from: every stage's, or just the sample's."""
        return self.variants or (self.compiled,)


@dataclass(frozen=True)
class CampaignBuild:
    campaign: Campaign
    segments: tuple[BuiltSegment, ...]
    # The template files Jinja loaded (the template, what it extends, includes and imports),
    # where lint looks for the source of a problem.
    templates: tuple[Path, ...] = ()


T = TypeVar("T")


def _bound_variants(compile_variant: Callable[..., T]) -> Callable[[Mapping[str, object]], T]:
    """A compile taking `bound=` as a function of the bound values (variants)."""
    return lambda bound: compile_variant(bound=bound)


def campaign_files(campaign: Campaign) -> tuple[Path, ...]:
    """The files a build reads: the campaign file, its template and its segments file. No
    output may be, hold or lie inside one of them."""
    return (campaign.path, campaign.template, campaign.segments)


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file (see config.py)."""
    return load_campaign_config(path)


def sample_values(campaign: Campaign) -> dict[str, str]:
    """The sample recipient's merge values (fixed, so sample output is deterministic), cleaned
    as every recipient's are, so email.html and email.txt match the .eml's parts; and the
    salutations made from them as a recipient's are (salutation.salutation_values)."""
    values = {k: clean_value(str(v)) for k, v in campaign.sample_recipient.items()}
    computed = salutation_values(values, campaign.locale)
    return {**computed, **values}  # a sample_recipient key given by hand wins


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
                    _("no segment with id {id}").format(id=repr(seg_id)),
                    path=campaign.segments,
                    hint=_("known ids: {ids}").format(ids=", ".join(s.id for s in segments)),
                )
        chosen = tuple(s for s in segments if s.id in wanted)
    env = make_environment(
        campaign.template_dir, campaign.locale, str(campaign.content.get("currency", "EUR"))
    )
    built = []
    for segment in chosen:
        values = sample_values(campaign)
        stage = sample_stage(campaign, segment)
        compile_sample = _bound_variants(
            functools.partial(
                compile_segment, env, campaign, segment, segments=segments, stage=stage
            )
        )
        if stage_variants:
            compile_stages = functools.partial(
                compile_stage_variants, env, campaign, segment, segments=segments
            )
            built.append(_staged(campaign, segment, compile_sample, compile_stages, values))
            continue
        sample = _sample(
            campaign, bind_recipient(compile_sample, values), values, segment_id=segment.id
        )
        # The sample in each language, for the build's folders; a per-recipient build
        # (stage_variants) compiles each recipient's language itself.
        languages = campaign.languages if len(campaign.languages) > 1 else ()
        by_language = tuple(
            _built(
                campaign,
                segment,
                _sample(
                    campaign,
                    bind_recipient(compile_sample, {**values, "language": lang}),
                    {**values, "language": lang},
                    segment_id=segment.id,
                ),
                language=lang,
            )
            for lang in languages
        )
        built.append(_built(campaign, segment, sample, by_language=by_language))
    # Jinja's cache holds every template loaded through the environment, partials included.
    loaded = (
        sorted({Path(t.filename) for t in env.cache.values() if t.filename}) if env.cache else []
    )
    return CampaignBuild(campaign=campaign, segments=tuple(built), templates=tuple(loaded))


def _staged(
    campaign: Campaign,
    segment: Segment,
    compile_sample: Callable[[Mapping[str, object]], CompiledEmail],
    compile_stages: Callable[..., tuple[CompiledEmail, ...]],
    values: Mapping[str, str],
) -> BuiltSegment:
    """A segment for a per-recipient build: its variant at every journey stage
    (`compile_stages`: compile_stage_variants of the segment), or, when its template's logic
    reads recipient fields, the compile of its variants for given values; its sample message
    made only if read (BuiltSegment.make_sample)."""
    first: CompiledEmail | None = None
    variants: tuple[CompiledEmail, ...] = ()
    compile_variant = None
    try:
        # The sample's stage first, with no recipient field bound: bind_recipient's first
        # try, so when it succeeds it is the sample's compile too. Nothing is ever bound to
        # the sample recipient's values here: a variant bound to them would be sent to every
        # recipient of its stage.
        first = compile_sample({})
        variants = compile_stages(first=first, bound={})
    except NeedsVariant:
        compile_variant = _bound_variants(compile_stages)

    def make_sample() -> SampleMessage:
        # `first` compiled: the sample needs no field bound, it is that compile.
        compiled = first if first is not None else bind_recipient(compile_sample, values)
        return _sample(campaign, compiled, values, segment_id=segment.id)

    return _built(
        campaign, segment, make_sample, variants=variants, compile_variant=compile_variant
    )


def _built(
    campaign: Campaign,
    segment: Segment,
    sample: SampleMessage | Callable[[], SampleMessage],
    *,
    variants: tuple[CompiledEmail, ...] = (),
    compile_variant: Callable[[Mapping[str, object]], tuple[CompiledEmail, ...]] | None = None,
    by_language: tuple[BuiltSegment, ...] = (),
    language: str = "",
) -> BuiltSegment:
    """A built segment of `campaign`: its sample message (made, or to make when read)."""
    make_sample = sample if callable(sample) else lambda: sample
    return BuiltSegment(
        segment_id=segment.id,
        segment_name=segment.name,
        make_sample=make_sample,
        variants=variants,
        compile_variant=compile_variant,
        esp=campaign.esp,
        by_language=by_language,
        language=language,
    )


def _sample(
    campaign: Campaign,
    compiled: CompiledEmail,
    values: Mapping[str, str],
    *,
    segment_id: str,
) -> SampleMessage:
    """The sample recipient's message of a compiled segment."""
    to = values["email"]
    mid = message_id(
        campaign.name,
        segment_id,
        to.lower(),
        compiled.message_id_domain,
        campaign.date.isoformat(),
    )
    try:
        # The sample goes through the writer every recipient's message goes through.
        skeleton = MessageSkeleton.from_compiled(compiled, date=campaign.date)
        eml = skeleton.assemble(values, to_addr=to, to_name="", message_id=mid)
    except HeaderTooLongError as exc:
        raise ConfigError(
            _(
                "unsubscribe.url is {length} characters once filled for the sample recipient"
                " of segment '{segment}', and a header line holds at most 998"
                " (RFC 5322 §2.1.1)"
            ).format(length=exc.length, segment=segment_id),
            path=campaign.path,
            hint=_("shorten the URL or the values it merges"),
        ) from exc
    return SampleMessage(
        compiled=compiled,
        subject=compiled.subject.render(values),
        preheader=compiled.preheader.render(values),
        html=compiled.html.render(values),
        text=compiled.text.render(values),
        eml=eml,
    )


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
        if seg.by_language:
            segments[-1]["languages"] = {
                sample.language: {"subject": sample.subject, "preheader": sample.preheader}
                for sample in seg.by_language
            }
    manifest: dict[str, Any] = {
        "campaign": build.campaign.name,
        "campaign_file": build.campaign.path.name,
        "locale": build.campaign.locale,
        "date": build.campaign.date.isoformat(),
        "segments": segments,
    }
    assets = build_assets(build)
    if assets:
        # Local images: to upload to assets_url before sending, or carried inside every .eml
        # as inline parts (`assets_embed`, a `cid:` url: nothing to upload) — render/assets.py.
        manifest["assets"] = [
            {
                "file": a.name,
                "url": a.url,
                "bytes": a.size,
                "sha256": a.sha256,
                "upload": not a.url.startswith("cid:"),
            }
            for a in assets
        ]
    return manifest


def build_assets(build: CampaignBuild) -> tuple[Asset, ...]:
    """The local images any segment (any journey-stage variant) uses, once each, by name."""
    found: dict[str, Asset] = {}
    for seg in build.segments:
        for compiled in (seg.compiled, *seg.variants):
            found.update((a.name, a) for a in compiled.assets)
    return tuple(found[name] for name in sorted(found))


def file_payloads(seg: BuiltSegment) -> Mapping[str, bytes]:
    """The files of a built segment, by path inside its folder: email.html, email.txt and
    email.eml, or `<language>/email.*` for each language of a campaign in several."""
    if seg.by_language:
        return {
            f"{sample.language}/{name}": data
            for sample in seg.by_language
            for name, data in file_payloads(sample).items()
        }
    return {
        "email.html": seg.html.encode("utf-8"),
        "email.txt": seg.text.encode("utf-8"),
        "email.eml": seg.eml,
    }


def language_samples(seg: BuiltSegment) -> tuple[tuple[str, BuiltSegment], ...]:
    """(name, sample) for each message a build writes of a segment: the sample alone, named
    by the segment (`mining`), or one per language, named `mining/fr`, `mining/en` (its
    folder, and the segment a lint problem names)."""
    if seg.by_language:
        return tuple((f"{seg.segment_id}/{s.language}", s) for s in seg.by_language)
    return ((seg.segment_id, seg),)


def write_build(build: CampaignBuild, out_dir: str | Path) -> dict[str, Any]:
    """Write DIR/<segment>/email.html|txt|eml and DIR/manifest.json as one atomic swap: a
    failed build leaves the previous DIR untouched."""
    manifest = manifest_for(build)
    # The folder is replaced whole: atomic_directory refuses one that is not ours (`--out .`,
    # the campaign's folder) and one that holds or lies inside an input.
    with atomic_directory(out_dir, inputs=campaign_files(build.campaign)) as stage:
        for seg in build.segments:
            folder = stage / seg.segment_id
            for name, data in file_payloads(seg).items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
        text = json_document("manifest", manifest)
        (stage / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


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


def campaign_lint_config(campaign: Campaign, base: LintConfig | None = None) -> LintConfig:
    """The lint settings for a campaign: `base` (the settings the caller chose, e.g. `lint
    --config FILE`), else the pyproject.toml of the campaign's project; then the campaign's
    own `lint:` section on top."""
    from b2bmail.lint.api import LintConfig, load_lint_config
    from b2bmail.lint.config import find_pyproject

    overrides = campaign.lint or None
    if base is None:
        pyproject = find_pyproject(campaign.path.resolve().parent)
        if pyproject is not None:
            return load_lint_config(pyproject, overrides)
        base = LintConfig()
    return base.merged(overrides, "campaign lint section")


def eml_headers(eml: bytes) -> dict[str, str]:
    """The top-level headers of a message, for the linter's compliance rules."""
    message = BytesParser(policy=policy.default).parsebytes(eml, headersonly=True)
    return {name: str(value) for name, value in message.items()}


def lint_segment(
    seg: BuiltSegment, path: str, config: LintConfig | None = None
) -> tuple[Problem, ...]:
    """Lint one built segment as a message: HTML, text, subject, preheader and headers."""
    from b2bmail.lint.api import lint_email  # the build depends on lint only when it lints

    problems = lint_email(
        html=seg.html,
        text=seg.text,
        subject=seg.subject,
        preheader=seg.preheader,
        headers=eml_headers(seg.eml),
        path=path,
        config=config,
        # An embedded image weighs its encoded part in the message (base64: about 4/3).
        image_sizes={
            a.url: len(image_part(a)) if a.embedded else a.size for a in seg.compiled.assets
        },
    )
    return tuple(p for p in problems if not esp_tag_problem(p, seg))


# B2B606 quotes the tag it found as a Python repr; the words around it are translated
# (issue 18), so the tag is looked for at every quote of the message, not after "syntax".
_QUOTED_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_OPENERS = re.compile(r"\{\{|\{%|\*\||%%|\[\[")  # what lint rule B2B606 looks for


def esp_tag_problem(problem: Problem, seg: BuiltSegment) -> bool:
    """True for a B2B606 finding that is only the tags of the ESP the campaign is written
    for (`esp:` — kept on purpose, issue 17): our own leftovers are still reported."""
    literal = esp_literal_tags(seg.esp)
    if problem.code != "B2B606" or literal is None:
        return False
    # B2B606's finding on the subject or preheader: known by its part (the subject is placed
    # at its header), never by its words, which are translated.
    if problem.part == "preheader":
        return not _OPENERS.search(literal.sub("", seg.preheader))
    if problem.part == "subject" or problem.snippet.startswith("Subject: "):
        return not _OPENERS.search(literal.sub("", seg.subject))
    if problem.part == "headers":
        return False
    tags = [m.group(0) for m in literal.finditer(seg.html + "\n" + seg.text)]
    for start in (i for i, char in enumerate(problem.message) if char in "'\""):
        found = _QUOTED_TOKEN.match(problem.message, start)
        try:
            token = str(ast.literal_eval(found.group(0))) if found else ""
        except (ValueError, SyntaxError):  # an apostrophe of the sentence, not the tag
            continue
        # B2B606 quotes at most 40 characters of a tag: a longer one is matched by its start.
        if token and any(t.startswith(token) and (len(token) == 40 or t == token) for t in tags):
            return True
    return False


def source_index(build: CampaignBuild) -> SourceIndex:
    """The sources of a build, indexed to place its lint problems: the template files Jinja
    loaded, the campaign file and the segments file."""
    from b2bmail.lint.source_map import SourceIndex

    campaign = build.campaign
    return SourceIndex(
        campaign=campaign.path,
        campaign_lines=campaign.lines,
        templates=build.templates,
        data=(campaign.path, campaign.segments),
    )


def lint_build(
    build: CampaignBuild, out_dir: Path, config: LintConfig | None = None
) -> tuple[Problem, ...]:
    """Lint every built segment from its parts, each problem placed at its source (see
    `source_index`), once for all the segments that show it."""
    from b2bmail.lint.source_map import merge_segments

    index = source_index(build)
    problems: list[Problem] = []
    for seg in build.segments:
        for label, sample in language_samples(seg):
            problems.extend(
                index.place(p, sample.html, sample.text, label)
                for p in lint_segment(sample, str(out_dir / label / "email.html"), config)
            )
    return tuple(merge_segments(problems))


def layout_script() -> str:
    """The script the preview runs in an email laid out at a phone width (lint.layout.MEASURE):
    its result, one per width, is what `lint_layout` reads."""
    from b2bmail.lint.layout import MEASURE

    return MEASURE


def lint_layout(
    segment_id: str,
    html: str,
    text: str,
    measured: Sequence[Mapping[str, Any]],
    *,
    config: LintConfig | None = None,
    index: SourceIndex | None = None,
) -> tuple[Problem, ...]:
    """The browser rules' problems (B2B109, B2B110) of one segment's email as Chromium laid
    it out (`measured`: what `layout_script()` returned at each phone width), under the
    campaign's lint settings; placed at their source by `index` (see `source_index`) when
    given, else at their line of `<segment>/email.html`."""
    from b2bmail.lint.layout import layout_problems

    path = f"{segment_id}/email.html"
    problems = layout_problems(measured, html=html, path=path, config=config)
    if index is None:
        return tuple(problems)
    return tuple(index.place(p, html, text, segment_id) for p in problems)


def message_parts(eml: bytes) -> tuple[str, str]:
    """The decoded HTML and text parts of a message ("" when absent): the lines the linter
    counts in when it lints the message."""
    message = BytesParser(policy=policy.default).parsebytes(eml)
    parts = []
    for kind in ("html", "plain"):
        body = message.get_body(preferencelist=(kind,))
        parts.append(str(body.get_content()) if body is not None else "")
    return parts[0], parts[1]


def lint_campaign_messages(
    build: CampaignBuild, config: LintConfig, source: str | Path
) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    """Lint each segment's sample .eml as a whole message (what `b2bmail lint campaign.yaml`
    reports), each problem placed at its source (see `source_index`), once for all the
    segments that show it. The files linted are named `<source>#<segment>`."""
    from b2bmail.lint.api import lint_message
    from b2bmail.lint.source_map import merge_segments

    index = source_index(build)
    files: list[str] = []
    problems: list[Problem] = []
    for seg in build.segments:
        for label, sample in language_samples(seg):
            name = f"{source}#{label}"
            files.append(name)
            html, text = message_parts(sample.eml)
            problems.extend(
                index.place(p, html, text, label)
                for p in lint_message(sample.eml, name, config)
                if not esp_tag_problem(p, sample)
            )
    return tuple(files), tuple(merge_segments(problems))


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
        problems = lint_build(build, out, campaign_lint_config(build.campaign))
    manifest = write_build(build, out)
    return BuildReport(build=build, out_dir=out, manifest=manifest, problems=problems, linted=lint)
