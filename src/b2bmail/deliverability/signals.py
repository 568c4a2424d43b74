"""What a recipient domain's SPF and DMARC records tell the risk model — read in one place.

The sender-authentication parsers (`spf.parse_spf`, `dmarc.parse_dmarc`) are the real readers;
this module is the single seam through which the audit uses them. Only three facts matter here:
whether the SPF record ends in `-all` with nothing that could send (a domain that sends no mail,
RFC 7208 §5.1 / §4.7), its include:/redirect= targets (who sends for the domain), and the DMARC
policy `p=` (RFC 7489 §6.3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AuthSignals:
    """SPF and DMARC facts about a recipient domain."""

    spf: str | None = None  # the one `v=spf1` record, if exactly one was published
    spf_targets: tuple[str, ...] = ()  # include: and redirect= domains, in order
    spf_rejects_all: bool = False  # `v=spf1 -all` and nothing else: the domain sends no mail
    dmarc_policy: str | None = None  # none | quarantine | reject, when a valid record exists


def read_auth_signals(txt_records: Iterable[str], dmarc_records: Iterable[str]) -> AuthSignals:
    """Read SPF from the apex TXT records and the DMARC policy from `_dmarc` TXT records.

    RFC 7208 §4.5 and RFC 7489 §6.6.3: more than one record of a kind means none applies.
    """
    spf_found = [r for r in txt_records if _is_spf(r)]
    dmarc_found = [r for r in dmarc_records if r.strip().lower().startswith("v=dmarc1")]
    spf = spf_found[0] if len(spf_found) == 1 else None
    targets: tuple[str, ...] = ()
    rejects_all = False
    if spf is not None:
        terms = spf.split()[1:]
        targets = tuple(
            term.split(":", 1)[1] if ":" in term else term.split("=", 1)[1]
            for term in terms
            if term.lower().startswith(
                ("include:", "+include:", "?include:", "~include:", "redirect=")
            )
        )
        rejects_all = [t.lower() for t in terms] == ["-all"]
    policy = _dmarc_policy(dmarc_found[0]) if len(dmarc_found) == 1 else None
    return AuthSignals(spf, targets, rejects_all, policy)


def _is_spf(record: str) -> bool:
    # RFC 7208 §4.5: "v=spf1" exactly, followed by a space or the end of the record.
    text = record.strip().lower()
    return text == "v=spf1" or text.startswith("v=spf1 ")


def _dmarc_policy(record: str) -> str | None:
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip().lower()
    policy = tags.get("p")
    return policy if policy in ("none", "quarantine", "reject") else None
