"""The render engine: a campaign's template and a segment -> a compiled email (HTML, text,
subject, headers with merge holes), and a compiled email + one recipient's values -> an .eml.

Holds: environment (Jinja), filters, mjml, inline (CSS), text (HTML -> plain text), merge
(merge fields, the escaping decided once per hole), compile, stages (which journey stage a
segment compiles for) and mime (the one MIME writer, for the sample and every recipient).

May import: b2bmail.config, segments, journey, mjml_structure, errors, output and itself.
Never imports recipients/, lint/, personalize/, campaign, preview/, cli/ or click: it knows
campaigns, templates and compiled emails, not lists, lint rules or commands
(tests/test_boundaries.py). Building and linting a whole campaign is campaign.py's job;
building one message per recipient is personalize/'s.
"""
