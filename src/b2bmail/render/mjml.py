"""MJML -> HTML with mjml-python (MRML), after our own checks of tags and structure.

MRML renders unknown tags through silently (`<mj-txt>` reaches the reader's inbox as-is), so
before compiling every `mj-*` tag is checked against the MJML 4 component list and the
parent/child rules that matter for layout (`b2bmail.mjml_structure`, shared with lint), and
problems are reported with file:line.
Remote fonts are never passed (`fonts={}`) and `mj-font` is refused: builds stay offline.
"""

from __future__ import annotations

import re
from pathlib import Path

from mjml import mjml2html

from b2bmail.errors import TemplateError
from b2bmail.i18n import N_, _
from b2bmail.mjml_structure import first_structure_error, line_of

REFUSED = {
    "mj-font": N_("mj-font loads a remote font"),
    "mj-include": N_("mj-include reads files MRML resolves itself"),
}

_FORBIDDEN = [
    (
        re.compile(r"<script\b", re.I),
        N_("<script> never runs in email clients and is a spam signal"),
    ),
    (
        re.compile(r"<link\b[^>]*stylesheet", re.I),
        N_("external stylesheets are not loaded by most clients"),
    ),
    (re.compile(r"@import\b", re.I), N_("@import fetches remote CSS")),
]


def _source_location(tag: str, template_dir: Path) -> tuple[str, int] | None:
    """Where an offending tag is written in the template sources (first occurrence)."""
    pattern = re.compile(rf"</?{re.escape(tag)}\b")
    for file in sorted(template_dir.rglob("*")):
        if not file.is_file() or file.suffix not in {".mjml", ".j2", ".html"}:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        m = pattern.search(text)
        if m:
            return str(file), line_of(text, m.start())
    return None


def check_mjml(source: str, *, template: Path) -> None:
    """Raise TemplateError for unknown or refused tags, bad nesting, or forbidden markup."""
    template_dir = template.parent
    rendered = _("{template} (rendered by Jinja)").format(template=template)
    for pattern, why in _FORBIDDEN:
        m = pattern.search(source)
        if m:
            raise TemplateError(
                _("{markup}: {why}").format(markup=repr(m.group(0)), why=_(why)),
                path=rendered,
                line=line_of(source, m.start()),
                hint=_("remove it"),
            )
    error = first_structure_error(source, REFUSED)
    if error is None:
        return
    path, line = rendered, error.line
    if error.kind in ("unknown", "refused"):
        # A tag is written in one of the template files: point there, not at Jinja's output.
        path, line = _source_location(error.tag, template_dir) or (rendered, error.line)
    raise TemplateError(error.message, path=path, line=line, hint=error.hint)


def compile_mjml(source: str, *, template: Path) -> str:
    """Check, then compile MJML to HTML (no comments kept, no remote fonts)."""
    check_mjml(source, template=template)
    try:
        return str(mjml2html(source, disable_comments=True, fonts={}))
    except Exception as exc:  # MRML raises a bare ValueError-like error with its own message
        raise TemplateError(
            _("MJML error: {error}").format(error=exc),
            path=_("{template} (rendered by Jinja)").format(template=template),
            hint=_("check the MJML structure"),
        ) from None
