"""The per-recipient build: a recipient list routed to segments, one .eml per recipient.

Holds: build (Personalizer, build_per_recipient: route, merge, assemble), plan (each segment's
variants turned into message skeletons once), write (.eml files or one mbox), message (the
data every other module shares: PersonalizedMessage, RowIssue, PersonalizeReport — so write
and build no longer import each other), tokens (the unsubscribe token and the one Message-ID
scheme, also used by the sample build) and report (its text and JSON report).

May import: campaign (render a campaign), render (the engine), recipients (read and route
lists), journey, segments, output, errors. Never imports lint/, preview/, cli/ or click.

Unlike the proposal (house-proposal.md R1), this `__init__` holds no code and re-exports
nothing: campaign.py imports personalize.tokens for the sample's Message-ID, and an
`__init__` that imported build.py (which imports campaign.py) would make that a cycle.
"""
