"""Formatters: pure functions from problems to text (text, json, github, sarif, junit)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import quote
from xml.etree import ElementTree as ET

from b2bmail import __version__
from b2bmail.i18n import _, ngettext
from b2bmail.lint.api import UNREADABLE_INPUT
from b2bmail.lint.problem import Problem, severity_label
from b2bmail.lint.rule import Rule
from b2bmail.output import json_document

FORMATS = ("text", "json", "github", "sarif", "junit")
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# Characters that must not reach the output as themselves: C0 and C1 controls and DEL
# (Unicode category Cc: a newline in an `<img src>` would start an output line, so CI would
# read `::warning …` or `::stop-commands::` from the email as a GitHub Actions workflow
# command; XML 1.0 §2.2 cannot hold U+0001 at all, not even as a character reference), the
# Unicode line and paragraph separators, and the bidirectional controls that reorder what a
# terminal shows (CVE-2021-42574, "Trojan Source").
_ESCAPED = (
    *range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029,
    *range(0x202A, 0x202F), *range(0x2066, 0x206A),
)  # fmt: skip
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _ESCAPED}
_ESCAPES.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})


def escape_control(text: str) -> str:
    """`text` with each control, line-separator and bidirectional-control character written
    as a backslash escape (`\\n`, `\\x01`, `\\u202e`), so that nothing read from an email
    can start an output line, break the XML, or reorder a terminal line."""
    if text.isprintable():  # the usual case, at C speed: every escaped character is unprintable
        return text
    return text.translate(_ESCAPES)


def _escaped(problems: Sequence[Problem]) -> list[Problem]:
    """The problems with their human text (path, message, snippet) through `escape_control`:
    every formatter starts here, so no field of any format is written unescaped."""
    out = []
    for p in problems:
        if (
            p.path.isprintable()
            and p.message.isprintable()
            and p.snippet.isprintable()
            and p.segment.isprintable()
        ):
            out.append(p)
        else:
            out.append(
                replace(
                    p,
                    path=escape_control(p.path),
                    message=escape_control(p.message),
                    snippet=escape_control(p.snippet),
                    segment=escape_control(p.segment),
                )
            )
    return out


def _where(problem: Problem) -> str:
    where = f"{problem.path}:{problem.line}"
    return f"{where}:{problem.column}" if problem.column is not None else where


def _segment(problem: Problem) -> str:
    """`[segment] ` before the message of a campaign's problem, which names its source file."""
    return f"[{problem.segment}] " if problem.segment else ""


def _part_note(problem: Problem) -> str:
    """Say which text the line counts in when it is not simply the linted file's own lines:
    a message's decoded HTML or text part, or the HTML compiled from an MJML file. A file
    that could not be linted (B2B000) is pointed at in its own lines, and so is a campaign's
    problem placed at its source (it names a segment)."""
    if problem.code == UNREADABLE_INPUT[0] or problem.segment:
        return ""
    path = problem.path.lower()
    if problem.part == "text":
        return _(" (text part)")
    if problem.part == "html":
        if path.endswith(".mjml"):
            return _(" (compiled HTML)")
        if not path.endswith((".html", ".htm")):
            return _(" (html part)")
    return ""


def summary(problems: Sequence[Problem], files: int) -> str:
    """`3 problems (1 error, 2 warnings, 0 info) in 2 files`, in the current language."""
    counts = Counter(p.severity for p in problems)
    if not problems:
        return ngettext("no problems in {n} file", "no problems in {n} files", files).format(
            n=files
        )
    # Each count is a message of its own: the plural of each noun follows its own number.
    return _("{problems} ({errors}, {warnings}, {infos}) in {files}").format(
        problems=ngettext("{n} problem", "{n} problems", len(problems)).format(n=len(problems)),
        errors=ngettext("{n} error", "{n} errors", counts["error"]).format(n=counts["error"]),
        warnings=ngettext("{n} warning", "{n} warnings", counts["warning"]).format(
            n=counts["warning"]
        ),
        infos=ngettext("{n} info", "{n} info", counts["info"]).format(n=counts["info"]),
        files=ngettext("{n} file", "{n} files", files).format(n=files),
    )


