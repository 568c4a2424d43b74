from pathlib import Path

import pytest

from b2bmail.errors import ConfigError
from b2bmail.segments import (
    AllOf,
    AnyOf,
    Condition,
    NotRule,
    assign_segment,
    load_segments,
    order_benefits,
    parse_number,
    rule_matches,
)

SEGMENTS = """\
benefits:
  performance: Performance
  cost: Coût d'exploitation
  price: Prix
segments:
  - id: catch-all
    name: Tout le monde
    priority: 0
  - id: mining
    name: Mines
    priority: 40
    rule:
      any:
        - {field: sector, in: [Mines, mining]}
        - {field: company.size, gte: 500}
    benefits: {price: 6, performance: 10, cost: 10}
    variables: {tone: technique}
  - id: deciders
    name: Décideurs hors mines
    priority: 20
    rule:
      all:
        - {field: roles, contains: decider}
        - not: {field: sector, equals: mines}
"""


@pytest.fixture
def segments_file(tmp_path: Path) -> Path:
    path = tmp_path / "segments.yaml"
    path.write_text(SEGMENTS, encoding="utf-8")
    return path


def test_load_sorts_by_priority_and_orders_benefits(segments_file: Path) -> None:
    segs = load_segments(segments_file)
    assert [s.id for s in segs] == ["mining", "deciders", "catch-all"]
    mining = segs[0]
    # performance and cost tie at 10: declaration order breaks the tie
    assert [(b.key, b.weight) for b in mining.benefits] == [
        ("performance", 10),
        ("cost", 10),
        ("price", 6),
    ]
    assert mining.benefits[1].label == "Coût d'exploitation"
    assert mining.variables == {"tone": "technique"}
    assert segs[2].rule == AllOf(())


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"sector": "  MINES "}, "mining"),
        ({"sector": "btp", "company.size": 800}, "mining"),
        ({"sector": "btp", "company": {"size": "1200"}}, "mining"),
        ({"sector": "btp", "roles": frozenset({"decider", "buyer"})}, "deciders"),
        ({"sector": "btp", "roles": frozenset({"buyer"})}, "catch-all"),
        ({}, "catch-all"),
    ],
    ids=["text-in-casefold", "numeric-gte", "nested-company", "roles-set", "role-missing", "empty"],
)
def test_assign_segment(segments_file: Path, fields: dict[str, object], expected: str) -> None:
    seg = assign_segment(load_segments(segments_file), fields)
    assert seg is not None and seg.id == expected


def test_assign_none_when_nothing_matches() -> None:
    from b2bmail.segments import Segment

    only = Segment("a", "A", 0, Condition("sector", "equals", "x"), ())
    assert assign_segment([only], {"sector": "y"}) is None


@pytest.mark.parametrize(
    ("rule", "fields", "expected"),
    [
        (Condition("stage", "equals", "décision"), {"stage": "Decision"}, True),
        (Condition("stage", "not_equals", "decision"), {"stage": "awareness"}, True),
        (Condition("stage", "not_equals", "decision"), {}, True),
        (Condition("company", "contains", "carri"), {"company": "Carrières Dupont"}, True),
        (Condition("size", "lt", 50), {"size": "49"}, True),
        (Condition("size", "lte", 50), {"size": "n/a"}, False),
        (Condition("size", "gt", 50), {"size": 50}, False),
        (
            Condition("roles", "in", ("buyer", "prescriber")),
            {"roles": frozenset({"prescriber"})},
            True,
        ),
        (Condition("roles", "equals", "buyer"), {"roles": frozenset({"decider"})}, False),
        (AnyOf((Condition("a", "equals", 1), Condition("b", "equals", 2))), {"b": "2"}, True),
        (NotRule(AllOf((Condition("a", "equals", 1),))), {"a": 1}, False),
    ],
    ids=[
        "accents",
        "not-equals",
        "not-equals-missing",
        "contains-text",
        "lt-str-number",
        "non-numeric",
        "gt-equal",
        "roles-in",
        "roles-equals-miss",
        "any",
        "not-all",
    ],
)
def test_rule_matches(rule: object, fields: dict[str, object], expected: bool) -> None:
    assert rule_matches(rule, fields) is expected  # type: ignore[arg-type]


