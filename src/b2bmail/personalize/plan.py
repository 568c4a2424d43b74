"""Per-recipient plans: each segment's compiled variants (one per journey stage) turned into
message skeletons once, and the choice of variant for a recipient's stage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from b2bmail.journey import normalize_stage
from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import MergeTemplate
from b2bmail.render.mime import MessageSkeleton

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


@dataclass(frozen=True)
class VariantPlan:
    """One compiled variant (a segment at a journey stage), ready for assembly."""

    skeleton: MessageSkeleton
    required: frozenset[str]  # merge fields with no fallback
    wanted: frozenset[str]  # every field the message merges, plus the To display name

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
        return cls(
            skeleton,
            required_fields(compiled),
            frozenset().union(*(t.fields for t in message_templates(compiled))) | NAME_FIELDS,
        )


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
