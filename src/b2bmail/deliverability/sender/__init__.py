"""Is a sending domain set up (`b2bmail check-sender`): the checks over SPF, DMARC, DKIM,
MTA-STS and TLS-RPT (check) and their text / JSON report (report).

sender/ may import deliverability.dns and deliverability.records, never audit/.
"""
