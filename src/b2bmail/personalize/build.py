"""Per-recipient messages: a recipient list routed to segments, each row merged into its
segment's compiled email and assembled into an .eml (render.mime), streamed.

Segment-level work (Jinja, MJML, inlining, text, the MIME skeleton) happens once per segment
and journey stage (one variant per stage, identical variants shared); a recipient costs
picking the variant of its stage, building its merge values, an HMAC, and the assembly.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from b2bmail.campaign import CampaignBuild, campaign_files, render_campaign
from b2bmail.config import Campaign
from b2bmail.i18n import _
from b2bmail.journey import JOURNEY_STAGES
from b2bmail.output import atomic_directory, atomic_file, check_outputs, json_document
from b2bmail.personalize.message import (
    PersonalizedMessage,
    PersonalizeReport,
    RowIssue,
)
from b2bmail.personalize.plan import (
    NAME_FIELDS,
    RecipientValueError,
    SegmentPlan,
    VariantRouter,
    check_known_fields,
    read_fields,
    segment_plans,
)
from b2bmail.personalize.report import report_json
from b2bmail.personalize.tokens import TokenKey, message_id_seed, seeded_message_id, token_key
from b2bmail.personalize.write import write_messages
from b2bmail.recipients.buckets import (
    RESERVED,
    Assign,
    RowOutcome,
    check_segment_ids,
    load_suppressions,
    route_rows,
)
from b2bmail.recipients.companies import CompanyIndex, load_companies
from b2bmail.recipients.needs import FieldUse, ListFields
from b2bmail.recipients.reader import RecipientRow, RecipientTable, read_recipients
from b2bmail.recipients.segmenting import rule_uses, segment_assigner
from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import COMPUTED_FIELDS, UnsafeUrlValueError
from b2bmail.render.mime import HeaderTooLongError, clean_value, cleaning_notes, has_control
from b2bmail.salutation import SALUTATION_FIELDS, add_salutations
from b2bmail.segments import load_segments

#: Fields every message has whatever the list holds (build_one's `extra`, salutations).
MERGE_PROVIDED = frozenset({*COMPUTED_FIELDS, "segment"})


def merge_text(value: object) -> str:
    """A recipient field as merge text: sets joined, numbers as written."""
    if isinstance(value, frozenset | set | tuple | list):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)


def recipient_values(
    fields: Mapping[str, object],
    extra: Mapping[str, str],
    wanted: frozenset[str] | None = None,
    locale: str = "",
    reads: Iterable[str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Merge values (str) for one recipient, cleaned by clean_value (control characters,
    invisible and bidi control characters); and what was cleaned, one report line per value.
    With `wanted`, only those keys (the message's merge fields) are prepared. Salutations
    (salutation.SALUTATION_FIELDS) are made from the cleaned values, in the recipient's
    language or the campaign's `locale`. `reads`: the row fields `wanted` needs
    (plan.read_fields, worked out once per variant: plan.VariantPlan.reads)."""
    values: dict[str, str] = {}
    cleaned: list[str] = []
    if reads is not None:
        for key in reads:
            raw = fields.get(key)
            if raw is not None:
                values[key] = raw if type(raw) is str else merge_text(raw)
    # One search over every value (the space between them is no suspect character). A row
    # with something to clean, rare, is prepared again below, its notes in row order.
    if reads is None or has_control(" ".join(values.values())):
        values = {}
        needed = read_fields(wanted) if wanted is not None else None
        for key, raw in fields.items():
            if needed is not None and key not in needed:
                continue
            text = raw if type(raw) is str else merge_text(raw)
            notes = cleaning_notes(text)
            if notes:
                cleaned.append("; ".join(note.format(key=key) for note in notes))
                text = clean_value(text)
            values[key] = text
    # The salutations, from the cleaned values (set among them, no dict merged); then the
    # values b2bmail provides.
    if wanted is None or not wanted.isdisjoint(SALUTATION_FIELDS):
        add_salutations(values, values, locale, wanted)
    values.update(extra)
    return values, cleaned


@dataclass
class _Tally:
    """The running counts of one Personalizer (local to it; frozen into a report at the end)."""

    rows_read: int = 0
    buckets: dict[str, int] = field(default_factory=dict)
    built: dict[str, int] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    stages: dict[str, int] = field(default_factory=dict)
    stage_defaulted: int = 0
    blank_rows: int = 0


