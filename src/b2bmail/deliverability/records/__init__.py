"""What a record means: SPF (spf/), DMARC (dmarc/), DKIM (dkim), MTA-STS and TLS-RPT
(policies), the `Finding` they report (finding) and safe printing of DNS text (printable).

Parsers are pure: text in, a frozen record with findings out. The functions that find a
record take a `Lookup` from deliverability.dns (dns.answers only) and never import dnspython.
records/ may import deliverability.dns and itself, never audit/ or sender/: a parser does
not depend on the jobs that use it.
"""
