"""`send_campaign`: plan every message in the journal, confirm, then send with paced workers.

The messages come from the per-recipient build (personalize.build.stream_per_recipient), the
same writer as `build --recipients`; each is DKIM-signed just before its transaction. The
stream is read twice — once to plan (counts for the confirmation, rows in the journal), once
to send — so memory stays bounded whatever the list's size.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2bmail.errors import InputError
from b2bmail.i18n import _
from b2bmail.personalize.build import stream_per_recipient
from b2bmail.personalize.message import PersonalizedMessage
from b2bmail.send.journal import DEFERRED, PLANNED, UNCERTAIN, Journal
from b2bmail.send.pacing import (
    DomainFacts,
    PacingTable,
    Scheduler,
    load_audit,
    load_pacing,
    resolve_groups,
)
from b2bmail.send.signing import DkimKey, load_dkim_key
from b2bmail.send.smtp import Connection, Reply, SmtpTarget

if TYPE_CHECKING:
    from b2bmail.deliverability.dns.resolver import ResolverSettings

NOT_AUDITED = "not audited"


@dataclass(frozen=True)
class SendOptions:
    """Everything `send` takes besides the campaign and the list."""

    target: SmtpTarget | None  # None with dry_run
    journal: Path
    bounces: Path
    proof: tuple[str, ...] = ()
    dry_run: bool = False
    resend_uncertain: bool = False
    return_path: str | None = None
    audit: Path | None = None
    resolver: ResolverSettings | None = None  # without --audit: resolve MX and providers
    connections: int | None = None  # per group, overrides the pacing table
    per_minute: float | None = None
    max_connections: int = 4  # SMTP sessions open at once to the submission server
    companies: Path | None = None
    suppress: tuple[Path, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    environ: Mapping[str, str] | None = None


@dataclass(frozen=True)
class SendPlan:
    """What a send would do: counts for the confirmation prompt."""

    campaign: str
    total: int
    to_send: int
    by_segment: Mapping[str, int]
    by_level: Mapping[str, int]
    by_group: Mapping[str, int]
    journal_states: Mapping[str, int]
    pacing: PacingTable


@dataclass
class SendReport:
    plan: SendPlan
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    uncertain: int = 0
    proofs: list[tuple[str, str, Reply]] = field(default_factory=list)
    journal_states: Mapping[str, int] = field(default_factory=dict)


def _dkim(campaign: Any) -> DkimKey | None:
    s = campaign.send
    if s.dkim_key is None:
        return None
    return load_dkim_key(s.dkim_key, s.dkim_selector, s.dkim_domain)


def _envelope_sender(campaign: Any, override: str | None) -> str:
    from email.utils import parseaddr

    return parseaddr(override or campaign.send.return_path or campaign.sender.from_addr)[1]


_SUBJECT = re.compile(rb"^Subject:[ \t]?", re.MULTILINE | re.IGNORECASE)
_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*<([^>]*)>", re.MULTILINE | re.IGNORECASE)


def proof_message(data: bytes) -> bytes:
    """The message as a proof: subject prefixed `[PROOF]`, and its own Message-ID so a
    mail client never takes the real message for a copy of the proof (RFC 5322 §3.6.4)."""
    end = data.find(b"\r\n\r\n")
    end = data.find(b"\n\n") if end < 0 else end
    head, body = data[:end], data[end:]
    head = _SUBJECT.sub(b"Subject: [PROOF] ", head, count=1)
    head = _MESSAGE_ID.sub(lambda m: b"Message-ID: <proof." + m.group(1) + b">", head, count=1)
    return head + body


class _Sender:
    """The workers' shared state: journal (behind a lock), scheduler, counts, bounces."""

    def __init__(
        self,
        journal: Journal,
        scheduler: Scheduler[tuple[PersonalizedMessage, int]],
        target: SmtpTarget,
        envelope: str,
        key: DkimKey | None,
        bounces: Path,
        report: SendReport,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.journal = journal
        self.scheduler = scheduler
        self.target = target
        self.envelope = envelope
        self.key = key
        self.bounces = bounces
        self.report = report
        self.progress = progress
        self.lock = threading.Lock()
        self.error: BaseException | None = None

    def record(self, call: Callable[..., None], *args: str) -> None:
        with self.lock:
            call(*args)

    def finish(self, field_name: str) -> None:
        with self.lock:
            setattr(self.report, field_name, getattr(self.report, field_name) + 1)
            if self.progress is not None:
                self.progress(1)

    def bounce(self, msg: PersonalizedMessage, reply: Reply) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.lock, self.bounces.open("a", encoding="utf-8") as out:
            # `segment --suppress` reads one address a line and skips `#` comments.
            out.write(f"# {stamp} bounce {reply.status or reply.code}: {reply.text[:200]}\n")
            out.write(f"{msg.email}\n")

    def work(self) -> None:
        conn = Connection(self.target)
        retry = self.scheduler.table.retry
        try:
            while (taken := self.scheduler.take()) is not None:
                group, (msg, attempt) = taken
                data = self.key.sign(msg.data) if self.key else msg.data
                mid = msg.message_id
                try:
                    reply = conn.send(
                        self.envelope,
                        msg.email,
                        data,
                        lambda mid=mid: self.record(self.journal.sending, mid),  # type: ignore[misc]
                    )
                except ConnectionError as exc:
                    reply = Reply(0, str(exc))
                if reply.uncertain:
                    self.record(self.journal.uncertain, mid, reply.text)
                    self.scheduler.done(group)
                    self.finish("uncertain")
                elif 200 <= reply.code < 300:
                    self.record(self.journal.sent, mid, reply.queue_id)
                    self.scheduler.done(group)
                    self.finish("sent")
                elif reply.code >= 500:
                    self.record(self.journal.failed, mid, reply.line, reply.status)
                    self.bounce(msg, reply)
                    self.scheduler.done(group)
                    self.finish("failed")
                else:  # 4xx, or the connection failed before the end of DATA
                    self.record(self.journal.deferred, mid, reply.line or "no reply")
                    if reply.code == 421:
                        self.scheduler.slow_down(group)
                    if attempt + 1 < retry.attempts:
                        delay = retry.base_seconds * 2**attempt
                        self.scheduler.retry_later(group, (msg, attempt + 1), delay)
                    else:
                        self.scheduler.done(group)
                        self.finish("deferred")
        except BaseException as exc:  # a bug or a usage error: stop every worker
            self.error = exc
            self.scheduler.abort()
        finally:
            conn.close()


def _group_of(email: str, domains: Mapping[str, DomainFacts]) -> str:
    domain = email.rpartition("@")[2].lower()
    facts = domains.get(domain)
    return facts.group if facts else domain


def send_campaign(
    campaign_path: str | Path,
    recipients: str | Path,
    options: SendOptions,
    *,
    confirm: Callable[[SendPlan], bool] = lambda plan: True,
    progress: Callable[[int], None] | None = None,
) -> SendReport:
    """Plan, confirm and send (or only plan with dry_run; only proofs with `proof`)."""
    domains: dict[str, DomainFacts] = {}
    levels: dict[str, str] = {}
    if options.audit is not None:
        domains, levels = load_audit(options.audit)

    def stream(build: Any = None) -> Any:
        return stream_per_recipient(
            campaign_path,
            recipients,
            companies=options.companies,
            suppress=options.suppress,
            encoding=options.encoding,
            delimiter=options.delimiter,
            environ=options.environ,
            build=build,
        )

    first = stream()
    campaign = first.campaign
    pacing = load_pacing(
        campaign.send.pacing, connections=options.connections, per_minute=options.per_minute
    )
    key = _dkim(campaign)
    envelope = _envelope_sender(campaign, options.return_path)

    if options.proof:
        return _send_proofs(first, options, key, envelope, pacing)

    journal: Journal | None = None
    known: dict[str, str] = {}
    if not options.dry_run or options.journal.exists():
        journal = Journal(options.journal, campaign.name)
        if not options.dry_run:
            journal.recover()
        known = journal.states()
    pending_states = {PLANNED, DEFERRED, *((UNCERTAIN,) if options.resend_uncertain else ())}
    entries: list[tuple[str, str, str, str]] = []
    by_segment: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    by_group: Counter[str] = Counter()
    to_send = 0
    listed = [(m.message_id, m.email, m.segment_id) for m in first.messages]
    if options.audit is None and options.resolver is not None:
        domains = resolve_groups(
            {e.rpartition("@")[2].lower() for _, e, _ in listed}, options.resolver
        )
    for mid, email, segment in listed:
        group = _group_of(email, domains)
        entries.append((mid, email, segment, group))
        if known.get(mid, PLANNED) in pending_states:
            to_send += 1
            by_segment[segment] += 1
            facts = domains.get(email.rpartition("@")[2].lower())
            by_level[levels.get(email.lower()) or (facts.level if facts else NOT_AUDITED)] += 1
            by_group[group] += 1
    if journal is not None and not options.dry_run:
        journal.plan(entries)
    plan = SendPlan(
        campaign=campaign.name,
        total=len(entries),
        to_send=to_send,
        by_segment=dict(by_segment),
        by_level=dict(by_level),
        by_group=dict(by_group.most_common()),
        journal_states=journal.counts() if journal else {},
        pacing=pacing,
    )
    report = SendReport(plan)
    try:
        if options.dry_run or to_send == 0:
            return report
        if options.target is None:
            raise InputError(_("no SMTP server given"), hint=_("add --smtp HOST[:PORT]"))
        check = Connection(options.target)  # a wrong password or host stops here, once
        try:
            check.open()
        except ConnectionError as exc:
            raise InputError(
                str(exc), hint=_("check --smtp HOST[:PORT] and that the server runs")
            ) from None
        check.close()
        if not confirm(plan):
            return report
        assert journal is not None
        pending = {mid for mid, state in journal.states().items() if state in pending_states}
        _run_workers(
            stream(first.build),
            pending,
            domains,
            journal,
            options,
            pacing,
            key,
            envelope,
            report,
            progress,
        )
        report.journal_states = journal.counts()
        return report
    finally:
        if journal is not None:
            journal.close()


def _run_workers(
    second: Any,
    pending: set[str],
    domains: Mapping[str, DomainFacts],
    journal: Journal,
    options: SendOptions,
    pacing: PacingTable,
    key: DkimKey | None,
    envelope: str,
    report: SendReport,
    progress: Callable[[int], None] | None,
) -> None:
    assert options.target is not None
    scheduler: Scheduler[tuple[PersonalizedMessage, int]] = Scheduler(pacing)
    sender = _Sender(
        journal, scheduler, options.target, envelope, key, options.bounces, report, progress
    )
    groups = Counter(
        _group_of(r.recipient, domains) for r in journal.rows() if r.message_id in pending
    )
    slots = sum(min(pacing.rule(g).connections, n) for g, n in groups.items())
    workers = [
        threading.Thread(target=sender.work, name=f"smtp-{i}", daemon=True)
        for i in range(max(1, min(options.max_connections, slots)))
    ]
    for w in workers:
        w.start()
    try:
        for msg in second.messages:
            if sender.error is not None:
                break
            if msg.message_id in pending:
                pending.discard(msg.message_id)  # a message is queued once per run
                scheduler.add(_group_of(msg.email, domains), (msg, 0))
    finally:
        scheduler.close()
        for w in workers:
            w.join()
    if sender.error is not None:
        raise sender.error


def _send_proofs(
    stream: Any, options: SendOptions, key: DkimKey | None, envelope: str, pacing: PacingTable
) -> SendReport:
    """Each segment's first message, as a proof, to every --proof address (no journal)."""
    samples: dict[str, PersonalizedMessage] = {}
    for msg in stream.messages:
        samples.setdefault(msg.segment_id, msg)
    plan = SendPlan(
        stream.campaign.name,
        len(samples),
        len(samples) * len(options.proof),
        {s: len(options.proof) for s in samples},
        {},
        {},
        {},
        pacing,
    )
    report = SendReport(plan)
    if options.dry_run:
        return report
    if options.target is None:
        raise InputError(_("no SMTP server given"), hint=_("add --smtp HOST[:PORT]"))
    conn = Connection(options.target)
    try:
        for segment, msg in samples.items():
            data = proof_message(msg.data)
            data = key.sign(data) if key else data
            for addr in options.proof:
                try:
                    reply = conn.send(envelope, addr, data, lambda: None)
                except ConnectionError as exc:
                    reply = Reply(0, str(exc))
                report.proofs.append((segment, addr, reply))
                if 200 <= reply.code < 300:
                    report.sent += 1
                else:
                    report.failed += 1
    finally:
        conn.close()
    return report


def plan_lines(plan: SendPlan) -> Iterable[str]:
    """The confirmation text: counts per segment, per risk level and per group."""
    yield _("{campaign}: {count} of {total} messages to send").format(
        campaign=plan.campaign, count=plan.to_send, total=plan.total
    )
    done = {k: v for k, v in plan.journal_states.items() if v and k != PLANNED}
    if done:
        yield _("  journal: {counts}").format(counts=", ".join(f"{k} {v}" for k, v in done.items()))
    yield _("  per segment: {counts}").format(
        counts=", ".join(f"{k} {v}" for k, v in sorted(plan.by_segment.items()))
    )
    yield _("  per risk level: {counts}").format(
        counts=", ".join(f"{k} {v}" for k, v in sorted(plan.by_level.items()))
    )
    for group, n in plan.by_group.items():
        rule = plan.pacing.rule(group)
        rate = (
            _("{rate}/min").format(rate=f"{rule.per_minute:g}")
            if rule.per_minute
            else _("no rate limit")
        )
        yield _("  group {group}: {count} (≤ {connections} at once, {rate})").format(
            group=group, count=n, connections=rule.connections, rate=rate
        )
