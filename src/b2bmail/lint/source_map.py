"""Point a problem found in a built email back at the source that produced it.

A campaign's email is made by Jinja (template files and their partials, filled with values
from the campaign YAML and the segments file), then MJML, then CSS inlining. A problem the
linter finds is at a line of that output, which is no file in the repository: CI annotations
must name a template file and line, or a YAML key, instead.

The map is a search, not a trace: an index of the sources (every line of each template file
Jinja loaded, every scalar of the YAML files) is built once per build, and each problem is
looked up in it, most specific evidence first:

1. a problem of the subject, preheader or headers: the campaign key that sets it;
2. a YAML value the problem's message quotes (a URL, a link text): the line of that value;
3. the element the problem points at: the template line whose tag makes it (the tag itself,
   or the MJML component that generates it: `<img>` from `<mj-image>`), scored by the
   literal attribute values and the Jinja expressions it shares with the element. An MJML
   wrapper (`<table>`, `<td>`…) without a match of its own stands for the content it wraps,
   the next element on its line;
4. a text-part line: the YAML value, else the template text, it holds;
5. else the campaign file's `template:` line.

Jinja line markers carried through MJML would be exact, but MRML drops comments and moves
markup (mj-head into <head>, attributes into inlined styles), and markers would have to be
stripped from a second render: the search needs no change to the render engine and costs
nothing when lint does not run. `benchmarks/source_map.py` measures how often it finds a
real file and line.

May import: yaml, the lint problem. Never imports render (the campaign job hands it files).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from b2bmail.lint.problem import Problem


@dataclass(frozen=True)
class Location:
    """A file (as a path to show: relative to the working folder when inside it) and a line."""

    path: str
    line: int


@dataclass(frozen=True)
class _Value:
    """One scalar of a YAML file: its text (spaces collapsed), key path and location."""

    text: str
    keys: tuple[str, ...]
    where: Location


@dataclass(frozen=True)
class _TemplateLine:
    """One line of a template file: the tags it writes, its literal attribute values and text,
    and the dotted names of the Jinja expressions on it."""

    where: Location
    tags: frozenset[str]
    literals: tuple[str, ...]
    names: tuple[str, ...]


# Which MJML component writes an HTML element that no template writes itself (MJML 4
# documentation, "Components"). Layout wrappers are left out: they stand for what they wrap.
_PRODUCERS: Mapping[str, tuple[str, ...]] = {
    "html": ("mjml",),
    "head": ("mj-head",),
    "title": ("mj-title",),
    "style": ("mj-style",),
    "body": ("mj-body",),
    "img": ("mj-image",),
    "a": ("mj-button", "mj-image"),
    "p": ("mj-divider",),
    "table": ("mj-table",),
}
_WRAPPERS = frozenset({"table", "tbody", "tr", "td", "div", "center", "p"})
_TAG = re.compile(
    r"<([A-Za-z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>"
)
_ATTR = re.compile(r"([^\s=>/]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)
_NAME = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*(?:\.\w+|\[\w+\])*)")
_LITERAL_ATTR = re.compile(r"[\w:-]+=\"([^\"{}]+)\"")
_QUOTED = re.compile(r"[\"'`“«]\s*(.+?)\s*[\"'`”»]")
# The campaign key that sets each header the linter checks (RFC 5322 / RFC 2369 names).
_HEADER_KEYS = (
    ("subject", "subject"),
    ("list-unsubscribe", "unsubscribe"),
    ("reply-to", "sender"),
    ("from", "sender"),
    ("list-id", "list_id"),
)
_MIN_VALUE = 4  # shorter YAML values ("EUR", "px") match by chance


def _shown(path: Path) -> str:
    """`path` relative to the working folder when inside it (what CI annotations need)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _squash(text: str) -> str:
    return " ".join(html_lib.unescape(text).split())


def _yaml_values(path: Path) -> list[_Value]:
    """Every string scalar of a YAML file with its key path and line (sequence items keep
    their parent's key: `blocks[2].link.url` is `blocks.link.url`)."""
    shown = _shown(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    found: list[_Value] = []

    def walk(node: yaml.Node, keys: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*keys, str(key.value)))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, keys)
        elif isinstance(node, yaml.ScalarNode):
            text = _squash(str(node.value))
            if len(text) >= _MIN_VALUE:
                found.append(_Value(text, keys, Location(shown, node.start_mark.line + 1)))

    if root is not None:
        walk(root, ())
    return found


