"""Campaign lint problems point at the source that produced them (lint/source_map.py): a
partial's line, the campaign's YAML key, the segments file; in every output format, for
`b2bmail lint campaign.yaml` and for `b2bmail build`."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from tests.cli.test_build import _edit as edit
from tests.cli.test_build import _line as line_of
from tests.cli.test_build import _run as run

from b2bmail.lint.problem import Problem
from b2bmail.lint.source_map import SourceIndex
from b2bmail.starter import scaffold_campaign

HERO = "templates/partials/hero.mjml"
# An image without alt text written in the hero partial (B2B401 img-missing-alt).
NO_ALT = '          <p><img src="https://www.example.com/badge.png" width="80" height="20"></p>'


@pytest.fixture
def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The starter campaign, worked on from its own folder (paths shown relative to it), with
    an image without alt added to the hero partial, after the hero text."""
    scaffold_campaign(tmp_path / "c")
    monkeypatch.chdir(tmp_path / "c")
    hero_text = "          <p>{{ content.hero.text }}</p>\n"
    edit(tmp_path / "c" / HERO, hero_text, f"{hero_text}{NO_ALT}\n")
    return Path("campaign.yaml")


@pytest.fixture
def hero_line(campaign: Path) -> int:
    return line_of(Path(HERO), NO_ALT)


def test_text_names_the_partial_line_and_the_segments(campaign: Path, hero_line: int) -> None:
    code, out, err = run("lint", str(campaign), "--select", "B2B401")
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == (
        f"{HERO}:{hero_line}: [decision-makers,practitioners,everyone-else] B2B401 [error] "
        "image https://www.example.com/badge.png has no alt text — describe it, "
        'or alt="" if decorative'
    )


def test_github_annotation_attaches_to_the_partial(campaign: Path, hero_line: int) -> None:
    _code, out, _err = run("lint", str(campaign), "--select", "B2B401", "--format", "github")
    assert out.startswith(
        f"::error file={HERO},line={hero_line},title=B2B401 img-missing-alt::"
        "[decision-makers,practitioners,everyone-else] image"
    )


def test_sarif_physical_location_is_the_partial(campaign: Path, hero_line: int) -> None:
    _code, out, _err = run("lint", str(campaign), "--select", "B2B401", "--format", "sarif")
    (result,) = json.loads(out)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == HERO
    assert location["region"]["startLine"] == hero_line


def test_junit_case_names_the_partial(campaign: Path, hero_line: int) -> None:
    _code, out, _err = run("lint", str(campaign), "--select", "B2B401", "--format", "junit")
    cases = ET.fromstring(out).findall(".//testcase[@file]")
    assert [(c.get("file"), c.get("line")) for c in cases] == [(HERO, str(hero_line))]


def test_json_keeps_the_segment(campaign: Path, hero_line: int) -> None:
    _code, out, _err = run("lint", str(campaign), "--select", "B2B401", "--format", "json")
    (problem,) = json.loads(out)["problems"]
    assert (problem["path"], problem["line"], problem["column"]) == (HERO, hero_line, None)
    assert problem["segment"] == "decision-makers,practitioners,everyone-else"


def test_build_prints_the_same_source(campaign: Path, hero_line: int, tmp_path: Path) -> None:
    code, out, _err = run("build", str(campaign), "--out", str(tmp_path / "o"))
    assert code == 1
    assert (
        f"{HERO}:{hero_line}: [decision-makers,practitioners,everyone-else] error: "
        "B2B401 img-missing-alt: image https://www.example.com/badge.png has no alt text"
    ) in out
    # The summary table still counts each segment's problems.
    assert "1 err" in out.splitlines()[1]


def test_subject_problem_points_at_the_subject_key(campaign: Path) -> None:
    edit(campaign, 'subject: "{{ content.edition }}', 'subject: "URGENT!!! {{ content.edition }}')
    _code, out, _err = run("lint", str(campaign), "--select", "B2B103", "--format", "json")
    problems = json.loads(out)["problems"]
    assert problems and {(p["path"], p["line"]) for p in problems} == {
        ("campaign.yaml", line_of(campaign, "subject:"))
    }


