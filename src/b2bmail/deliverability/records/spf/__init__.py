"""SPF (RFC 7208): the parser, check_host() and a recursive count of DNS-querying terms.

The syntax lives in `syntax`, macros in `macros`, evaluation in `check_host` and the term count
in `terms`; this package is the one place other code imports from. Everything here is pure
except `check_host` and `terms`, which ask DNS through a `Lookup` (never dnspython itself).

May import: deliverability.dns.answers and records/ itself.
"""

from __future__ import annotations

from b2bmail.deliverability.records.spf.check_host import (
    DEFAULT_EXPLANATION,
    RESULTS,
    SpfResult,
    check_host,
    is_valid_domain,
    parse_client_ip,
)
from b2bmail.deliverability.records.spf.syntax import (
    MAX_DNS_TERMS,
    MAX_VOID_LOOKUPS,
    Mechanism,
    Modifier,
    SpfRecord,
    is_spf_record,
    parse_spf,
    select_spf_records,
)
from b2bmail.deliverability.records.spf.terms import SpfLookupCount, count_dns_terms

__all__ = [
    "DEFAULT_EXPLANATION",
    "MAX_DNS_TERMS",
    "MAX_VOID_LOOKUPS",
    "RESULTS",
    "Mechanism",
    "Modifier",
    "SpfLookupCount",
    "SpfRecord",
    "SpfResult",
    "check_host",
    "count_dns_terms",
    "is_spf_record",
    "is_valid_domain",
    "parse_client_ip",
    "parse_spf",
    "select_spf_records",
]
