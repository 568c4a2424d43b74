"""DMARC (RFC 7489): the record parser (`syntax`) and policy discovery over DNS (`discovery`).

Other code imports from here. `syntax` is pure (text in, record and findings out);
`discovery` asks DNS through a `Lookup` (see `deliverability.dns`) and never imports dnspython.

May import: deliverability.dns.answers and records/ itself.
"""

from __future__ import annotations

from b2bmail.deliverability.records.dmarc.discovery import (
    DmarcDiscovery,
    ReportAuthorization,
    check_report_authorization,
    find_dmarc,
    organizational_domain,
    spf_aligned,
)
from b2bmail.deliverability.records.dmarc.syntax import (
    KNOWN_TAGS,
    POLICIES,
    DmarcRecord,
    ReportUri,
    is_dmarc_record,
    parse_dmarc,
    parse_uri_list,
)

__all__ = [
    "KNOWN_TAGS",
    "POLICIES",
    "DmarcDiscovery",
    "DmarcRecord",
    "ReportAuthorization",
    "ReportUri",
    "check_report_authorization",
    "find_dmarc",
    "is_dmarc_record",
    "organizational_domain",
    "parse_dmarc",
    "parse_uri_list",
    "spf_aligned",
]
