"""Formatters: whole outputs for small cases, and parsable JSON, SARIF and JUnit XML."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from b2bmail.lint.formats import format_github, format_json, format_junit, format_sarif, format_text
from b2bmail.lint.problem import Problem
from b2bmail.lint.registry import all_rules

PROBLEMS = [
    Problem(
        "a.html", "B2B401", "img-missing-alt", "error", "image has no alt", 3, 5, "<img src=x>"
    ),
    Problem("a.html", "B2B502", "missing-dir", "info", "no dir, 100%", 1, None, ""),
    Problem(
        "m.eml",
        "B2B702",
        "list-unsubscribe-header",
        "error",
        "no header",
        2,
        1,
        "From: x",
        "headers",
    ),
]


def test_text() -> None:
    assert format_text(PROBLEMS, ["a.html", "m.eml"]) == (
        "a.html:3:5: B2B401 [error] image has no alt\n"
        "a.html:1: B2B502 [info] no dir, 100%\n"
        "m.eml:2:1: B2B702 [error] no header\n"
        "3 problems (2 errors, 0 warnings, 1 info) in 2 files\n"
    )
    assert format_text([], ["a.html"]) == "no problems in 1 file\n"


def test_json() -> None:
    data = json.loads(format_json(PROBLEMS, []))
    assert data[0] == {
        "path": "a.html",
        "code": "B2B401",
        "name": "img-missing-alt",
        "severity": "error",
        "message": "image has no alt",
        "line": 3,
        "column": 5,
        "snippet": "<img src=x>",
        "part": "html",
    }


def test_github() -> None:
    assert format_github(PROBLEMS, []).splitlines() == [
        "::error file=a.html,line=3,col=5,title=B2B401 img-missing-alt::image has no alt",
        "::notice file=a.html,line=1,title=B2B502 missing-dir::no dir, 100%25",
        "::error file=m.eml,line=2,col=1,title=B2B702 list-unsubscribe-header::no header",
    ]


def test_sarif() -> None:
    log = json.loads(format_sarif(PROBLEMS, [], all_rules()))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(all_rules()) and "B2B401" in ids
    first = run["results"][0]
    assert first["ruleId"] == "B2B401" and first["level"] == "error"
    assert ids[first["ruleIndex"]] == "B2B401"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 5, "snippet": {"text": "<img src=x>"}}
    assert run["results"][1]["level"] == "note"


def test_junit() -> None:
    root = ET.fromstring(format_junit(PROBLEMS, ["a.html", "clean.html", "m.eml"]))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("4", "2")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"a.html", "clean.html", "m.eml"}
    assert suites["clean.html"].find("testcase/failure") is None
    failure = suites["a.html"].find("testcase/failure")
    assert failure is not None and failure.get("type") == "error"


def test_sarif_campaign_segment_is_in_the_message_not_the_uri() -> None:
    problem = Problem("c/campaign.yaml#mining", "B2B401", "img-missing-alt", "error", "no alt", 3)
    result = json.loads(format_sarif([problem], [], all_rules()))["runs"][0]["results"][0]
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "c/campaign.yaml"
    )
    assert result["message"]["text"].startswith("[mining] no alt")
