"""MJML 4 structure: which `mj-*` tags exist, where each may sit, and the first mistake.

MRML (mjml-python) renders an unknown tag through silently (`<mj-txt>` reaches the inbox
as-is) and reports a broken nesting as "unexpected end of stream", with no position. Both the
build (`render.mjml`) and the linter (`lint.sources`) check a document here first, so a
mistake is reported with its line. Pure: text in, the first problem out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from b2bmail.i18n import _

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
#: Components that exist in MJML 4 but are not placed by the nesting rules here: `mj-font`
#: (in `mj-head`) and `mj-include` (anywhere; replaced by the included file).
UNPLACED = {"mj-font", "mj-include"}
#: Children of these are HTML, not MJML: not checked for nesting.
RAW_CONTENT = {"mj-attributes", "mj-text", "mj-button", "mj-table", "mj-raw", "mj-style", "mj-title", "mj-preview",
               "mj-navbar-link", "mj-accordion-title", "mj-accordion-text", "mj-social-element"}  # fmt: skip
COMPONENTS_URL = "https://documentation.mjml.io/#components"

TAG = re.compile(r"<(/?)((?:mj-[a-zA-Z0-9-]*)|mjml)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
#: Tags (MJML and the HTML inside it) nested deeper than this are refused before MRML sees
#: them: MRML parses and renders recursively and kills the whole process (SIGSEGV, no message)
#: past about 2,000 levels on an 8 MB stack, and past 300 in a thread with 512 KB (macOS).
#: An MJML email nests 7 components and a few dozen levels of HTML.
MAX_NESTING = 100
# Any start or end tag, or a comment (skipped: MRML keeps it as text). A tag's attributes stop
# at the next `<` as well as at `>`, so an unclosed `<a` costs one step, not a scan to the end.
_ANY_TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][\w:.-]*)([^<>]*)>", re.S)
# HTML void elements (WHATWG HTML §13.1.2): they never hold content, written with `/>` or not.
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
})  # fmt: skip


class StructureError(NamedTuple):
    """The first structural mistake of an MJML document."""

    kind: str  # deep, unknown, refused, closing, parent, unclosed, no-body
    tag: str
    message: str
    line: int
    hint: str


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _too_deep(source: str) -> StructureError | None:
    """The first tag nested more than MAX_NESTING levels deep, or None."""
    depth = 0
    for m in _ANY_TAG.finditer(source):
        tag = m.group(2)
        if tag is None:  # a comment
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        elif tag.lower() not in _VOID and not m.group(3).rstrip().endswith("/"):
            depth += 1
            if depth > MAX_NESTING:
                return StructureError(
                    "deep",
                    tag,
                    _(
                        "<{tag}> is nested more than {limit} levels deep: MJML is never this "
                        "deep, and MRML crashes on it"
                    ).format(tag=tag, limit=MAX_NESTING),
                    line_of(source, m.start()),
                    _("flatten the markup"),
                )
    return None


def first_structure_error(
    source: str, refused: Mapping[str, str] | None = None, *, fragment: bool = False
) -> StructureError | None:
    """The first mistake of `source`, or None: tags nested more than MAX_NESTING deep (looked
    for first: MRML must never see them); then in document order an unknown tag (or one of
    `refused`, tag -> why), a closing tag that does not match, a tag in the wrong parent, a
    tag never closed; then a document without `<mj-body>`.

    A `fragment` (a partial or layout piece, included elsewhere) may hold any tag at its top
    level, whose parent is the including file's, and needs no `<mj-body>`."""
    too_deep = _too_deep(source)
    if too_deep is not None:
        return too_deep
    refused = refused or {}
    stack: list[tuple[str, int]] = []
    line, counted = 1, 0  # lines counted up to `counted`, once over the whole source
    for m in TAG.finditer(source):
        closing, tag, attrs = m.group(1) == "/", m.group(2), m.group(3)
        line += source.count("\n", counted, m.start())
        counted = m.start()
        if stack and stack[-1][0] in RAW_CONTENT and not (closing and tag == stack[-1][0]):
            continue  # HTML inside mj-text etc.
        if tag in refused:
            return StructureError(
                "refused",
                tag,
                _("<{tag}> is not allowed: {why}").format(tag=tag, why=_(refused[tag])),
                line,
                _("remove it"),
            )
        if tag in UNPLACED:
            if not closing and not attrs.rstrip().endswith("/"):
                stack.append((tag, line))
            elif closing and stack and stack[-1][0] == tag:
                stack.pop()
            continue
        if tag not in PARENTS:
            message = _("unknown MJML tag <{tag}>").format(tag=tag)
            hint = _("see {url} for the MJML 4 components").format(url=COMPONENTS_URL)
            return StructureError("unknown", tag, message, line, hint)
        if closing:
            if not stack or stack[-1][0] != tag:
                opened = (
                    _("<{tag}> opened on line {line}").format(tag=stack[-1][0], line=stack[-1][1])
                    if stack
                    else _("nothing open")
                )
                return StructureError(
                    "closing",
                    tag,
                    _("closing </{tag}> does not match ({opened})").format(tag=tag, opened=opened),
                    line,
                    _("fix the nesting"),
                )
            stack.pop()
            continue
        parent = stack[-1][0] if stack else ""
        if parent in UNPLACED:
            parent = next((p for p, _ in reversed(stack) if p not in UNPLACED), "")
        if parent not in PARENTS[tag] and not (fragment and not parent):
            allowed = _(" or ").join(sorted(f"<{p}>" for p in PARENTS[tag] if p)) or _(
                "the top level"
            )
            where = f"<{parent}>" if parent else _("the top level")
            return StructureError(
                "parent",
                tag,
                _("<{tag}> cannot be inside {where}").format(tag=tag, where=where),
                line,
                _("put it in {allowed}").format(allowed=allowed),
            )
        if not attrs.rstrip().endswith("/"):
            stack.append((tag, line))
    if stack:
        tag, line = stack[-1]
        message = _("<{tag}> is never closed").format(tag=tag)
        return StructureError("unclosed", tag, message, line, _("add </{tag}>").format(tag=tag))
    if "<mj-body" not in source and not fragment:
        return StructureError(
            "no-body",
            "mj-body",
            _("no <mj-body> in the MJML"),
            1,
            _("wrap the email in <mjml><mj-body>"),
        )
    return None