def test_content_value_named_by_the_problem_points_at_its_yaml_line(campaign: Path) -> None:
    edit(
        campaign, 'url: "https://www.example.com/quality"', 'url: "http://www.example.com/quality"'
    )
    _code, out, _err = run("lint", str(campaign), "--select", "B2B603", "--format", "json")
    problems = json.loads(out)["problems"]
    line = line_of(campaign, 'url: "http://www.example.com/quality"')
    assert problems and {(p["path"], p["line"]) for p in problems} == {("campaign.yaml", line)}


def test_segment_variable_points_at_the_segments_file(campaign: Path) -> None:
    segments = Path("segments/segments.yaml")
    edit(
        segments,
        "variables: {stage: decision}",
        "variables: {stage: decision, intro: 'Dear *|FNAME|*, our prices hold'}",
    )
    _code, out, _err = run("lint", str(campaign), "--select", "B2B606", "--format", "json")
    problems = json.loads(out)["problems"]
    line = line_of(segments, "intro: 'Dear *|FNAME|*")
    # Found in the HTML and in the text part: both at the value's line, in its segment.
    assert problems and {(p["path"], p["line"], p["segment"]) for p in problems} == {
        (str(segments), line, "decision-makers")
    }


def test_unplaced_problem_falls_back_to_the_template_line(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text("name: x\ntemplate: t.mjml\n", encoding="utf-8")
    index = SourceIndex(
        campaign=campaign, campaign_lines={"template": 2}, templates=(), data=(campaign,)
    )
    problem = Problem("c.yaml#s", "B2B106", "too-long-to-read", "warning", "400 words", 7)
    placed = index.place(problem, "<p>a</p>\n", "a\n", "s")
    assert (placed.path, placed.line, placed.column, placed.segment) == (
        str(campaign),
        2,
        None,
        "s",
    )


def _found(out: str) -> set[tuple[str, str, str]]:
    return {(p["code"], p["severity"], p["message"]) for p in json.loads(out)["problems"]}


# (options, exit code): the campaign shows B2B401 (error, the hero image) and B2B310 (info).
OPTIONS = {
    "select": (["--select", "B2B4,B2B1"], 1),
    "ignore": (["--ignore", "img-missing-alt"], 0),
    "strict-info": (["--strict", "--select", "B2B310"], 1),
    "strict-clean": (["--strict", "--ignore", "B2B310,B2B401"], 0),
    "config-severity": (["--config", "lint.toml", "--ignore", "B2B401"], 1),
    "config-ignore": (["--config", "lint.toml", "--select", "B2B402,B2B401"], 1),
}


@pytest.mark.parametrize(("options", "expected"), OPTIONS.values(), ids=OPTIONS)
def test_options_apply_to_campaign_lint_as_to_its_messages(
    campaign: Path, tmp_path: Path, options: list[str], expected: int
) -> None:
    # The same settings on `lint campaign.yaml` and on the .eml files `build` writes give the
    # same problems and the same exit code: the campaign is no special case.
    Path("lint.toml").write_text(
        '[tool.b2bmail.lint]\nignore = ["B2B402"]\n[tool.b2bmail.lint.severity]\nB2B310 = "error"\n',
        encoding="utf-8",
    )
    code, _out, err = run("build", str(campaign), "--out", str(tmp_path / "o"), "--no-lint")
    assert (code, err) == (0, "")
    emls = sorted(str(p) for p in (tmp_path / "o").glob("*/email.eml"))
    file_code, file_out, _ = run("lint", *emls, "--format", "json", *options)
    code, out, _ = run("lint", str(campaign), "--format", "json", *options)
    assert code == file_code == expected
    assert _found(out) == _found(file_out)
