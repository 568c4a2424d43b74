"""Per-recipient plans: each segment's compiled variants (one per journey stage) turned into
message skeletons once, and the choice of variant for a recipient's stage; and, for a
template whose logic reads recipient fields, one variant per distinct combination of the
values it reads (VariantRouter), compiled lazily."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from b2bmail.errors import B2bmailError, InputError, TemplateError
from b2bmail.i18n import _
from b2bmail.journey import normalize_stage
from b2bmail.recipients.needs import ListFields
from b2bmail.render.compile import VARIANT_LIMIT, CompiledEmail
from b2bmail.render.merge import MergeTemplate, NeedsLanguage, NeedsVariant
from b2bmail.render.mime import MessageSkeleton, clean_value
from b2bmail.salutation import SALUTATION_FIELDS, SALUTATION_INPUTS

#: Fields prepared for every recipient even when no template merges them: the To name.
NAME_FIELDS = frozenset({"first_name", "last_name"})


def message_templates(compiled: CompiledEmail) -> list[MergeTemplate]:
    templates: list[MergeTemplate] = [
        compiled.subject,
        compiled.preheader,
        compiled.html,
        compiled.text,
        compiled.unsubscribe_url,
    ]
    if compiled.unsubscribe_mailto is not None:
        templates.append(compiled.unsubscribe_mailto)
    return templates


def required_fields(compiled: CompiledEmail) -> frozenset[str]:
    """Merge fields without a fallback anywhere in the message."""
    names = set()
    for template in message_templates(compiled):
        for part in template.parts:
            if not isinstance(part, str) and part.fallback is None:
                names.add(part.name)
    return frozenset(names)


def read_fields(wanted: frozenset[str]) -> frozenset[str]:
    """The row fields a message merging `wanted` reads: those, and the fields its
    salutations are made from."""
    return wanted if wanted.isdisjoint(SALUTATION_FIELDS) else wanted | SALUTATION_INPUTS


@dataclass(frozen=True)
class VariantPlan:
    """One compiled variant (a segment at a journey stage), ready for assembly."""

    skeleton: MessageSkeleton
    required: frozenset[str]  # merge fields with no fallback
    wanted: frozenset[str]  # every field the message merges, plus the To display name
    reads: tuple[str, ...] = ()  # the row fields they are made from (read_fields)

    @classmethod
    def from_compiled(
        cls, compiled: CompiledEmail, date: datetime, *, mboxrd: bool = False
    ) -> VariantPlan:
        """With `mboxrd`, messages come out in their mbox form (MessageSkeleton.from_compiled)."""
        skeleton = (
            MessageSkeleton.from_compiled(compiled, date=date, linesep="\n", mboxrd=True)
            if mboxrd
            else MessageSkeleton.from_compiled(compiled, date=date)
        )
        wanted = frozenset().union(*(t.fields for t in message_templates(compiled))) | NAME_FIELDS
        return cls(skeleton, required_fields(compiled), wanted, tuple(sorted(read_fields(wanted))))


def check_known_fields(names: Iterable[str], fields: ListFields | None) -> None:
    """A TemplateError, at the template's line, for the first field a template names that no
    column of the list (nor the companies file, nor b2bmail) provides: `recipient.compagny.size`
    would otherwise be blank, or its fallback, for every recipient, without a word. With a
    close known name, 'did you mean' (recipients.needs). `fields` None: not checked (no list
    given)."""
    if fields is not None:
        fields.check_given(set(names) - NAME_FIELDS)


@dataclass(frozen=True)
class SegmentPlan:
    """A segment's variants by journey stage, and the one for recipients without a stage."""

    default_stage: str  # "" when the variants were not compiled per stage
    default: VariantPlan
    by_stage: Mapping[str, VariantPlan]

    def variant(self, stage_value: object) -> tuple[str, VariantPlan, bool]:
        """(stage used, its variant, whether the segment's default replaced a missing or
        unknown stage) for a recipient's `stage` field."""
        if not self.by_stage:
            return "", self.default, False
        stage = stage_value if type(stage_value) is str and stage_value in self.by_stage else None
        if stage is None:
            stage = normalize_stage(stage_value)
        if stage is None or stage not in self.by_stage:
            return self.default_stage, self.default, True
        return stage, self.by_stage[stage], False


def segment_plans(
    compiled: Iterable[CompiledEmail], date: datetime, *, mboxrd: bool = False
) -> dict[str, SegmentPlan]:
    """Group compiled variants by segment; variants with the same content share one plan.
    With `mboxrd`, every plan assembles the mbox form of its messages."""
    grouped: dict[str, list[CompiledEmail]] = {}
    for c in compiled:
        grouped.setdefault(c.segment_id, []).append(c)
    plans: dict[str, SegmentPlan] = {}
    for segment_id, variants in grouped.items():
        built: list[tuple[CompiledEmail, VariantPlan]] = []
        by_stage: dict[str, VariantPlan] = {}
        for c in variants:
            plan = next((p for v, p in built if c.same_content(v)), None)
            if plan is None:
                plan = VariantPlan.from_compiled(c, date, mboxrd=mboxrd)
                built.append((c, plan))
            if c.stage:
                by_stage[c.stage] = plan
        first = variants[0]
        # Routing by stage only where the stages differ: a template that ignores the stage
        # gives one plan, and its recipients are not counted by stage.
        staged = len(built) > 1 and first.default_stage in by_stage
        default_stage = first.default_stage if staged else ""
        default = by_stage[default_stage] if default_stage else built[0][1]
        plans[segment_id] = SegmentPlan(default_stage, default, by_stage if default_stage else {})
    return plans


