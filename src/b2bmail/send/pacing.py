"""Pacing per receiving group: which group a recipient belongs to, how many transactions it
may have in flight and how many messages a minute, and the scheduler the SMTP workers share.

Groups: the gateway or mailbox provider the audit fingerprinted for the recipient's domain,
else its first MX host, else the domain itself. Limits come from data/send_pacing.yaml
(documented defaults and their sources), overridden by the campaign's `send.pacing` and then
by the command line.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import yaml

from b2bmail.errors import ConfigError, InputError
from b2bmail.i18n import _

if TYPE_CHECKING:
    from b2bmail.deliverability.dns.resolver import ResolverSettings

T = TypeVar("T")


@dataclass(frozen=True)
class PacingRule:
    connections: int  # transactions in flight at once for the group
    per_minute: float  # messages a minute (0 = no limit)
    source: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for 4xx replies: base * 2**(attempt-1) seconds, `attempts` tries."""

    base_seconds: float = 60.0
    attempts: int = 5


@dataclass(frozen=True)
class PacingTable:
    default: PacingRule
    groups: Mapping[str, PacingRule]
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def rule(self, group: str) -> PacingRule:
        """The limits of a group (the default for a group the table does not name)."""
        return self.groups.get(group, self.default)


def _rule(raw: Any, base: PacingRule, where: str) -> PacingRule:
    if not isinstance(raw, Mapping):
        raise ConfigError(
            _("{where} must be a mapping of connections, per_minute, source").format(where=where)
        )
    unknown = sorted(set(raw) - {"connections", "per_minute", "source"})
    if unknown:
        raise ConfigError(
            _("{where}: unknown key {key}").format(where=where, key=repr(unknown[0])),
            hint=_("use connections, per_minute, source"),
        )
    conn = raw.get("connections", base.connections)
    rate = raw.get("per_minute", base.per_minute)
    if not isinstance(conn, int) or isinstance(conn, bool) or conn < 1:
        raise ConfigError(
            _("{where}.connections must be a whole number ≥ 1, not {value}").format(
                where=where, value=repr(conn)
            )
        )
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate < 0:
        raise ConfigError(
            _("{where}.per_minute must be a number ≥ 0 (0: no limit), not {value}").format(
                where=where, value=repr(rate)
            )
        )
    return PacingRule(conn, float(rate), str(raw.get("source", base.source)))


