"""The linter: any .html, .eml or .mjml file, ours or not -> `Problem`s -> a report.

Holds: api (the entry points: lint a document, an email's parts, a file or a folder), sources
(files -> `Document`s; .eml parts, MJML compiled), document (the `Document` every rule reads)
assembled from core (parsed once, walked once, indexed by tag), facts/ (styles, visible text,
Outlook: computed on first use) and positions (line, column, snippet, `Hit`s), with cached
and css as their helpers; rule (what a rule is: `Rule`, `@rule`, families, retired codes),
rules/ (every rule, one family per module), registry (rules by code or name), problem (`Hit`,
`Problem`, `Severity`), config (`[tool.b2bmail.lint]`, a file or a campaign's `lint:`),
layout (the browser rules' script and the problems from what it measured in Chromium) and
formats (text, json, github, sarif, junit).

May import: errors, mjml_structure and the root package (`__version__`, for SARIF). Never
imports render/, campaign, personalize/, recipients/, deliverability/, preview/, cli/ or click:
it lints any email, not only ours, and linting what a build made is campaign.py's job
(tests/test_boundaries.py). Inside, imports run one way: registry -> rules -> rule, and
document -> facts -> core.
"""
