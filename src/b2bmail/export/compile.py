"""The campaign compiled for export: every segment once per distinct journey-stage variant
and language, and, where its template's logic reads recipient values, once per combination
of the values the recipient list holds (the build's VariantRouter); the unsubscribe link
left as a hole for the ESP's placeholder; and the compiled templates written in one ESP's
language."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from b2bmail.campaign import load_campaign
from b2bmail.config import Campaign, Unsubscribe
from b2bmail.errors import ConfigError, TemplateError
from b2bmail.export.dialect import Esp, Hole, NoEquivalentError, UrlCopy
from b2bmail.export.versions import VARIANT_FIELD, Choice, Part, merge_versions
from b2bmail.i18n import _
from b2bmail.journey import normalize_stage
from b2bmail.personalize.plan import VariantRouter
from b2bmail.render.compile import CompiledEmail, compile_segment, compile_stage_variants
from b2bmail.render.environment import make_environment
from b2bmail.render.merge import MergeField, MergeTemplate, NeedsVariant
from b2bmail.render.stages import default_stage
from b2bmail.salutation import SALUTATION_FIELDS
from b2bmail.segments import load_segments

#: The hole the unsubscribe link becomes: the ESP owns unsubscribe (and List-Unsubscribe),
#: so its placeholder replaces our URL and its HMAC token.
UNSUBSCRIBE_FIELD = "esp_unsubscribe_url"


@dataclass(frozen=True)
class ExportVariant:
    """One email to load into the ESP: a segment (in one language), at the journey stages
    routed to it. `leaves`: its versions for the recipient values the template's logic reads
    (the VariantRouter's leaves, by variant key), one ("", …) when it reads none."""

    name: str  # the folder: `mining`, `mining--decision`, `installateurs/fr`
    segment_id: str
    stages: tuple[str, ...]  # the stages whose recipients get it; () when the stage is unused
    leaves: tuple[tuple[str, CompiledEmail], ...]
    language: str = ""  # the campaign language it is written in ("" without `languages`)

    @property
    def compiled(self) -> CompiledEmail:
        """The first version (the only one when the template's logic reads no recipient)."""
        return self.leaves[0][1]

    @functools.cached_property
    def merged(self) -> tuple[tuple[Part, ...], ...]:
        """Its versions merged into one template per part (subject, preheader, html, text:
        export.versions). The merge reads no ESP, so every ESP with a conditional writes this
        one, computed once: the diff is most of an export's time."""
        versions = [[(key, t) for t in templates_of(c)] for key, c in self.leaves]
        return tuple(merge_versions(list(each)) for each in zip(*versions, strict=True))


@dataclass(frozen=True)
class Leaf:
    """One compile of a segment for the recipient values its template's logic reads."""

    bound: Mapping[str, object]  # the values read, by field, as the VariantRouter bound them
    language: str  # the campaign language these values give ("" without `languages`)
    staged: tuple[CompiledEmail, ...]  # one per journey stage, in JOURNEY_STAGES order


@dataclass(frozen=True)
class Route:
    """Where one contact goes: its email (variant) and, inside it, its version's key."""

    variant: ExportVariant
    key: str  # "" when the variant has one version


@dataclass(frozen=True)
class ExportCampaign:
    campaign: Campaign
    variants: tuple[ExportVariant, ...]
    templates: tuple[Path, ...]  # the template files Jinja loaded, to locate a construct
    # segment id -> raw leaf index -> (language, key): the version of each routed leaf
    leaf_keys: Mapping[str, Mapping[int, tuple[str, str]]] = field(default_factory=dict)
    read: tuple[str, ...] = ()  # the recipient fields the templates' logic reads
    # Segments with no email: their versions depend on the list, and no contact is in them.
    unwritten: tuple[str, ...] = ()
    # The recipient list went through the export: its contacts CSV can carry computed
    # attributes (the salutation, a URL's pre-encoded value: UrlCopy).
    routed: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        """Every merge field the emails use, sorted (the unsubscribe hole aside)."""
        names: set[str] = set()
        for v in self.variants:
            for _key, compiled in v.leaves:
                for t in templates_of(compiled):
                    names |= t.fields
        return tuple(sorted(names - {UNSUBSCRIBE_FIELD}))

    @property
    def versioned(self) -> bool:
        """Whether some email has several versions (a `b2bmail_variant` attribute picks)."""
        return any(len(v.leaves) > 1 for v in self.variants)

    def route(self, segment_id: str, leaf: int, stage_value: object) -> Route | None:
        """The email and version of a contact of `segment_id` whose values gave raw leaf
        `leaf` (ExportCompiler.leaf), for its `stage` (the segment's default stage when it
        has none or an unknown one); None if the segment is not exported."""
        language, key = self.leaf_keys.get(segment_id, {}).get(leaf, ("", ""))
        mine = [v for v in self.variants if v.segment_id == segment_id and v.language == language]
        if not mine:
            return None
        variant = mine[0]
        if len(mine) > 1:
            stage = normalize_stage(stage_value) or mine[0].compiled.default_stage
            variant = next((v for v in mine if stage in v.stages), mine[0])
        return Route(variant, key)


def templates_of(compiled: CompiledEmail) -> tuple[MergeTemplate, ...]:
    return (compiled.subject, compiled.preheader, compiled.html, compiled.text)


class _SegmentLeaves:
    """A segment's compiles by recipient values: one leaf, or the VariantRouter's leaves
    when the template's logic reads recipient fields (compiled lazily, once per distinct
    combination of the values read, as `build --recipients` does)."""

    def __init__(
        self,
        segment_id: str,
        compile_variant: Callable[[Mapping[str, object]], tuple[CompiledEmail, ...]],
        campaign: Campaign,
        fixed: tuple[CompiledEmail, ...] | None,
    ) -> None:
        self.segment_id = segment_id
        self.campaign = campaign
        self.leaves: list[Leaf] = []
        self._plans: dict[int, int] = {}  # id of the router's plan -> leaf index
        self._last: Leaf | None = None
        self._compile = compile_variant
        self.router = None if fixed is not None else VariantRouter(self._record, campaign.date)
        if fixed is not None:
            self.leaves.append(Leaf({}, _language(campaign, {}), fixed))

    def _record(self, bound: Mapping[str, object]) -> tuple[CompiledEmail, ...]:
        staged = self._compile(bound)
        self._last = Leaf(dict(bound), _language(campaign=self.campaign, bound=bound), staged)
        return staged

    def leaf(self, fields: Mapping[str, object]) -> int:
        """The index of the leaf a recipient with these field values gets."""
        if self.router is None:
            return 0
        plan = self.router.plan(fields)
        index = self._plans.get(id(plan))
        if index is None:
            assert self._last is not None  # a plan never seen was compiled just now
            index = self._plans[id(plan)] = len(self.leaves)
            self.leaves.append(self._last)
        return index


def _language(campaign: Campaign, bound: Mapping[str, object]) -> str:
    """The campaign language a variant bound to `bound` is written in (config.for_language:
    a declared language, else the default)."""
    if not campaign.languages:
        return ""
    value = bound.get("language")
    return str(value) if value in campaign.languages[1:] else campaign.languages[0]


class ExportCompiler:
    """The campaign compiled for export, segment by segment; a segment whose template's
    logic reads recipient fields gets a version per combination of their values, found by
    routing the recipient list through `leaf` (or, without a list, one per language)."""

    def __init__(self, campaign_path: str | Path, segment_ids: Iterable[str] | None = None) -> None:
        campaign = load_campaign(campaign_path)
        self.campaign = campaign
        # The unsubscribe URL becomes one merge field, and there is no mailto: the ESP
        # writes the link and the List-Unsubscribe header (issue 17, item 3).
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
        self._env = env = make_environment(
            campaign.template_dir, campaign.locale, str(campaign.content.get("currency", "EUR"))
        )
        self.segments: dict[str, _SegmentLeaves] = {}
        for segment in segments:
            if wanted and segment.id not in wanted:
                continue
            compile_variant = functools.partial(
                _compile_staged,
                functools.partial(compile_segment, env, esp_campaign, segment, segments=segments),
                functools.partial(
                    compile_stage_variants, env, esp_campaign, segment, segments=segments
                ),
                default_stage(esp_campaign, segment),
            )
            fixed: tuple[CompiledEmail, ...] | None
            try:
                fixed = compile_variant({})
            except NeedsVariant:
                fixed = None  # the template's logic reads recipient values: a leaf per value
            self.segments[segment.id] = _SegmentLeaves(segment.id, compile_variant, campaign, fixed)

    def leaf(self, segment_id: str, fields: Mapping[str, object]) -> int | None:
        """The raw leaf of a recipient routed to `segment_id` (None: segment not exported)."""
        leaves = self.segments.get(segment_id)
        return None if leaves is None else leaves.leaf(fields)

    def finish(self, *, routed: bool) -> ExportCampaign:
        """The emails to write. `routed`: the recipient list went through `leaf`. Without
        it, a template whose logic reads a recipient field other than the language stops
        (TemplateError at the template line that reads it): which versions to write, and
        who gets which, depends on the list."""
        read: dict[str, None] = {}
        for leaves in self.segments.values():
            if leaves.router is None:
                continue
            if not routed:
                # Without a list: one version per language (and the compile tells which
                # other fields the logic reads).
                for language in self.campaign.languages or (None,):
                    leaves.leaf({"language": language})
            read.update(leaves.router.fields)
            other = next((name for name in leaves.router.fields if name != "language"), None)
            if not routed and other is not None:
                path, line = _where_read(self.campaign, other)
                raise TemplateError(
                    _(
                        "recipient logic (the template tests recipient.{name}) needs the"
                        " recipient list to be exported"
                    ).format(name=other),
                    path=path,
                    line=line,
                    hint=_(
                        "add --recipients LIST: each contact gets the version of its values"
                        " (a b2bmail_variant column)"
                    ),
                )
        variants: list[ExportVariant] = []
        keys: dict[str, dict[int, tuple[str, str]]] = {}
        for segment_id, leaves in self.segments.items():
            keys[segment_id] = {}
            languages = list(dict.fromkeys(leaf.language for leaf in leaves.leaves))
            for language in languages:
                distinct: list[Leaf] = []
                for index, leaf in enumerate(leaves.leaves):
                    if leaf.language != language:
                        continue
                    same = next(
                        (i for i, d in enumerate(distinct) if _same(d.staged, leaf.staged)), None
                    )
                    if same is None:
                        same = len(distinct)
                        distinct.append(leaf)
                    keys[segment_id][index] = (language, f"v{same + 1}" if leaves.router else "")
                variants += _stage_groups(
                    segment_id, language, distinct, versioned=leaves.router is not None
                )
        env = self._env
        loaded = (
            sorted({Path(t.filename) for t in env.cache.values() if t.filename})
            if env.cache
            else []
        )
        unwritten = tuple(k for k, leaves in self.segments.items() if not leaves.leaves)
        return ExportCampaign(
            self.campaign, tuple(variants), tuple(loaded), keys, tuple(read), unwritten, routed
        )


def _compile_staged(
    compile_one: Callable[..., CompiledEmail],
    compile_stages: Callable[..., tuple[CompiledEmail, ...]],
    stage: str,
    bound: Mapping[str, object],
) -> tuple[CompiledEmail, ...]:
    """A segment compiled at every journey stage for `bound` (its default stage first)."""
    first = compile_one(stage=stage, bound=bound)
    return compile_stages(first=first, bound=bound)


def _same(a: Sequence[CompiledEmail], b: Sequence[CompiledEmail]) -> bool:
    return len(a) == len(b) and all(x.same_content(y) for x, y in zip(a, b, strict=True))


def _stage_groups(
    segment_id: str, language: str, leaves: Sequence[Leaf], *, versioned: bool
) -> list[ExportVariant]:
    """One email per group of journey stages whose content is the same for every version;
    within it, the versions (keys v1, v2, … when the template's logic reads recipients)."""
    stages = [c.stage for c in leaves[0].staged]
    groups: list[list[int]] = []
    for i in range(len(stages)):
        same = next(
            (
                g
                for g in groups
                if all(leaf.staged[g[0]].same_content(leaf.staged[i]) for leaf in leaves)
            ),
            None,
        )
        if same is None:
            groups.append([i])
        else:
            same.append(i)
    out = []
    for group in groups:
        name = segment_id
        group_stages: tuple[str, ...] = ()
        if len(groups) > 1:
            group_stages = tuple(stages[i] for i in group)
            name = f"{segment_id}--{'+'.join(group_stages)}"
        if language:
            name = f"{name}/{language}"
        versions = tuple(
            (f"v{n}" if versioned else "", leaf.staged[group[0]])
            for n, leaf in enumerate(leaves, 1)
        )
        out.append(ExportVariant(name, segment_id, group_stages, versions, language))
    return out


def compile_for_export(
    campaign_path: str | Path, segment_ids: Iterable[str] | None = None
) -> ExportCampaign:
    """Compile each selected segment for export, one variant per distinct stage content (and
    per language); without a recipient list (ExportCompiler for one)."""
    return ExportCompiler(campaign_path, segment_ids).finish(routed=False)


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


#: The version keys compile gives the versions of an email (v1, v2…).
_VERSION_KEY = re.compile(r"v[1-9][0-9]*")


def write_template(
    template: MergeTemplate | Sequence[Part],
    esp: Esp,
    export: ExportCampaign,
    mapping: Mapping[str, str],
    *,
    literal_ok: bool = False,
) -> str:
    """The compiled template (or the merged versions of one, export.versions) in the ESP's
    language; a Choice in the ESP's conditional on the contact's `b2bmail_variant`. A merge
    field with no equivalent there, or literal text the ESP would read as one of its tags,
    raises NoEquivalentError (file:line of the construct). `literal_ok`: the campaign is
    written for this ESP, its own tags are kept on purpose."""
    parts = template.parts if isinstance(template, MergeTemplate) else template
    out: list[str] = []
    for part in parts:
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
        elif isinstance(part, Choice):
            assert esp.choice is not None  # versions are merged only for an ESP with one
            texts = [
                (keys, write_template(branch, esp, export, mapping, literal_ok=literal_ok))
                for keys, branch in part.branches
            ]
            tests = [(key, text) for keys, text in texts[:-1] for key in keys]
            # A key is written into the template as code (Mailchimp's *|IF:X=v1|* does not
            # even quote it): only b2bmail's own keys (v1, v2…), never a recipient's value.
            if not all(_VERSION_KEY.fullmatch(key) for key, _text in tests):
                raise AssertionError(f"version keys {[k for k, _t in tests]}")  # a bug
            out.append(esp.choice(esp.attribute(VARIANT_FIELD, mapping), tests, texts[-1][1]))
        elif part.name == UNSUBSCRIBE_FIELD:
            out.append(esp.unsubscribe_for(export.campaign.locale))
        else:
            try:
                out.append(esp.merge(_hole(part, esp, export, mapping)))
            except NoEquivalentError as error:
                # A dialect knows the construct, not where the campaign uses it.
                if error.path is None:
                    path, error.line = locate(export, part.name)
                    error.path = str(path)
                raise
    return "".join(out)


def _around(text: str, opener: str) -> str:
    at = text.index(opener)
    return text[max(0, at - 15) : at + 25]


def url_copies(export: ExportCampaign, esp: Esp, mapping: Mapping[str, str]) -> tuple[UrlCopy, ...]:
    """The pre-encoded copies `esp` needs: one per merge field inside a URL component that
    its language cannot percent-encode (Esp.needs_url_copy), when the export has the
    recipient list to compute them from; () without the list (the dialect then refuses the
    field, dialect.no_url_encoding). A copy holds one encoded value per contact, so a field
    used in URLs with two different fallbacks, or a copy named like an attribute the emails
    already merge, raises NoEquivalentError (file:line)."""
    if not export.routed:
        return ()
    copies: dict[str, UrlCopy] = {}
    for v in export.variants:
        for _key, compiled in v.leaves:
            for template in templates_of(compiled):
                for part in template.parts:
                    if isinstance(part, str) or part.name == UNSUBSCRIBE_FIELD:
                        continue
                    if not esp.needs_url_copy(_esp_hole(part, esp, mapping)):
                        continue
                    copy = UrlCopy(
                        part.name, part.fallback, esp.url_copy_attribute(part.name, mapping)
                    )
                    if copies.setdefault(part.name, copy) != copy:
                        path, line = locate(export, part.name)
                        raise NoEquivalentError(
                            _(
                                "recipient.{name} is inside URLs with two different fallbacks,"
                                " and {esp} gets one pre-encoded copy of it per contact"
                            ).format(name=part.name, esp=esp.name),
                            path=path,
                            line=line,
                            hint=_("give it the same fallback in every URL"),
                        )
    taken = {esp.attribute(name, mapping) for name in export.fields}
    clash = next((c for c in copies.values() if c.attr in taken), None)
    if clash is not None:
        path, line = locate(export, clash.name)
        raise NoEquivalentError(
            _(
                "the pre-encoded copy of recipient.{name} for {esp} would be the attribute"
                " {attr}, which the emails already merge"
            ).format(name=clash.name, esp=esp.name, attr=clash.attr),
            path=path,
            line=line,
            hint=_("rename that field, or map it to another attribute in esp.fields"),
        )
    return tuple(copies.values())


def _esp_hole(part: MergeField, esp: Esp, mapping: Mapping[str, str]) -> Hole:
    return Hole(esp.attribute(part.name, mapping), part.fallback, part.html, part.url)


def _hole(part: MergeField, esp: Esp, export: ExportCampaign, mapping: Mapping[str, str]) -> Hole:
    # The salutation (salutation.SALUTATION_FIELDS) is a merge field like any other here: the
    # contacts CSV holds each contact's, made by the build's own function (contacts.py).
    if part.name == "unsubscribe_token":
        path, line = locate(export, part.name)
        raise NoEquivalentError(
            _(
                "the unsubscribe token (b2bmail's HMAC; the ESP owns unsubscribe) has no"
                " equivalent in {esp}'s template language"
            ).format(esp=esp.name),
            path=path,
            line=line,
            hint=_(
                "use the unsubscribe link (unsubscribe.url) or merge plain fields such as"
                " recipient.last_name"
            ),
        )
    hole = _esp_hole(part, esp, mapping)
    if export.routed and esp.needs_url_copy(hole):
        # The contact's pre-encoded copy (url_copies), fallback applied: merged as it is.
        return Hole(esp.url_copy_attribute(part.name, mapping), None, part.html, "")
    return hole


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