def format_text(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """`path:line:col: CODE [severity] message`, one per line (`path:line: [segment] CODE …`
    for a campaign's problem placed at its source), then a summary line. The severity and
    the notes are in the current language, as the messages are."""
    problems = _escaped(problems)
    labels = {severity: severity_label(severity) for severity in ("error", "warning", "info")}
    lines = [
        f"{_where(p)}: {_segment(p)}{p.code} [{labels[p.severity]}] {p.message}{_part_note(p)}"
        for p in problems
    ]
    lines.append(summary(problems, len(files)))
    return "\n".join(lines) + "\n"


def format_json(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """A JSON document (output.json_document) whose `problems` list each has path, code, name,
    severity, message, line, column, snippet, part, segment."""
    problems = _escaped(problems)
    return json_document("lint", {"problems": [p.to_dict() for p in problems]})


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=CODE::message`."""
    problems = _escaped(problems)
    lines = []
    for p in problems:
        props = [f"file={_escape_property(p.path)}", f"line={p.line}"]
        if p.column is not None:
            props.append(f"col={p.column}")
        props.append(f"title={_escape_property(f'{p.code} {p.name}')}")
        message = _escape_data(f"{_segment(p)}{p.message}{_part_note(p)}")
        lines.append(f"::{_GITHUB_LEVEL[p.severity]} {','.join(props)}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")


def _uri(path: str) -> str:
    """A file path as a SARIF artifact URI: `/` separators; a character `escape_control` would
    escape is percent-encoded instead (RFC 3986 §2.1), as a URI reader decodes it."""
    uri = path.replace("\\", "/")
    if uri.isprintable():
        return uri
    return "".join(quote(char, safe="") if ord(char) in _ESCAPES else char for char in uri)


def format_sarif(problems: Sequence[Problem], files: Sequence[str], rules: Sequence[Rule]) -> str:
    """SARIF 2.1.0 for GitHub code scanning: one run, every rule described, one result each."""
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver_rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": " ".join(rule.sections.get("Why it matters", "").split())},
            "help": {"text": rule.help},
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            "properties": {"tags": [rule.family]},
        }
        for rule in rules
    ]
    results = []
    for raw, p in zip(problems, _escaped(problems), strict=True):
        region: dict[str, object] = {"startLine": p.line}
        if p.column is not None:
            region["startColumn"] = p.column
        if p.snippet:
            region["snippet"] = {"text": p.snippet}
        # A campaign's problem names its source file; the message names the segment.
        result: dict[str, object] = {
            "ruleId": p.code,
            "level": _SARIF_LEVEL[p.severity],
            "message": {"text": f"{_segment(p)}{p.message}{_part_note(p)}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(raw.path)},
                        "region": region,
                    }
                }
            ],
        }
        if p.code in index:
            result["ruleIndex"] = index[p.code]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "b2bmail",
                        "version": __version__,
                        "informationUri": "https://github.com/b2bmail/b2bmail",
                        "rules": driver_rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def format_junit(problems: Sequence[Problem], files: Sequence[str]) -> str:
    """JUnit XML: one test suite per file, one failing test case per error or warning
    (info is reported as a passing case with system-out), a passing case for a clean file."""
    problems = _escaped(problems)
    files = [escape_control(path) for path in files]
    suites = ET.Element("testsuites", name="b2bmail lint")
    by_file: dict[str, list[Problem]] = {path: [] for path in files}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    total = failures = 0
    for path, found in by_file.items():
        failed = [p for p in found if p.severity != "info"]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=path,
            tests=str(max(1, len(found))),
            failures=str(len(failed)),
            errors="0",
        )
        total += max(1, len(found))
        failures += len(failed)
        if not found:
            ET.SubElement(suite, "testcase", classname=path, name="b2bmail lint")
        for p in found:
            # `file` and `line` attributes: what CI test reporters annotate the source with.
            case = ET.SubElement(
                suite,
                "testcase",
                classname=path,
                name=f"{p.code} {p.name} line {p.line}",
                file=p.path,
                line=str(p.line),
            )
            text = f"{_where(p)}: {_segment(p)}{p.code} [{p.severity}] {p.message}\n{p.snippet}"
            if p.severity == "info":
                ET.SubElement(case, "system-out").text = text
            else:
                failure = ET.SubElement(case, "failure", message=p.message, type=p.severity)
                failure.text = text
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def format_problems(
    problems: Sequence[Problem], output_format: str, *, files: Sequence[str], rules: Sequence[Rule]
) -> str:
    if output_format == "sarif":
        return format_sarif(problems, files, rules)
    formatter = {
        "text": format_text,
        "json": format_json,
        "github": format_github,
        "junit": format_junit,
    }[output_format]
    return formatter(problems, files)
