"""Before a send: the sending IPs asked of the DNS blocklists receivers check.

A relay whose address Spamhaus ZEN or SpamCop lists gets the whole campaign refused or
junked by corporate gateways, so `send` stops before the first message unless told to go on.
Only `listed` stops it: an `unknown` answer (a list refusing the resolver, a timeout) is
reported and the send goes on, since it says nothing about the address.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from b2bmail.deliverability.dns.resolver import ResolverSettings
from b2bmail.deliverability.sender.blocklists import (
    LISTED,
    BlocklistResult,
    load_blocklists,
    run_check_blocklists,
)
from b2bmail.errors import B2bmailError
from b2bmail.i18n import _


class ListedSenderError(B2bmailError):
    """A sending IP is on a blocklist: the send does not start."""


def check_sending_ips(
    settings: ResolverSettings,
    ips: Sequence[str],
    *,
    lists_path: Path | None = None,
    force: bool = False,
) -> tuple[BlocklistResult, ...]:
    """Ask every IP blocklist about `ips`. Raise ListedSenderError when one is listed, unless
    `force`; return every result (the caller reports the listed and unknown ones)."""
    if not ips:
        return ()
    ip_lists = [b for b in load_blocklists(lists_path) if b.kind == "ip"]
    results = run_check_blocklists(settings, ips, (), ip_lists)
    listed = [r for r in results if r.status == LISTED]
    if listed and not force:
        first = listed[0]
        more = (
            _(" (and {count} more listing(s))").format(count=len(listed) - 1)
            if len(listed) > 1
            else ""
        )
        raise ListedSenderError(
            _("the sending IP {ip} is listed on {list}: {reason}{more}").format(
                ip=first.subject, list=first.list_name, reason=first.reason, more=more
            ),
            hint=_("have the listing removed or send from another IP; --force-listed sends anyway"),
        )
    return results
