"""What a recipient domain's SPF and DMARC records tell the risk model — read in one place.

The sender-authentication parsers (`spf.parse_spf`, `dmarc.parse_dmarc`) do the reading; this
module is the single seam through which the audit uses them. Only three facts matter here:
whether the SPF record is `v=spf1 -all` with nothing that could send (a domain that sends no
mail, RFC 7208 §5.1 / §4.7), its include:/redirect= targets (who sends for the domain), and the
DMARC policy `p=` (RFC 7489 §6.3) of a valid record — reported only: it governs mail from the
domain, not how the domain filters what it receives, so the risk model does not score it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from b2bmail.deliverability.records.dmarc import DmarcDiscovery
from b2bmail.deliverability.records.spf import parse_spf, select_spf_records


@dataclass(frozen=True)
class AuthSignals:
    """SPF and DMARC facts about a recipient domain."""

    spf: str | None = None  # the one `v=spf1` record, if exactly one was published
    spf_targets: tuple[str, ...] = ()  # include: and redirect= domains, in order
    spf_rejects_all: bool = False  # `v=spf1 -all` and nothing else: the domain sends no mail
    dmarc_policy: str | None = None  # none | quarantine | reject, when a valid record exists


def read_auth_signals(
    txt_records: Iterable[str], dmarc: DmarcDiscovery | None = None
) -> AuthSignals:
    """Read SPF from the apex TXT records, and the policy from a DMARC discovery.

    RFC 7208 §4.5: more than one SPF record means none applies. The DMARC policy is the one
    that applies to the domain (`sp=` when inherited from the organisational domain, RFC 7489
    §6.6.3), from a valid record only.
    """
    spf_found = select_spf_records(txt_records)
    spf = spf_found[0] if len(spf_found) == 1 else None
    targets: list[str] = []
    rejects_all = False
    if spf is not None:
        record = parse_spf(spf)
        mechanisms = record.mechanisms
        targets = [m.domain_spec for m in mechanisms if m.name == "include" and m.domain_spec]
        if record.redirect:
            targets.append(record.redirect)
        rejects_all = (
            not record.errors
            and record.redirect is None
            and [(m.qualifier, m.name) for m in mechanisms] == [("-", "all")]
        )
    policy = None
    if dmarc is not None and dmarc.record is not None and dmarc.record.valid:
        policy = dmarc.effective_policy
    return AuthSignals(spf, tuple(targets), rejects_all, policy)
