"""The lint library's entry points: lint a document, an email's parts, a file or a folder.

The library knows nothing of rendering: campaigns are built by the CLI (or the build), which
passes each built email to `lint_email`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b2bmail.errors import B2bmailError, InputError
from b2bmail.i18n import _
from b2bmail.lint.config import LintConfig, load_lint_config
from b2bmail.lint.document import Document
from b2bmail.lint.problem import Problem
from b2bmail.lint.rule import Rule
from b2bmail.lint.sources import (
    LINTABLE_SUFFIXES,
    cannot_lint,
    document_from_message,
    document_from_parts,
    find_lintable,
    is_mjml_template,
    read_document,
)

__all__ = [
    "UNREADABLE_INPUT",
    "LintConfig",
    "LintReport",
    "Problem",
    "has_errors",
    "lint_document",
    "lint_email",
    "lint_file",
    "lint_message",
    "lint_paths",
    "load_lint_config",
]

_DIRECTIVE = re.compile(r"b2bmail-(disable-next-line|disable|enable)\b([^>]*)", re.I)


@dataclass(frozen=True)
class _Directive:
    kind: str
    keys: frozenset[
        str
    ]  # each key upper-cased (a code) and lower-cased (a name); empty: every rule
    line: int


def _directives(doc: Document) -> list[_Directive]:
    found = []
    for comment in doc.directive_comments:
        text = comment.text or ""
        line, counted = comment.sourceline or 1, 0
        for match in _DIRECTIVE.finditer(text):
            keys = [k for k in re.split(r"[\s,]+", match.group(2).strip()) if k]
            line += text.count("\n", counted, match.end())
            counted = match.end()
            cased = frozenset([*(k.upper() for k in keys), *(k.lower() for k in keys)])
            found.append(_Directive(match.group(1).lower(), cased, line))
    return found


def _covers(keys: frozenset[str], rule: Rule) -> bool:
    return not keys or rule.code in keys or rule.name in keys


@dataclass(frozen=True)
class _Disabled:
    """The HTML lines inline `<!-- b2bmail-disable… -->` comments turn one rule off on."""

    next_lines: frozenset[int]  # the line after each disable-next-line
    lines: list[int]  # each disable / enable, in document order (so by line)...
    off: list[bool]  # ...and whether the rule is off from there on

    def covers(self, line: int) -> bool:
        """True when the rule is off at `line`: a bisection, not a pass over every directive
        for every problem (which was quadratic with thousands of each)."""
        if line in self.next_lines:
            return True
        at = bisect_right(self.lines, line)
        return at > 0 and self.off[at - 1]


def _disabled(directives: list[_Directive], rule: Rule) -> _Disabled | None:
    """The lines `directives` (in document order) turn `rule` off on (None: no line)."""
    mine = [d for d in directives if _covers(d.keys, rule)]
    if not mine:
        return None
    toggles = [d for d in mine if d.kind != "disable-next-line"]
    return _Disabled(
        frozenset(d.line + 1 for d in mine if d.kind == "disable-next-line"),
        [d.line for d in toggles],
        [d.kind == "disable" for d in toggles],
    )


_new_object = object.__new__
_DEFAULT_CONFIG = LintConfig()


def _problem(**fields: Any) -> Problem:
    """`Problem(**fields)`, three times faster: a frozen dataclass's `__init__` sets each field
    through `object.__setattr__`; this fills the instance's `__dict__` at once (every field
    given, no `__post_init__`), which gives an equal object."""
    problem = _new_object(Problem)
    problem.__dict__.update(fields)
    return problem


def lint_document(doc: Document, config: LintConfig | None = None) -> list[Problem]:
    """Run every enabled rule over one parsed document; problems sorted by place then code."""
    config = config or _DEFAULT_CONFIG
    directives = _directives(doc)
    problems = []
    for rule, configured, thresholds in config.plan:
        # Inline directives apply to HTML lines only.
        disabled = _disabled(directives, rule) if directives else None
        for hit in rule.check(doc, thresholds):
            if doc.is_empty and hit.part == "html":
                continue  # a text-only message: there is no HTML to point at
            if disabled is not None and hit.part == "html" and disabled.covers(hit.line):
                continue
            problems.append(
                _problem(
                    path=doc.path,
                    code=rule.code,
                    name=rule.name,
                    severity=configured or hit.severity or rule.severity,
                    message=hit.message,
                    line=hit.line,
                    column=hit.column,
                    snippet=hit.snippet,
                    part=hit.part,
                )
            )
    order = {"headers": 0, "subject": 0, "preheader": 1, "html": 2, "text": 3}
    problems.sort(key=lambda p: (p.path, order[p.part], p.line, p.column or 0, p.code))
    return problems


def lint_email(
    *,
    html: str,
    text: str | None = None,
    subject: str | None = None,
    preheader: str | None = None,
    headers: Mapping[str, str] | None = None,
    path: str,
    config: LintConfig | None = None,
    image_sizes: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Lint an email given as parts (what the build has): HTML, text, subject, preheader, headers.

    Passing `subject` or `headers` marks it as a message: subject and sender rules then apply.
    The HTML size is estimated as its quoted-printable encoded size. `image_sizes` gives the
    bytes of local images by the URL the HTML uses (image-too-heavy).
    """
    doc = document_from_parts(
        html=html,
        path=path,
        text=text,
        subject=subject,
        preheader=preheader,
        headers=headers,
        image_sizes=image_sizes,
    )
    return lint_document(doc, config)