def selector_value(raw: object) -> object:
    """A recipient field's value as a variant's templates see it: text cleaned as merge
    values are (render.mime.clean_value), several values (roles) as a frozenset."""
    if isinstance(raw, str):
        return clean_value(raw)
    if isinstance(raw, set | list | tuple):
        return frozenset(raw)
    return raw


@dataclass
class _Branch:
    """A point where the template reads recipient field `name`: one subtree per value."""

    name: str
    children: dict[object, SegmentPlan | _Branch] = field(default_factory=dict)


class RecipientValueError(InputError):
    """A variant for a recipient's values could not be compiled: a template cannot take a value
    of the list. Located where the template failed (as the original error); build_one and the
    export raise it again at the list's row (at_row)."""

    def __init__(self, error: B2bmailError) -> None:
        super().__init__(
            error.message,
            path=error.path,
            line=error.line,
            column=error.column,
            row=error.row,
            hint=error.hint,
        )

    def at_row(self, source: str | Path | None, row: int) -> InputError:
        """The same error at the list's `row` (a line of `source`), where what to fix is;
        where the template failed follows in the message."""
        return InputError(
            _("{error} (the template at {where} cannot take this row's value)").format(
                error=self.message, where=self.location()
            ),
            path=source,
            line=row if source is not None else None,
            row=None if source is not None else row,
            hint=self.hint,
        )


class VariantRouter:
    """A segment whose template's logic reads recipient fields (`{% if recipient.civility ==
    "ms" %}`, `recipient.country | vat_rate`): a decision tree over the fields read, in the
    order the template reads them, whose leaves are the plans compiled for those values.
    A recipient walks the tree (one dict look-up per field read); a missing leaf is compiled
    then, once, with the values bound (merge.NeedsVariant names the next field)."""

    def __init__(
        self,
        compile_variant: Callable[[Mapping[str, object]], Sequence[CompiledEmail]],
        date: datetime,
        *,
        limit: int = VARIANT_LIMIT,
        known: ListFields | None = None,
        mboxrd: bool = False,
    ) -> None:
        self._known = known
        self._mboxrd = mboxrd
        self._compile = compile_variant
        self._date = date
        self._limit = limit
        self._root: SegmentPlan | _Branch | None = None
        self.compiled = 0  # variants compiled so far
        self.compile_seconds = 0.0  # the time spent compiling them (a one-off per variant)
        self.fields: dict[str, None] = {}  # the recipient fields read, in order
        self.named: set[str] = set()  # every field the templates read or merge, so far

    def plan(self, values: Mapping[str, object]) -> SegmentPlan:
        """The plan for a recipient with these field values (None for a missing field)."""
        # The usual walk: each value read is a text (or missing) already seen. A text found
        # among a branch's keys is its own selector value: the keys are selector_value's
        # results, which hold nothing clean_value changes, so clean_value gives them back as
        # they are (and None is None). Anything else takes the general walk below.
        node = self._root
        while isinstance(node, _Branch):
            raw = values.get(node.name)
            if raw is not None and type(raw) is not str:
                return self._walk(values)
            child = node.children.get(raw)
            if child is None:
                return self._walk(values)
            node = child
        return node if node is not None else self._walk(values)

    def _walk(self, values: Mapping[str, object]) -> SegmentPlan:
        # The general walk: each value as selector_value makes it; a missing leaf compiled.
        node = self._root
        if node is None:
            node = self._root = self._make({})
        bound: dict[str, object] = {}
        while isinstance(node, _Branch):
            value = selector_value(values.get(node.name))
            bound[node.name] = value
            child = node.children.get(value)
            if child is None:
                child = node.children[value] = self._make(bound)
            node = child
        return node

    def _make(self, bound: Mapping[str, object]) -> SegmentPlan | _Branch:
        start = time.perf_counter()
        try:
            variants = self._compile(dict(bound))
        except B2bmailError as exc:
            # A template that cannot take a value of the list (`| vat_rate` on a country that
            # is not a code): the caller names the list's row (Personalizer.build_one).
            raise RecipientValueError(exc) from None
        except NeedsVariant as need:
            self.compile_seconds += time.perf_counter() - start
            if not isinstance(need, NeedsLanguage):  # a list without languages: the default
                check_known_fields((need.name,), self._known)
                self.named.add(need.name)
            self.fields.setdefault(need.name)
            return _Branch(need.name)
        # A compile leaves many short-lived cycles (lxml, premailer, Jinja); collected now,
        # once per variant, they do not make every later collection of the run slower.
        gc.collect()
        self.compile_seconds += time.perf_counter() - start
        self.compiled += 1
        if self.compiled > self._limit:
            names = ", ".join(f"recipient.{name}" for name in self.fields)
            raise TemplateError(
                _(
                    "the template's logic reads {names}, and the list has more than "
                    "{limit} distinct combinations of their values (one compiled variant "
                    "each)"
                ).format(names=names, limit=self._limit),
                hint=_(
                    "test fewer fields, or values with fewer distinct spellings "
                    "(e.g. the normalised recipient.civility rather than a free-text column)"
                ),
            )
        (plan,) = segment_plans(variants, self._date, mboxrd=self._mboxrd).values()
        for variant in (plan.default, *plan.by_stage.values()):
            check_known_fields(variant.wanted, self._known)
            self.named.update(variant.wanted)
        return plan
