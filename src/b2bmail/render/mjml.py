"""MJML -> HTML with mjml-python (MRML), after our own checks of tags and structure.

MRML renders unknown tags through silently (`<mj-txt>` reaches the reader's inbox as-is), so
before compiling we check every `mj-*` tag against the MJML 4 component list and the
parent/child rules that matter for layout, and report problems with file:line.
Remote fonts are never passed (`fonts={}`) and `mj-font` is refused: builds stay offline.
"""

from __future__ import annotations

import re
from pathlib import Path

from mjml import mjml2html

from b2bmail.errors import TemplateError

_BODY_CHILDREN = {"mj-section", "mj-wrapper", "mj-hero", "mj-raw"}
_COLUMN_CHILDREN = {
    "mj-text", "mj-button", "mj-image", "mj-divider", "mj-spacer", "mj-table", "mj-social",
    "mj-navbar", "mj-accordion", "mj-carousel", "mj-raw",
}  # fmt: skip
#: Allowed parents per component (MJML 4 documentation, "Components").
PARENTS: dict[str, set[str]] = {
    "mjml": {""},
    "mj-head": {"mjml"},
    "mj-body": {"mjml"},
    "mj-attributes": {"mj-head"},
    "mj-breakpoint": {"mj-head"},
    "mj-html-attributes": {"mj-head"},
    "mj-html-attribute": {"mj-selector"},
    "mj-selector": {"mj-html-attributes"},
    "mj-preview": {"mj-head"},
    "mj-style": {"mj-head"},
    "mj-title": {"mj-head"},
    "mj-all": {"mj-attributes"},
    "mj-class": {"mj-attributes"},
    "mj-section": {"mj-body", "mj-wrapper"},
    "mj-wrapper": {"mj-body"},
    "mj-hero": {"mj-body", "mj-wrapper"},
    "mj-group": {"mj-section"},
    "mj-column": {"mj-section", "mj-group"},
    "mj-social-element": {"mj-social"},
    "mj-navbar-link": {"mj-navbar"},
    "mj-accordion-element": {"mj-accordion"},
    "mj-accordion-title": {"mj-accordion-element"},
    "mj-accordion-text": {"mj-accordion-element"},
    "mj-carousel-image": {"mj-carousel"},
    **{tag: {"mj-column", "mj-hero"} for tag in _COLUMN_CHILDREN},
}
PARENTS["mj-raw"] = {"mj-head", "mj-column", "mj-hero", "mj-body", "mj-wrapper", "mj-section"}
for _tag in ("mj-text", "mj-button", "mj-image", "mj-divider", "mj-spacer", "mj-table"):
    PARENTS[_tag] = {"mj-column", "mj-hero"}
#: Children of these are HTML, not MJML: not checked for nesting.
RAW_CONTENT = {"mj-attributes", "mj-text", "mj-button", "mj-table", "mj-raw", "mj-style", "mj-title", "mj-preview",
               "mj-navbar-link", "mj-accordion-title", "mj-accordion-text", "mj-social-element"}  # fmt: skip
REFUSED = {
    "mj-font": "mj-font loads a remote font",
    "mj-include": "mj-include reads files MRML resolves itself",
}

_TAG = re.compile(r"<(/?)((?:mj-[a-zA-Z0-9-]*)|mjml)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_FORBIDDEN = [
    (re.compile(r"<script\b", re.I), "<script> never runs in email clients and is a spam signal"),
    (
        re.compile(r"<link\b[^>]*stylesheet", re.I),
        "external stylesheets are not loaded by most clients",
    ),
    (re.compile(r"@import\b", re.I), "@import fetches remote CSS"),
]


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _source_location(tag: str, template_dir: Path) -> tuple[str, int] | None:
    """Where an offending tag is written in the template sources (first occurrence)."""
    pattern = re.compile(rf"</?{re.escape(tag)}\b")
    for file in sorted(template_dir.rglob("*")):
        if not file.is_file() or file.suffix not in {".mjml", ".j2", ".html"}:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        m = pattern.search(text)
        if m:
            return str(file), _line(text, m.start())
    return None


def check_mjml(source: str, *, template: Path) -> None:
    """Raise TemplateError for unknown or refused tags, bad nesting, or forbidden markup."""
    template_dir = template.parent
    rendered = f"{template} (rendered by Jinja)"
    for pattern, why in _FORBIDDEN:
        m = pattern.search(source)
        if m:
            raise TemplateError(
                f"{m.group(0)!r}: {why}",
                path=rendered,
                line=_line(source, m.start()),
                hint="remove it",
            )
    stack: list[tuple[str, int]] = []
    for m in _TAG.finditer(source):
        closing, tag, attrs = m.group(1) == "/", m.group(2), m.group(3)
        line = _line(source, m.start())
        if stack and stack[-1][0] in RAW_CONTENT and not (closing and tag == stack[-1][0]):
            continue  # HTML inside mj-text etc.
        if tag not in PARENTS or tag in REFUSED:
            path, where = _source_location(tag, template_dir) or (rendered, line)
            if tag in REFUSED:
                raise TemplateError(
                    f"<{tag}> is not allowed: {REFUSED[tag]}",
                    path=path,
                    line=where,
                    hint="remove it",
                )
            raise TemplateError(
                f"unknown MJML tag <{tag}>",
                path=path,
                line=where,
                hint="see https://documentation.mjml.io/#components for the MJML 4 components",
            )
        if closing:
            if not stack or stack[-1][0] != tag:
                opened = (
                    f"<{stack[-1][0]}> opened on line {stack[-1][1]}" if stack else "nothing open"
                )
                raise TemplateError(
                    f"closing </{tag}> does not match ({opened})",
                    path=rendered,
                    line=line,
                    hint="fix the nesting",
                )
            stack.pop()
            continue
        parent = stack[-1][0] if stack else ""
        if parent not in PARENTS[tag]:
            allowed = " or ".join(sorted(f"<{p}>" for p in PARENTS[tag] if p)) or "the top level"
            raise TemplateError(
                f"<{tag}> cannot be inside {f'<{parent}>' if parent else 'the top level'}",
                path=rendered,
                line=line,
                hint=f"put it in {allowed}",
            )
        if not attrs.rstrip().endswith("/"):
            stack.append((tag, line))
    if stack:
        tag, line = stack[-1]
        raise TemplateError(
            f"<{tag}> is never closed", path=rendered, line=line, hint=f"add </{tag}>"
        )
    if "<mj-body" not in source:
        raise TemplateError(
            "no <mj-body> in the MJML",
            path=rendered,
            line=1,
            hint="wrap the email in <mjml><mj-body>",
        )


def compile_mjml(source: str, *, template: Path) -> str:
    """Check, then compile MJML to HTML (no comments kept, no remote fonts)."""
    check_mjml(source, template=template)
    try:
        return str(mjml2html(source, disable_comments=True, fonts={}))
    except Exception as exc:  # MRML raises a bare ValueError-like error with its own message
        raise TemplateError(
            f"MJML error: {exc}",
            path=f"{template} (rendered by Jinja)",
            hint="check the MJML structure",
        ) from None