def test_order_benefits_tie_break_without_declaration() -> None:
    got = order_benefits({"b": 5, "a": 5, "c": 7}, {})
    assert [b.key for b in got] == ["c", "b", "a"]
    assert got[0].label == "C"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("segments:\n  - id: Bad Id\n    name: x\n", 2, "not a safe slug"),
        ("segments:\n  - id: a\n    name: x\n    prioriti: 3\n", 4, "did you mean 'priority'?"),
        ("segments:\n  - id: a\n    name: x\n  - id: a\n    name: y\n", 4, "used twice"),
        (
            "segments:\n  - id: a\n    name: x\n    rule: {field: sector, within: [a]}\n",
            4,
            "unknown key 'within'",
        ),
        (
            "segments:\n  - id: a\n    name: x\n    rule: {field: size, gt: big}\n",
            4,
            "needs a number",
        ),
        ("segments:\n  - id: a\n    name: x\n    benefits: {price: high}\n", 4, "whole number"),
        (
            "benefits: {price: Prix}\nsegments:\n  - id: a\n    name: x\n    benefits: {cost: 3}\n",
            5,
            "not declared",
        ),
        ("segments:\n  - id: a\n    name: [x\n", 4, "YAML syntax error"),
        ("segments:\n  - id: a\n    name: !!python/name:os.system x\n", 3, "unknown YAML tag"),
        (
            "segments:\n  - id: a\n    name: x\n    rule: " + "{not: " * 600 + "}" * 600 + "\n",
            4,
            "nested deeper than 100 levels",
        ),
        (
            "segments:\n  - id: a\n    name: x\n    rule: &r {not: *r}\n",
            4,
            "alias *r inside its own anchor &r (a loop)",
        ),
    ],
    ids=[
        "slug",
        "unknown-key",
        "duplicate",
        "unknown-op",
        "gt-text",
        "weight-type",
        "undeclared",
        "syntax",
        "python-tag",
        "nested-600",
        "rule-loop",
    ],
)
def test_load_errors_carry_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_segments(path)
    assert info.value.line == line, str(info.value)
    assert needle in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_segments(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("1200", True),
        ("1 200", True),
        ("1\u00a0200", True),  # no-break space, as Excel writes French thousands
        ("1\u202f200", True),  # narrow no-break space (CLDR fr)
        ("1200,5", True),
        ("999", False),
        ("999,99", False),
        ("Infinity", False),
        ("NaN", False),
        ("1e400", False),
        ("1_234", False),
        ("9" * 400, False),  # digits, but past any float: not a size
        ("12 34", False),  # not thousands grouping
    ],
    ids=lambda v: repr(v)[:16],
)
def test_numeric_rules_read_only_numeric_looking_text(text: str, matches: bool) -> None:
    # Regression: float() took `Infinity`, `NaN`, `1e400` and `1_234` as numbers.
    rule = Condition("company.size", "gte", 1000)
    assert rule_matches(rule, {"company.size": text}) is matches
    assert rule_matches(Condition("company.size", "lt", 1000), {"company.size": text}) is (
        text in ("999", "999,99")
    )


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("1\u00a0200", "fr_FR", 1200.0),  # no-break space: French Excel
        ("1\u202f200", "fr_FR", 1200.0),  # narrow no-break space: CLDR fr
        ("1 200", "fr_FR", 1200.0),
        ("1.200", "fr_FR", 1200.0),  # point as thousands where the decimal sign is a comma
        ("1.200", "de_DE", 1200.0),
        ("1.200", "nl_NL", 1200.0),
        ("1.200", "en_GB", 1.2),  # in English the point is the decimal sign
        ("1,200", "en_GB", 1200.0),
        ("1,5", "fr_FR", 1.5),
        ("1,5", "nl_BE", 1.5),
        ("1 200,50 €", "fr_FR", 1200.5),
        ("1.200,50 €", "de_DE", 1200.5),
        ("€1,200.50", "en_IE", 1200.5),
        ("EUR 1 200", "fr_FR", 1200.0),
        ("-12", "fr_FR", -12.0),
    ],
    ids=lambda v: repr(v)[:16],
)
def test_parse_number_in_the_lists_locale(text: str, locale: str, expected: float) -> None:
    assert parse_number(text, locale) == expected


@pytest.mark.parametrize(
    "text", ["12 env.", "1.200.5", "1,200.50", "mille", "12 34", "1e3", "NaN", "1_234"]
)
def test_parse_number_refuses_what_is_not_a_number_in_fr(text: str) -> None:
    assert parse_number(text, "fr_FR") is None


def test_size_written_by_french_excel_is_in_the_segment() -> None:
    # Regression (issue 14): a 1,200-person mine written `1.200` fell out of `size >= 50`.
    rule = Condition("size", "gte", 50)
    assert rule_matches(rule, {"size": "1.200"}, locale="fr_FR") is True
    assert rule_matches(rule, {"size": "1 200,50 €"}, locale="fr_FR") is True


def test_unreadable_number_is_noted_not_silently_false() -> None:
    notes: list[str] = []
    rule = AnyOf((Condition("size", "gte", 50), Condition("size", "lt", 50)))
    assert rule_matches(rule, {"size": "beaucoup"}, locale="fr_FR", notes=notes) is False
    assert notes == [
        "size 'beaucoup' is not a number in locale fr_FR, so 'size' rules did not match"
    ]