def _template_lines(path: Path) -> list[_TemplateLine]:
    """Index each line of a template file; Jinja comments are blanked first, keeping lines."""
    shown = _shown(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    source = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), source, flags=re.S)
    out = []
    for number, text in enumerate(source.splitlines(), 1):
        literal = _JINJA.sub("\0", text)
        tags = frozenset(
            m.group(1).lower() for m in _TAG.finditer(text.replace("{{", "").replace("}}", ""))
        )
        tags |= frozenset(t.lower() for t in re.findall(r"<([A-Za-z][\w:-]*)", literal))
        # Literal attribute values, each CSS declaration apart (MJML and premailer rewrite a
        # style), and literal text runs; compared without whitespace, which both rewrite.
        values = [v for m in _LITERAL_ATTR.finditer(literal) for v in m.group(1).split(";")]
        runs = [_squash(part) for part in re.split(r"<[^>]*>|\0", literal)]
        literals = ["".join(v.split()) for v in (*values, *runs)]
        literals = [v for v in literals if len(v) >= _MIN_VALUE]
        names = [n for expr in _EXPRESSION.findall(text) for n in _NAME.findall(expr)]
        if tags or literals or names:
            out.append(_TemplateLine(Location(shown, number), tags, tuple(literals), tuple(names)))
    return out


@dataclass(frozen=True)
class _Element:
    tag: str
    attrs: Mapping[str, str]
    start: str  # the start tag as written
    text: str  # the text that follows it, up to the next tag


def _element_at(line_text: str, column: int | None) -> tuple[_Element | None, int]:
    """The element whose start tag holds `column` (1-based) on an output line, else the first
    one on it; with the offset where its start tag ends."""
    at = max((column or 1) - 1, 0)
    begin = line_text.rfind("<", 0, at + 1)
    for start in (begin, line_text.find("<")):
        if start < 0:
            continue
        m = _TAG.match(line_text, start)
        if m:
            attrs = {
                a.group(1).lower(): html_lib.unescape(a.group(2) or a.group(3) or a.group(4) or "")
                for a in _ATTR.finditer(m.group(2))
            }
            end = line_text.find("<", m.end())
            text = _squash(line_text[m.end() : end if end >= 0 else len(line_text)])
            return _Element(m.group(1).lower(), attrs, html_lib.unescape(m.group(0)), text), m.end()
    return None, 0


def _shown_values(element: _Element) -> list[str]:
    """The values an element shows that a YAML value may have set: attributes and text."""
    return [_squash(v) for v in (*element.attrs.values(), element.text) if len(v) >= _MIN_VALUE]


def _name_score(name: str, keys: tuple[str, ...]) -> int:
    """How well a Jinja expression's dotted name (`cta.title`, `block.link.url`) names a YAML
    key path (`content.cta.decision.title`): 0 unless the last parts agree, then 10 for each
    part found, in order, among the keys (a loop variable `block` for the key `blocks`)."""
    parts = [p for p in re.split(r"[.\[\]]", name) if p]
    if not parts or not keys or parts[-1] != keys[-1]:
        return 0
    score, at = 10, len(keys) - 1
    for part in reversed(parts[:-1]):
        found = next((i for i in range(at - 1, -1, -1) if keys[i].startswith(part)), None)
        if found is not None:
            score, at = score + 10, found
    return score