class Personalizer:
    """Built once per run from the compiled segments; `messages()` streams the recipients."""

    def __init__(
        self,
        compiled: Iterable[CompiledEmail],
        *,
        campaign_name: str,
        date: datetime,
        key: TokenKey,
        mboxrd: bool = False,
        variant_compilers: Mapping[
            str, Callable[[Mapping[str, object]], Sequence[CompiledEmail]]
        ] = {},
        list_fields: ListFields | None = None,
    ) -> None:
        """With `mboxrd`, messages are assembled in their mbox form (PersonalizedMessage),
        ready to append to an mbox with no per-message conversion. `variant_compilers`: for
        segments whose template's logic reads recipient fields, the compile of their variants
        for given values (personalize.plan.VariantRouter). `list_fields`: the fields the list
        provides; a template naming another is an error (personalize.plan.check_known_fields)."""
        self.mboxrd = mboxrd
        known = (
            None
            if list_fields is None
            else replace(list_fields, known=list_fields.known | MERGE_PROVIDED)
        )
        self.plans: dict[str, SegmentPlan] = segment_plans(compiled, date, mboxrd=mboxrd)
        self._unchecked = known  # checked once the list's first row has read well
        self._fields = known
        self.routers = {
            segment_id: VariantRouter(compile_variant, date, known=known, mboxrd=mboxrd)
            for segment_id, compile_variant in variant_compilers.items()
        }
        check_segment_ids([*self.plans, *self.routers])
        self.campaign_name = campaign_name
        self.date_text = date.isoformat()
        self.key = key
        self._seeds: dict[str, Any] = {}  # per segment: tokens.message_id_seed
        staged = any(plan.by_stage for plan in self.plans.values())
        self.tally = _Tally(
            buckets=dict.fromkeys([*self.plans, *self.routers, *RESERVED], 0),
            built=dict.fromkeys([*self.plans, *self.routers], 0),
            stages=dict.fromkeys(JOURNEY_STAGES, 0) if staged else {},
        )

    @property
    def report(self) -> PersonalizeReport:
        """A snapshot of the counts so far."""
        tally = self.tally
        return PersonalizeReport(
            rows_read=tally.rows_read,
            buckets=dict(tally.buckets),
            built=dict(tally.built),
            issues=tuple(tally.issues),
            token_source=self.key.source,
            stages=dict(tally.stages),
            stage_defaulted=tally.stage_defaulted,
            blank_rows=tally.blank_rows,
            variants={k: r.compiled for k, r in self.routers.items()},
        )

    def check_filled(self, filled: Collection[str]) -> None:
        """An InputError, at the template's line, for a field the templates merge or test
        that is blank in every row (`filled`: the list's column summary, read once, plus the
        companies file's fields): its merge field or test would give every recipient the same
        text (its fallback, or the `else`), which is rarely what was meant."""
        if self._fields is None:
            return
        named = {n for r in self.routers.values() for n in r.named}
        for segment_plan in self.plans.values():
            for variant in (segment_plan.default, *segment_plan.by_stage.values()):
                named |= variant.wanted
        # The To display name only, not the content; b2bmail's own fields always have values.
        self._fields.check_filled(named - NAME_FIELDS, {*filled, *MERGE_PROVIDED})

    def _check_fields(self, known: ListFields) -> None:
        # After the first row, not before: a list that cannot be read reports that first.
        self._unchecked = None
        for segment_plan in self.plans.values():
            for variant in (segment_plan.default, *segment_plan.by_stage.values()):
                check_known_fields(variant.wanted, known)

    def build_one(
        self, segment_id: str, fields: Mapping[str, object], address_key: str, row: int
    ) -> PersonalizedMessage | None:
        """One recipient's message, or None (and an issue reported) when it cannot be built."""
        router = self.routers.get(segment_id)
        if router is None:
            segment_plan = self.plans[segment_id]
        else:
            try:
                segment_plan = router.plan(fields)
            except RecipientValueError as exc:
                source = self._fields.source if self._fields is not None else None
                raise exc.at_row(source, row) from None
        stage, plan, defaulted = segment_plan.variant(fields.get("stage"))
        skeleton = plan.skeleton
        email = str(fields.get("email", ""))
        local, _at, _domain = email.rpartition("@")
        ascii_domain = address_key.rpartition("@")[2]
        if not local.isascii():
            self.tally.issues.append(
                RowIssue(row, email, "smtputf8", "non-ASCII local part needs SMTPUTF8 (RFC 6531)")
            )
            return None
        token = self.key.token(address_key)
        values, cleaned = recipient_values(
            fields,
            {"email": email, "unsubscribe_token": token, "segment": segment_id},
            plan.wanted,
            skeleton.compiled.locale,
            plan.reads,
        )
        for detail in cleaned:
            self.tally.issues.append(RowIssue(row, email, "cleaned", detail, segment_id))
        # A required field the row has, blank, merges as blank; one it lacks stops the message.
        if not plan.required <= values.keys():
            absent = sorted(plan.required - values.keys())
            self.tally.issues.append(
                RowIssue(
                    row,
                    email,
                    "missing",
                    _("no value for {fields}").format(fields=", ".join(absent)),
                )
            )
            return None
        # The To display name: first and last name, each when not blank.
        first, last = values.get("first_name", ""), values.get("last_name", "")
        if not last.strip():
            name = first if first.strip() else ""
        else:
            name = f"{first} {last}" if first.strip() else last
        seed = self._seeds.get(segment_id)
        if seed is None:
            seed = self._seeds[segment_id] = message_id_seed(
                self.campaign_name, segment_id, self.date_text
            )
        mid = seeded_message_id(seed, address_key, skeleton.compiled.message_id_domain)
        try:
            # skeleton.assemble_parts(values, to_addr=…, to_name=…, message_id=…) without its
            # frame and keywords: the skeleton's assembler it calls, with the message's size
            # (for the writers: personalize.write.write_all).
            parts, size = skeleton.assembler(values, f"{local}@{ascii_domain}", name, mid)
        except UnsafeUrlValueError as exc:
            self.tally.issues.append(RowIssue(row, email, "unsafe-url", exc.message))
            return None
        except HeaderTooLongError as exc:
            detail = _(
                "its List-Unsubscribe URL is {length} characters once merged, and a header "
                "line holds at most 998 (RFC 5322 §2.1.1) — shorten the values merged into "
                "unsubscribe.url"
            ).format(length=exc.length)
            self.tally.issues.append(RowIssue(row, email, "too-long", detail))
            return None
        self.tally.built[segment_id] += 1
        if stage:
            self.tally.stages[stage] = self.tally.stages.get(stage, 0) + 1
            self.tally.stage_defaulted += defaulted
        return PersonalizedMessage(row, email, segment_id, mid, parts, self.mboxrd, size)

    def messages(
        self,
        routed: Iterable[tuple[RecipientRow, Mapping[str, object], RowOutcome]],
        *,
        finished: Callable[[], None] | None = None,
    ) -> Iterator[PersonalizedMessage]:
        """Messages for the routed rows (row, fields, outcome: routed_rows) in segments; a
        row's address key (for tokens and IDs) is its duplicate key, `rec.check.key`. While
        they stream, the long-lived objects are out of the collector's passes
        (long_lived_objects_frozen); `finished` is called once every row is read. (One
        generator for all of it: a layer around it would cost a hop per message.)"""
        issues = self.tally.issues
        with long_lived_objects_frozen():
            for rec, fields, outcome in routed:
                if self._unchecked is not None:
                    self._check_fields(self._unchecked)
                self.tally.rows_read += 1
                bucket = outcome.bucket
                self.tally.buckets[bucket] = self.tally.buckets.get(bucket, 0) + 1
                if bucket in self.plans or bucket in self.routers:
                    msg = self.build_one(bucket, fields, rec.check.key, outcome.row)
                    if msg is not None:
                        yield msg
                    continue
                # Not built: reported row by row, so no input row is silently dropped.
                typed = rec.email
                if bucket in RESERVED:
                    issues.append(RowIssue(outcome.row, typed, bucket, outcome.reason, bucket))
                else:
                    detail = _("segment '{segment}' not selected (--segment)").format(
                        segment=bucket
                    )
                    issues.append(RowIssue(outcome.row, typed, "not-selected", detail))
        if finished is not None:
            finished()


