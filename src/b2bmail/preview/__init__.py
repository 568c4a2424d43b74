"""The preview: a built campaign shown as a gallery of screenshots (`preview`) or live in a
browser (`serve`), and the audit report page.

Holds: run (`b2bmail preview`: build, screenshot, write the gallery), server and page (`b2bmail
serve`), model (what the preview shows of a built campaign), screenshots, layout (the email
measured at phone widths: words broken mid-word), gallery, chromium
and devtools (headless Chromium over its DevTools protocol), report and charts (the audit
report page).

May import: campaign (it builds and lints through campaign.py, never on its own),
deliverability.audit and recipients (the audit report page), segments, config, errors, output.
Never imports cli/ or click.
"""