class SourceIndex:
    """The sources of one campaign build, indexed to place problems (see the module doc)."""

    def __init__(
        self,
        *,
        campaign: Path,
        campaign_lines: Mapping[str, int],
        templates: Iterable[Path],
        data: Iterable[Path],
    ) -> None:
        self.campaign = _shown(campaign)
        self.keys = dict(campaign_lines)
        self.values = [v for path in data for v in _yaml_values(path)]
        self.lines = [t for path in templates for t in _template_lines(path)]
        self.fallback = Location(self.campaign, self.keys.get("template", 1))
        self._split: tuple[str | None, list[str]] = (None, [])

    def _lines(self, text: str) -> Sequence[str]:
        """The lines of a part, split once for all the problems found in it."""
        if self._split[0] is not text:
            self._split = (text, text.splitlines())
        return self._split[1]

    def _key(self, key: str) -> Location | None:
        line = self.keys.get(key)
        return Location(self.campaign, line) if line else None

    def _named_value(self, message: str, shown: Sequence[str]) -> Location | None:
        """The YAML value the message names, the longest (most specific) first: one it holds
        (a URL, a quoted link text), or one the element shows (`shown`) that holds a quoted
        part of the message or a word of it that reads as an address (`bit.ly`)."""
        quoted = [_squash(q) for q in _QUOTED.findall(message)]
        words = [w.strip(".,;:()'\"") for w in message.split()]
        addresses = [w for w in words if len(w) >= 5 and ("." in w or "/" in w)]
        best: _Value | None = None
        for value in self.values:
            named = value.text in quoted or (len(value.text) >= 8 and value.text in message)
            if not named and any(value.text in s for s in shown):
                named = any(f in value.text for f in (*addresses, *quoted) if len(f) >= 4)
            if named and (best is None or len(value.text) > len(best.text)):
                best = value
        return best.where if best else None

    def _element_line(self, element: _Element, *, literal: bool = False) -> Location | None:
        """The template line that writes `element`: its tag or the component producing it,
        scored by shared literal attribute values and expressions matching its values. With
        `literal`, only a line sharing a literal value or an expression's value with it."""
        haystack = "".join(f"{element.start} {element.text}".split())
        shown = _shown_values(element)
        # The key paths of the YAML values this element shows: an expression naming the
        # end of one (`image.alt` for content.hero.image.alt) wrote it.
        paths = [v.keys for v in self.values if any(v.text == _squash(s) for s in shown)]
        producers = {element.tag, *_PRODUCERS.get(element.tag, ())}
        best: tuple[int, _TemplateLine] | None = None
        for line in self.lines:
            if not line.tags & producers:
                continue
            shared = sum(len(lit) for lit in line.literals if lit in haystack)
            shared += sum(max((_name_score(n, k) for k in paths), default=0) for n in line.names)
            if literal and not shared:
                continue
            score = shared + (1 if element.tag in line.tags else 0)
            if best is None or score > best[0]:
                best = (score, line)
        return best[1].where if best else None

    def _html_line(self, html_lines: Sequence[str], problem: Problem) -> Location | None:
        if not 0 < problem.line <= len(html_lines):
            return None
        text = html_lines[problem.line - 1]
        element, end = _element_at(text, problem.column)
        # An MJML wrapper stands for what it wraps: look on at the next elements of the line.
        for _ in range(12):
            if element is None:
                return None
            wrapper = element.tag in _WRAPPERS and not element.text
            found = self._element_line(element, literal=wrapper)
            if found is not None:
                return found
            nxt = text.find("<", end)
            while nxt >= 0 and text.startswith("</", nxt):
                nxt = text.find("<", nxt + 1)
            if nxt < 0:
                return self._element_line(element) if element.tag in _WRAPPERS else None
            element, end = _element_at(text, nxt + 1)
        return None

    def _text_line(self, text_lines: Sequence[str], line: int) -> Location | None:
        if not 0 < line <= len(text_lines):
            return None
        shown = _squash(text_lines[line - 1])
        if len(shown) < _MIN_VALUE:
            return None
        values = [v for v in self.values if v.text in shown or shown in v.text]
        if values:
            return max(values, key=lambda v: len(v.text)).where
        lines = [
            (max(len(lit) for lit in t.literals if lit in shown), t)
            for t in self.lines
            if any(lit in shown for lit in t.literals)
        ]
        return max(lines, key=lambda pair: pair[0])[1].where if lines else None

    def _named_in_html(self, html_lines: Sequence[str], problem: Problem) -> Location | None:
        if not 0 < problem.line <= len(html_lines):
            return None
        element, _end = _element_at(html_lines[problem.line - 1], problem.column)
        return self._named_value(problem.message, _shown_values(element) if element else [])

    def locate(self, problem: Problem, html: str, text: str) -> Location | None:
        """The source of one problem found in an email built from these sources (its `html`
        and `text` parts as linted), or None when nothing matches."""
        if problem.part in ("subject", "preheader"):
            return self._key(problem.part)
        if problem.part == "headers":
            # The header the snippet shows (`Subject: …`), else the one the message names.
            header = problem.snippet.partition(":")[0].strip().lower()
            about = problem.message.lower()
            key = next((k for name, k in _HEADER_KEYS if name == header), None) or next(
                (k for name, k in _HEADER_KEYS if name in about), None
            )
            return self._key(key) if key else None
        if problem.part == "text":
            text_lines = self._lines(text)
            line = text_lines[problem.line - 1] if 0 < problem.line <= len(text_lines) else ""
            return self._named_value(problem.message, [line]) or self._text_line(
                text_lines, problem.line
            )
        html_lines = self._lines(html)
        return self._named_in_html(html_lines, problem) or self._html_line(html_lines, problem)

    def place(self, problem: Problem, html: str, text: str, segment: str) -> Problem:
        """`problem` moved to its source (the campaign's `template:` line when nothing
        matches), with the segment it was found in."""
        where = self.locate(problem, html, text) or self.fallback
        return replace(problem, path=where.path, line=where.line, column=None, segment=segment)


def merge_segments(problems: Iterable[Problem]) -> list[Problem]:
    """One problem per source place, code and message: a template line that gives the same
    problem in every segment is reported once, naming the segments (`mining,rental`)."""
    merged: dict[tuple[object, ...], Problem] = {}
    for p in problems:
        key = (p.path, p.line, p.code, p.message, p.part)
        if key in merged:
            first = merged[key]
            merged[key] = replace(first, segment=f"{first.segment},{p.segment}")
        else:
            merged[key] = p
    return list(merged.values())