@contextlib.contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """While a list streams, the objects that already exist (modules, the compiled campaign:
    hundreds of thousands after importing lxml, premailer and Jinja) are left out of the
    cyclic collector's passes (gc.freeze), and put back afterwards (gc.unfreeze), even when
    the stream stops early or raises. Each variant compiled during the run is followed by a
    full collection (plan.VariantRouter), which otherwise walks all of them every time
    (about 30 ms each, 0.1-0.2 s of a run). Nothing is freed later than it would be: an
    object that exists before the run and dies during it is collected once it is unfrozen.
    A caller that froze objects itself (gc.get_freeze_count() > 0, e.g. before forking
    workers) keeps its own state: nothing is frozen or unfrozen then."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def routed_rows(
    table: RecipientTable,
    assign: Assign,
    *,
    companies: str | Path | CompanyIndex | None = None,
    suppress: Iterable[str | Path] = (),
    uses: Sequence[FieldUse] = (),
) -> Iterator[tuple[RecipientRow, Mapping[str, object], RowOutcome]]:
    """route_rows with the companies and suppression files loaded (when the rows are first
    asked for); `uses`: the fields the segment rules read (route_rows checks them)."""
    index = (
        companies
        if isinstance(companies, CompanyIndex) or companies is None
        else load_companies(companies)
    )
    suppressions = load_suppressions(suppress)
    yield from route_rows(table, assign, companies=index, suppressions=suppressions, uses=uses)


@dataclass
class MessageStream:
    """A campaign's per-recipient messages, built as they are read (`messages` is lazy);
    `personalizer.report` holds the counts so far, final once the stream is exhausted."""

    campaign: Campaign
    personalizer: Personalizer
    messages: Iterator[PersonalizedMessage]
    inputs: tuple[str | Path | None, ...]  # every file read, for the output checks
    build: CampaignBuild  # the compiled segments: pass to a second stream of the same list


def stream_per_recipient(
    campaign_path: str | Path,
    recipients: str | Path,
    *,
    companies: str | Path | None = None,
    suppress: Iterable[str | Path] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
    environ: Mapping[str, str] | None = None,
    date: datetime | None = None,
    segment_ids: Iterable[str] | None = None,
    build: CampaignBuild | None = None,
    mboxrd: bool = False,
) -> MessageStream:
    """Compile the campaign once per segment (unless `build` is given: a previous stream's)
    and stream one message per routed recipient: the one message writer that
    `build --recipients` and `send` share. `mboxrd`: messages assembled in their mbox form
    (skeleton pieces converted and From-quoted once per variant), for an mbox alone."""
    # No secret, no tokens: stop before compiling anything (tokens.token_key says how to set it).
    key = token_key(environ)
    # Segments not selected are counted, not built; each selected one at every journey stage.
    if build is None:
        build = render_campaign(campaign_path, segment_ids, date=date, stage_variants=True)
    campaign = build.campaign
    suppress = tuple(suppress)  # read twice: checked against the outputs, then loaded
    inputs = (*campaign_files(campaign), recipients, companies, *suppress)
    segments = load_segments(campaign.segments)
    assign = segment_assigner(segments, campaign.locale)
    table = read_recipients(recipients, encoding=encoding, delimiter=delimiter)
    index = load_companies(companies) if companies is not None else None
    joined = index.field_names if index is not None else frozenset()
    personalizer = Personalizer(
        [c for seg in build.segments if seg.compile_variant is None for c in seg.stage_variants],
        campaign_name=campaign.name,
        date=campaign.date,
        key=key,
        mboxrd=mboxrd,
        variant_compilers={
            seg.segment_id: seg.compile_variant
            for seg in build.segments
            if seg.compile_variant is not None
        },
        list_fields=ListFields(
            table.path, table.field_names | joined, (campaign.template, campaign.path)
        ),
    )
    routed = routed_rows(
        table, assign, companies=index, suppress=suppress, uses=rule_uses(segments)
    )

    def finished() -> None:
        personalizer.tally.blank_rows = table.blank_rows  # final once the list is read
        if personalizer.report.messages:
            # Raised inside the atomic output: nothing is written (the issue's rule 2).
            personalizer.check_filled(table.filled_names | joined)

    messages = personalizer.messages(routed, finished=finished)
    return MessageStream(campaign, personalizer, messages, inputs, build)


def build_per_recipient(
    campaign_path: str | Path,
    recipients: str | Path,
    *,
    out_dir: str | Path | None = None,
    mbox: str | Path | None = None,
    companies: str | Path | None = None,
    suppress: Iterable[str | Path] = (),
    encoding: str | None = None,
    delimiter: str | None = None,
    environ: Mapping[str, str] | None = None,
    date: datetime | None = None,
    segment_ids: Iterable[str] | None = None,
) -> PersonalizeReport:
    """Compile the campaign once per segment, then write one message per routed recipient
    (DIR/<segment>/*.eml plus DIR/personalize.json, and/or an mbox), atomically."""
    stream = stream_per_recipient(
        campaign_path,
        recipients,
        companies=companies,
        suppress=suppress,
        encoding=encoding,
        delimiter=delimiter,
        environ=environ,
        date=date,
        segment_ids=segment_ids,
        # An mbox alone: messages assembled in their mbox form. With .eml files too, the mbox
        # entry is converted from the .eml.
        mboxrd=mbox is not None and out_dir is None,
    )
    campaign, personalizer, messages, inputs = (
        stream.campaign,
        stream.personalizer,
        stream.messages,
        stream.inputs,
    )
    check_outputs((mbox,), inputs, folders=(out_dir,))
    with contextlib.ExitStack() as stack:
        # The mbox goes through a temporary file renamed at the end (atomic_file); an
        # error anywhere (bad row, unwritable folder) removes it and leaves no partial mbox.
        box = (
            stack.enter_context(atomic_file(mbox, what="mbox", inputs=inputs))
            if mbox is not None
            else None
        )
        if out_dir is not None:
            with atomic_directory(out_dir, inputs=inputs) as stage:
                write_messages(messages, out_dir=stage, mbox=box, date=campaign.date)
                report = personalizer.report
                text = json_document("personalize", report_json(report))
                (stage / "personalize.json").write_text(text, encoding="utf-8")
        else:
            write_messages(messages, out_dir=None, mbox=box, date=campaign.date)
    return personalizer.report