def load_pacing(
    overrides: Mapping[str, Any] | None = None,
    *,
    connections: int | None = None,
    per_minute: float | None = None,
) -> PacingTable:
    """The packaged table, then the campaign's `send.pacing` (`default`, `groups`, `retry`),
    then --connections / --per-minute for every group."""
    text = resources.files("b2bmail").joinpath("data/send_pacing.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    default = _rule(data["default"], PacingRule(1, 60.0), "default")
    groups = {name: _rule(raw, default, name) for name, raw in data["groups"].items()}
    retry = RetryPolicy()
    over = dict(overrides or {})
    unknown = sorted(set(over) - {"default", "groups", "retry"})
    if unknown:
        raise ConfigError(
            _("{where}: unknown key {key}").format(where="send.pacing", key=repr(unknown[0])),
            hint=_("use default, groups, retry"),
        )
    if "default" in over:
        default = _rule(over["default"], default, "send.pacing.default")
    for name, raw in dict(over.get("groups") or {}).items():
        groups[name] = _rule(raw, groups.get(name, default), f"send.pacing.groups.{name}")
    if "retry" in over:
        r = over["retry"]
        if not isinstance(r, Mapping) or set(r) - {"base_seconds", "attempts"}:
            raise ConfigError(_("send.pacing.retry takes base_seconds and attempts"))
        retry = RetryPolicy(
            float(r.get("base_seconds", retry.base_seconds)), int(r.get("attempts", retry.attempts))
        )
    if connections is not None or per_minute is not None:

        def cli(rule: PacingRule) -> PacingRule:
            return replace(
                rule,
                connections=connections if connections is not None else rule.connections,
                per_minute=per_minute if per_minute is not None else rule.per_minute,
                source="command line",
            )

        default = cli(default)
        groups = {name: cli(rule) for name, rule in groups.items()}
    return PacingTable(default, groups, retry)


@dataclass(frozen=True)
class DomainFacts:
    """What an audit JSON (`b2bmail audit --format json`) says of one recipient domain."""

    group: str
    level: str


def group_name(
    domain: str, gateway: str | None, mailbox: str | None, mx_hosts: Iterable[str]
) -> str:
    """The gateway, else the mailbox provider, else the first MX host, else the domain."""
    return gateway or mailbox or next(iter(mx_hosts), "") or domain


def resolve_groups(domains: Iterable[str], settings: ResolverSettings) -> dict[str, DomainFacts]:
    """Ask DNS (the audit's MX lookup and provider fingerprints) for each domain's group."""
    from b2bmail.deliverability.audit.run import audit_domains

    resolver = settings.open()
    try:
        risks = asyncio.run(audit_domains(resolver, domains))
    finally:
        resolver.close()
    return {
        name: DomainFacts(
            group_name(name, r.guess.gateway, r.guess.mailbox, r.mx.host_names), r.level
        )
        for name, r in risks.items()
    }


def load_audit(path: str | Path) -> tuple[dict[str, DomainFacts], dict[str, str]]:
    """Domain -> group and level, and address -> risk level, from an audit JSON report."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
        domains = {
            str(d["domain"]).lower(): DomainFacts(
                group_name(
                    str(d["domain"]), d.get("gateway"), d.get("mailbox"), d.get("mx_hosts") or []
                ),
                str(d.get("level", "unknown")),
            )
            for d in data["domains"]
        }
        levels = {str(r["email"]).lower(): str(r["level"]) for r in data["recipients"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            _("cannot read the audit report: {error}").format(error=exc),
            path=path,
            hint=_("give the JSON written by `b2bmail audit LIST --format json --out FILE`"),
        ) from None
    return domains, levels


class _Group(Generic[T]):
    def __init__(self, rule: PacingRule) -> None:
        self.rule = rule
        self.interval = 60.0 / rule.per_minute if rule.per_minute else 0.0
        self.fresh: deque[T] = deque()
        self.retry: list[tuple[float, int, T]] = []
        self.in_flight = 0
        self.next_slot = 0.0


class Scheduler(Generic[T]):
    """Hands the next message to a free worker, honouring each group's limits.

    The producer `add`s messages (blocking while `capacity` are waiting, so memory stays
    bounded); workers call `take` and then `done`, `retry_later` or `slow_down`."""

    def __init__(self, table: PacingTable, *, capacity: int = 1000) -> None:
        self.table = table
        self.capacity = capacity
        self.groups: dict[str, _Group[T]] = {}
        self.waiting = 0
        self.closed = False  # no more `add`
        self.aborted = False  # a worker failed: stop handing out messages
        self.cond = threading.Condition()
        self._seq = itertools.count()

    def _group(self, name: str) -> _Group[T]:
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = _Group(self.table.rule(name))
        return group

    def add(self, group: str, item: T) -> None:
        """Queue a message for its group (waits while the buffer is full)."""
        with self.cond:
            while self.waiting >= self.capacity and not self.aborted:
                self.cond.wait()
            self._group(group).fresh.append(item)
            self.waiting += 1
            self.cond.notify_all()

    def close(self) -> None:
        """No more messages will be added."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def take(self) -> tuple[str, T] | None:
        """The next message whose group has a free slot now; None when all is done."""
        with self.cond:
            while not self.aborted:
                now = time.monotonic()
                wake = now + 0.5
                busy = False
                for name, g in self.groups.items():
                    if g.in_flight or g.fresh or g.retry:
                        busy = True
                    if g.in_flight >= g.rule.connections or not (g.fresh or g.retry):
                        continue
                    ready_retry = bool(g.retry) and g.retry[0][0] <= now
                    if not ready_retry and not g.fresh:
                        wake = min(wake, g.retry[0][0])
                        continue
                    if g.next_slot > now:
                        wake = min(wake, g.next_slot)
                        continue
                    item = heapq.heappop(g.retry)[2] if ready_retry else g.fresh.popleft()
                    g.in_flight += 1
                    g.next_slot = max(now, g.next_slot) + g.interval
                    self.waiting -= 1
                    self.cond.notify_all()
                    return name, item
                if self.closed and not busy:
                    return None
                self.cond.wait(max(0.0, wake - now))
            return None

    def abort(self) -> None:
        """Stop: `take` returns None, and `add` no longer waits."""
        with self.cond:
            self.aborted = self.closed = True
            self.cond.notify_all()

    def done(self, group: str) -> None:
        """The worker finished a message of `group` (sent, failed or given up)."""
        with self.cond:
            self.groups[group].in_flight -= 1
            self.cond.notify_all()

    def retry_later(self, group: str, item: T, delay: float) -> None:
        """Put a message back, to be tried again after `delay` seconds."""
        with self.cond:
            g = self.groups[group]
            g.in_flight -= 1
            heapq.heappush(g.retry, (time.monotonic() + delay, next(self._seq), item))
            self.waiting += 1
            self.cond.notify_all()

    def slow_down(self, group: str) -> None:
        """A 421 (RFC 5321 §4.2.3: the service is closing the channel): halve the group's
        transactions in flight (down to one) and its rate."""
        with self.cond:
            g = self.groups[group]
            g.rule = replace(g.rule, connections=max(1, g.rule.connections // 2))
            g.interval *= 2
            g.next_slot = time.monotonic() + g.interval
