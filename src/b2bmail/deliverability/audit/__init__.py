"""How risky is mail to a recipient's domain (`b2bmail audit`): MX analysis (mx), provider
fingerprints (providers), what SPF and DMARC say (auth), the risk model (risk), the run over a
recipient list (run) and its text / JSON / CSV reports (report).

audit/ may import deliverability.dns and deliverability.records, never sender/; and, for the
run over a list, recipients (reading it), config (its YAML reader with line numbers, for the
risk weights), errors and output.
"""
