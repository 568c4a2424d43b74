"""Segments: rules over recipient and company fields, benefit weights, assignment to buckets.

A segments file looks like::

    benefits:                      # declaration order = tie-break order for equal weights
      performance: Performance produit
      price: Prix
    segments:
      - id: mining                 # safe slug: it becomes a folder name
        name: Exploitants miniers
        priority: 40               # highest first; the first matching segment wins
        rule:
          any:
            - {field: sector, in: [mines, mining]}
            - {field: company.size, gte: 500}
        benefits: {performance: 10, price: 6}
        variables: {tone: technique}

Rules nest with `all`, `any` and `not`; a condition is `{field: PATH, OP: VALUE}` with OP one
of equals, not_equals, in, contains, lt, lte, gt, gte. Text compares case- and
accent-insensitively after trimming; a field holding a set (a contact's `roles`) matches
`equals`/`contains` when the value is in the set and `in` when the sets share a member.
A segment without `rule` matches everyone (a catch-all, give it the lowest priority).
Numbers are read in the list's locale (`parse_number`); a value that lt/lte/gt/gte cannot
read does not match, and is reported on its row, never silently.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel.numbers import get_decimal_symbol, get_group_symbol

from b2bmail.config import (
    expect_int,
    expect_list,
    expect_mapping,
    expect_str,
    line_of,
    load_yaml_node,
    to_python,
)
from b2bmail.errors import ConfigError
from b2bmail.i18n import _

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
BENEFIT_KEY = re.compile(r"^[a-z0-9_]+$")
FIELD_PATH = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)?$")
COMPARISONS = ("equals", "not_equals", "in", "contains", "lt", "lte", "gt", "gte")
COMBINATORS = ("all", "any", "not")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any
    # Where the rule names its field (the segments file's line), for errors found once a
    # list is read (recipients.needs); not part of what the condition means.
    line: int | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class AllOf:
    rules: tuple[SegmentRule, ...]


@dataclass(frozen=True)
class AnyOf:
    rules: tuple[SegmentRule, ...]


@dataclass(frozen=True)
class NotRule:
    rule: SegmentRule


SegmentRule = Condition | AllOf | AnyOf | NotRule


@dataclass(frozen=True)
class Benefit:
    key: str
    label: str
    weight: int


@dataclass(frozen=True)
class Segment:
    id: str
    name: str
    priority: int
    rule: SegmentRule
    benefits: tuple[Benefit, ...]  # highest weight first; ties in the file's declaration order
    variables: Mapping[str, Any] = field(default_factory=dict)
    # The line of the segments file where each variable is set (for errors found later).
    variable_lines: Mapping[str, int] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)  # the segments file

    @property
    def benefit_keys(self) -> tuple[str, ...]:
        return tuple(b.key for b in self.benefits)


MATCH_ALL: SegmentRule = AllOf(())


# ---------------------------------------------------------------------------------------------
# Matching


def _fold(value: object) -> str:
    text = unicodedata.normalize("NFKD", str(value).strip().casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


#: The locale numbers are read in when none is given (`b2bmail segment` without --locale).
DEFAULT_NUMBER_LOCALE = "en"
# Spaces that group thousands: a space, a no-break space (Excel's `1 200` in French) and a
# narrow no-break space (CLDR fr's group symbol).
_SPACES = " \u00a0\u202f"
# Currency marks around an amount (`1 200,50 €`, `EUR 12`): Unicode currency symbols
# (category Sc) and ISO 4217-shaped codes, which say nothing about the number.
_CODE_AROUND = re.compile(r"^[A-Z]{3}(?=[\s0-9+\-\u2212])|(?<=[\s0-9])[A-Z]{3}$")


def _strip_currency(text: str) -> str:
    text = _CODE_AROUND.sub("", text).strip()
    while text and unicodedata.category(text[0]) == "Sc":
        text = text[1:].lstrip()
    while text and unicodedata.category(text[-1]) == "Sc":
        text = text[:-1].rstrip()
    return text


@functools.cache
def _number_pattern(locale: str) -> re.Pattern[str]:
    """Numbers as people write them in `locale` (CLDR symbols via Babel): thousands grouped
    by the locale's group symbol or a space of any width, then the locale's decimal symbol.
    The other mark (`.` where the decimal symbol is `,`, and the reverse) also groups
    thousands when exactly three digits follow each (`1.200` in fr, de, nl), else it is
    read as a decimal point (`1.5`, `1,5` in en). Not what float() also takes: `Infinity`,
    `NaN`, `1e400`, `1_234` are names or codes, not numbers."""
    decimal = get_decimal_symbol(locale)
    other = "." if decimal == "," else ","
    group = get_group_symbol(locale)
    groups = re.escape("".join(sorted({*_SPACES, group, other} - {decimal})))
    return re.compile(
        rf"(?P<sign>[+\-\u2212]?)(?P<int>[0-9]{{1,3}}(?:(?P<sep>[{groups}])[0-9]{{3}}"
        rf"(?:(?P=sep)[0-9]{{3}})*)?|[0-9]+)"
        rf"(?:(?P<point>[{re.escape(decimal + other)}])(?P<frac>[0-9]+))?"
    )


def parse_number(value: object, locale: str = DEFAULT_NUMBER_LOCALE) -> float | None:
    """A cell as a number, read in the list's locale: `1 200` (any space), `1.200` (fr,
    de, nl), `1,5`, `1 200,50 €`; None for text that is not one (the caller reports it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _strip_currency(str(value).strip())
    m = _number_pattern(locale).fullmatch(text)
    if m is None:
        return None
    digits = m["int"]
    if m["sep"]:
        if m["point"] == m["sep"]:
            return None  # `1.200.5`: a mark cannot both group and separate decimals
        digits = digits.replace(m["sep"], "")
    number = float(f"{digits}.{m['frac']}" if m["frac"] else digits)
    if m["sign"] in ("-", "\u2212"):
        number = -number
    return number if math.isfinite(number) else None  # 400 digits overflow to inf


def _lookup(fields: Mapping[str, object], path: str) -> object:
    if path in fields:
        return fields[path]
    # `company.size` may also arrive nested as fields["company"]["size"].
    head, _, tail = path.partition(".")
    inner = fields.get(head)
    if tail and isinstance(inner, Mapping):
        return inner.get(tail)
    return None


def _as_set(value: object) -> frozenset[str] | None:
    if isinstance(value, set | frozenset | list | tuple):
        return frozenset(_fold(v) for v in value)
    return None


def number_note(path: str, value: object, locale: str) -> str:
    """The per-row note for a value a numeric rule could not read."""
    return _(
        "{path} {value} is not a number in locale {locale}, so '{path}' rules did not match"
    ).format(path=path, value=repr(str(value)), locale=locale)


def _compare(cond: Condition, actual: object, locale: str, notes: list[str] | None = None) -> bool:
    if actual is None or actual == "":
        return cond.op == "not_equals"
    members = _as_set(actual)
    if cond.op in ("lt", "lte", "gt", "gte"):
        a, b = parse_number(actual, locale), parse_number(cond.value, locale)
        if a is None or b is None:
            # Never a silent "no": the row says which value could not be read.
            if notes is not None and a is None:
                note = number_note(cond.field, actual, locale)
                if note not in notes:
                    notes.append(note)
            return False
        return {"lt": a < b, "lte": a <= b, "gt": a > b, "gte": a >= b}[cond.op]
    if cond.op == "in":
        wanted = {_fold(v) for v in cond.value}
        return bool(members & wanted) if members is not None else _fold(actual) in wanted
    if cond.op in ("equals", "not_equals"):
        n_a, n_b = parse_number(actual, locale), parse_number(cond.value, locale)
        if members is not None:
            equal = _fold(cond.value) in members
        elif n_a is not None and n_b is not None and not isinstance(cond.value, str):
            equal = n_a == n_b
        else:
            equal = _fold(actual) == _fold(cond.value)
        return equal if cond.op == "equals" else not equal
    # contains: a member of a set, or a substring of text
    if members is not None:
        return _fold(cond.value) in members
    return _fold(cond.value) in _fold(actual)


def rule_matches(
    rule: SegmentRule,
    fields: Mapping[str, object],
    *,
    locale: str = DEFAULT_NUMBER_LOCALE,
    notes: list[str] | None = None,
) -> bool:
    """Whether a recipient's canonical fields satisfy the rule. Numbers are read in
    `locale`; a value a numeric comparison cannot read does not match, and is noted in
    `notes` (one line per field and value) so the caller reports it on the row."""
    if isinstance(rule, Condition):
        return _compare(rule, _lookup(fields, rule.field), locale, notes)
    if isinstance(rule, AllOf):
        return all(rule_matches(r, fields, locale=locale, notes=notes) for r in rule.rules)
    if isinstance(rule, AnyOf):
        return any(rule_matches(r, fields, locale=locale, notes=notes) for r in rule.rules)
    return not rule_matches(rule.rule, fields, locale=locale, notes=notes)


def assign_segment(
    segments: Iterable[Segment],
    fields: Mapping[str, object],
    *,
    locale: str = DEFAULT_NUMBER_LOCALE,
    notes: list[str] | None = None,
) -> Segment | None:
    """The first segment, in priority order, whose rule matches; None when none does."""
    for segment in segments:
        if rule_matches(segment.rule, fields, locale=locale, notes=notes):
            return segment
    return None


# ---------------------------------------------------------------------------------------------
# Loading


def _parse_rule(node: yaml.Node, path: Path, where: str) -> SegmentRule:
    items = expect_mapping(node, path, where, allowed=(*COMBINATORS, "field", *COMPARISONS))
    combinators = [k for k in items if k in COMBINATORS]
    if combinators:
        if len(items) != 1:
            raise ConfigError(
                _("{where}: '{key}' must stand alone in its mapping").format(
                    where=where, key=combinators[0]
                ),
                path=path,
                line=line_of(node),
                hint=_("nest other conditions inside it as list items"),
            )
        key = combinators[0]
        if key == "not":
            return NotRule(_parse_rule(items["not"], path, f"{where}.not"))
        children = tuple(
            _parse_rule(child, path, f"{where}.{key}[{i}]")
            for i, child in enumerate(expect_list(items[key], path, f"{where}.{key}"))
        )
        return AllOf(children) if key == "all" else AnyOf(children)
    if "field" not in items:
        raise ConfigError(
            _("{where} has no 'field'").format(where=where),
            path=path,
            line=line_of(node),
            hint=_("write {example}").format(example="{field: sector, equals: mines}"),
        )
    field_path = expect_str(items["field"], path, f"{where}.field")
    if not FIELD_PATH.match(field_path):
        raise ConfigError(
            _("field {field} is not a recipient field").format(field=repr(field_path)),
            path=path,
            line=line_of(items["field"]),
            hint=_("use a canonical key such as sector, roles, stage or company.size"),
        )
    ops = [k for k in items if k in COMPARISONS]
    if len(ops) != 1:
        raise ConfigError(
            _("{where} needs exactly one comparison (found {count})").format(
                where=where, count=len(ops)
            ),
            path=path,
            line=line_of(node),
            hint=_("one of {choices}").format(choices=", ".join(COMPARISONS)),
        )
    op = ops[0]
    value_node = items[op]
    value = to_python(value_node)
    if op == "in":
        if not isinstance(value, list) or not value:
            raise ConfigError(
                _("'in' needs a non-empty list"),
                path=path,
                line=line_of(value_node),
                hint=_("e.g. {example}").format(example="in: [a, b]"),
            )
        value = tuple(value)
    elif op in ("lt", "lte", "gt", "gte"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(
                _("'{op}' needs a number").format(op=op),
                path=path,
                line=line_of(value_node),
                hint=_("e.g. {example}").format(example=f"{op}: 100"),
            )
    elif isinstance(value, list | dict) or value is None:
        raise ConfigError(
            _("'{op}' needs a single value").format(op=op),
            path=path,
            line=line_of(value_node),
            hint=_("use 'in' for a list"),
        )
    return Condition(field=field_path, op=op, value=value, line=line_of(items["field"]))


def _humanize(key: str) -> str:
    return key.replace("_", " ").capitalize()


def load_segments(path: str | Path) -> tuple[Segment, ...]:
    """Read a segments file: segments sorted by priority (highest first, ties in file order)."""
    source = Path(path)
    top = expect_mapping(
        load_yaml_node(source, what=_("segments file")),
        source,
        _("the segments file"),
        allowed=("benefits", "segments"),
        required=("segments",),
    )
    labels: dict[str, str] = {}
    if "benefits" in top:
        for key, node in expect_mapping(top["benefits"], source, "benefits").items():
            if not BENEFIT_KEY.match(key):
                raise ConfigError(
                    _("benefit key {key} is not a lower-case identifier").format(key=repr(key)),
                    path=source,
                    line=line_of(node),
                    hint=_("e.g. {example}").format(example="operating_cost"),
                )
            labels[key] = expect_str(node, source, f"benefits.{key}")
    declared = list(labels)

    segments: list[Segment] = []
    seen: dict[str, int] = {}
    for index, seg_node in enumerate(expect_list(top["segments"], source, "segments")):
        where = f"segments[{index}]"
        items = expect_mapping(
            seg_node,
            source,
            where,
            allowed=("id", "name", "priority", "rule", "benefits", "variables"),
            required=("id", "name"),
        )
        seg_id = expect_str(items["id"], source, f"{where}.id")
        if not SLUG.match(seg_id):
            raise ConfigError(
                _("segment id {id} is not a safe slug").format(id=repr(seg_id)),
                path=source,
                line=line_of(items["id"]),
                hint=_("use lower-case letters, digits and hyphens (it becomes a folder name)"),
            )
        if seg_id in seen:
            raise ConfigError(
                _("segment id {id} is used twice (first on line {line})").format(
                    id=repr(seg_id), line=seen[seg_id]
                ),
                path=source,
                line=line_of(items["id"]),
                hint=_("give each segment its own id"),
            )
        seen[seg_id] = line_of(items["id"])
        weights: dict[str, int] = {}
        if "benefits" in items:
            for key, node in expect_mapping(items["benefits"], source, f"{where}.benefits").items():
                if labels and key not in labels:
                    raise ConfigError(
                        _("benefit {key} is not declared under the top-level 'benefits'").format(
                            key=repr(key)
                        ),
                        path=source,
                        line=line_of(node),
                        hint=_("declared: {keys}").format(keys=", ".join(labels)),
                    )
                weights[key] = expect_int(node, source, f"{where}.benefits.{key}")
        variables: Mapping[str, Any] = {}
        variable_lines: dict[str, int] = {}
        if "variables" in items:
            for key, node in expect_mapping(
                items["variables"], source, f"{where}.variables"
            ).items():
                variable_lines[key] = line_of(node)
            variables = to_python(items["variables"])
        segments.append(
            Segment(
                id=seg_id,
                name=expect_str(items["name"], source, f"{where}.name"),
                priority=expect_int(items["priority"], source, f"{where}.priority")
                if "priority" in items
                else 0,
                rule=_parse_rule(items["rule"], source, f"{where}.rule")
                if "rule" in items
                else MATCH_ALL,
                benefits=order_benefits(weights, labels, declared),
                variables=variables,
                variable_lines=variable_lines,
                path=source,
            )
        )
    if not segments:
        raise ConfigError(
            _("no segments defined"),
            path=source,
            line=line_of(top["segments"]),
            hint=_("add at least one"),
        )
    return tuple(
        sorted(segments, key=lambda s: -s.priority)
    )  # sorted() is stable: ties keep file order


def order_benefits(
    weights: Mapping[str, int], labels: Mapping[str, str], declared: Sequence[str] = ()
) -> tuple[Benefit, ...]:
    """Benefits by weight, highest first. Tie-break: the order of the top-level `benefits`
    declaration (then the segment's own order for undeclared keys), so equal weights always
    come out in the same, documented order."""
    rank = {key: i for i, key in enumerate(declared)}
    own = {key: len(rank) + i for i, key in enumerate(weights)}
    keys = sorted(weights, key=lambda k: (-weights[k], rank.get(k, own[k])))
    return tuple(Benefit(key=k, label=labels.get(k, _humanize(k)), weight=weights[k]) for k in keys)
