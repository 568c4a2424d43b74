"""The preview: a built campaign shown as a gallery of screenshots (`preview`) or live in a
browser (`serve`), and the audit report page.

May import: campaign (it builds and lints through campaign.py, never on its own),
deliverability and recipients (the audit report page), segments, config, errors, output;
chromium is driven over its DevTools protocol.
Never imports cli/ or click.
"""
