"""Deliverability over DNS, grouped by the question each package answers.

    dns/      What does DNS say? `Answer` (found / absent / unknown), the async resolver, its
              UDP transport and the SQLite answer cache. The only package that imports dnspython.
    records/  What does this record mean? Pure parsers for SPF, DMARC, DKIM, MTA-STS and
              TLS-RPT, plus the lookups that find them (through a `Lookup`, never dnspython).
    audit/    How risky is mail to this recipient's domain? MX hosts, providers, auth signals,
              the risk model, the audit run and its reports (`b2bmail audit`).
    sender/   Is my sending domain set up? The `b2bmail check-sender` checks and their report.

Imports point one way: dns <- records <- audit, sender; audit and sender never import each
other. From the rest of b2bmail, dns/ imports errors and audit/ imports recipients, config,
errors and output (reading a list); records/ and sender/ import nothing else. This `__init__`
holds no code. tests/test_boundaries.py checks all of it from the source (ARCHITECTURE.md).

Where the layout departs from the plan (issue 13, house-proposal R3):
- records/policies.py keeps MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) together instead of
  mta_sts.py + tls_rpt.py: both records share one record type, one field=value parser, one
  version check and one discovery routine, which would need a third module; each RFC's own
  code is 25-35 lines.
- mx.py and providers.py live in audit/: only the audit asks about MX hosts and providers
  (check-sender does not), so a separate mx/ package would hold one user.
"""