def lint_file(path: Path | str, config: LintConfig | None = None) -> list[Problem]:
    """Lint one .html, .htm, .eml or .mjml file (InputError/TemplateError when it cannot run)."""
    return lint_document(read_document(Path(path)), config)


def lint_message(raw: bytes, path: str, config: LintConfig | None = None) -> list[Problem]:
    """Lint a whole RFC 5322 message (.eml bytes): headers, HTML part and text part."""
    return lint_document(document_from_message(raw, path), config)


@dataclass(frozen=True)
class LintReport:
    """What a lint run looked at and found."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    #: .mjml templates and partials met and not linted: they are not emails as they stand
    #: (`is_mjml_template`); the CLI lints the campaigns that use them.
    templates: tuple[Path, ...] = ()


UNREADABLE_INPUT = ("B2B000", "unreadable-input")
"""Code and name of the problem a file that cannot be linted becomes, in a folder or a list.

What it does:
    Reports a file that could not be linted at all: unreadable, undecodable, or MJML that
    does not compile. The message says what is wrong and what to do.

Why it matters:
    One broken template in a folder should not hide the problems of the others (the run goes
    on and exits 1), and a file that was not linted must never pass silently.

It is outside the rule registry on purpose: registry rules check a parsed document, and
this one reports that there is none (as ruff reports a syntax error). So `--select`,
`--ignore` and severities do not apply to it: it is always an error. A single file named on
the command line that cannot be linted still stops the run (exit 2), as does a missing path.
"""


def unreadable_problem(error: B2bmailError, path: Path) -> Problem:
    """The error-level `B2B000 unreadable-input` problem for a file that cannot be linted."""
    hint = error.hint or _("fix the file, or move it out of the linted folder")
    code, name = UNREADABLE_INPUT
    return Problem(
        path=str(path),
        code=code,
        name=name,
        severity="error",
        message=_("{message} — {hint}").format(message=error.message, hint=hint),
        line=error.line or 1,
        column=error.column,
        part="html",
    )


def lint_paths(
    paths: Iterable[Path], config: LintConfig | None = None, *, keep_going: bool | None = None
) -> LintReport:
    """Lint files and folders (folders recursively: .html, .htm, .eml, .mjml). MJML templates
    and partials are not linted but listed in the report's `templates`.

    A missing path raises InputError. A file that cannot be linted (unreadable, undecodable,
    MJML that does not compile) becomes a `B2B000 unreadable-input` error problem and the run
    goes on when it was found in a folder, or when several paths are linted (`keep_going`,
    default: when `paths` holds more than one path); a single named file raises instead.
    """
    paths = list(paths)
    go_on = len(paths) > 1 if keep_going is None else keep_going
    files: list[str] = []
    problems: list[Problem] = []
    templates: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(_("no such file or folder"), path=path, hint=_("check the path"))
        if not path.is_dir() and path.suffix.lower() not in LINTABLE_SUFFIXES:
            raise InputError(
                cannot_lint(path.suffix),
                path=path,
                hint=_("lint .html, .htm, .eml, .mjml files, folders or campaign .yaml files"),
            )
        found = find_lintable(path) if path.is_dir() else [path]
        for file in found:
            if is_mjml_template(file):
                templates.append(file)  # compiled as part of the campaigns that use it
                continue
            files.append(str(file))
            try:
                problems.extend(lint_file(file, config))
            except B2bmailError as exc:
                if not (go_on or path.is_dir()):
                    raise
                problems.append(unreadable_problem(exc, file))
    return LintReport(tuple(files), tuple(problems), tuple(templates))


def has_errors(problems: Sequence[Problem], *, strict: bool = False) -> bool:
    """True when the lint should fail: an error-level problem, or any problem when strict."""
    return any(strict or p.severity == "error" for p in problems)
