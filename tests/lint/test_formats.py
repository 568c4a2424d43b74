"""Formatters: whole outputs for small cases, and parsable JSON, SARIF and JUnit XML."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from b2bmail.i18n import using
from b2bmail.lint.formats import (
    escape_control,
    format_github,
    format_json,
    format_junit,
    format_sarif,
    format_text,
)
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
    data = json.loads(format_json(PROBLEMS, []))["problems"]
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
        "segment": "",
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


# A campaign's problem placed at its source (lint/source_map.py): a partial's line, found in
# the sample of segment "mining".
PLACED = Problem(
    "templates/partials/hero.mjml",
    "B2B401",
    "img-missing-alt",
    "error",
    "image has no alt",
    12,
    snippet="<img src=x>",
    segment="mining",
)


def test_sarif_campaign_segment_is_in_the_message_not_the_uri() -> None:
    result = json.loads(format_sarif([PLACED], [], all_rules()))["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "templates/partials/hero.mjml"
    assert location["region"]["startLine"] == 12
    assert result["message"]["text"] == "[mining] image has no alt"


def test_text_names_the_source_then_the_segment_without_a_part_note() -> None:
    assert format_text([PLACED], ["c/campaign.yaml#mining"]).splitlines()[0] == (
        "templates/partials/hero.mjml:12: [mining] B2B401 [error] image has no alt"
    )


def test_github_annotation_names_the_source_file() -> None:
    assert format_github([PLACED], []) == (
        "::error file=templates/partials/hero.mjml,line=12,title=B2B401 img-missing-alt"
        "::[mining] image has no alt\n"
    )


def test_junit_case_carries_file_and_line() -> None:
    root = ET.fromstring(format_junit([PLACED], ["c/campaign.yaml#mining"]))
    case = root.find("testsuite[@name='templates/partials/hero.mjml']/testcase")
    assert case is not None
    assert (case.get("file"), case.get("line")) == ("templates/partials/hero.mjml", "12")
    failure = case.find("failure")
    assert failure is not None and failure.text is not None
    assert failure.text.startswith("templates/partials/hero.mjml:12: [mining] B2B401")


# Text read from an email that tries to become a GitHub Actions workflow command, break the
# XML, and reorder a terminal line; and what each field must read once escaped.
HOSTILE = Problem(
    "in\njected.html",
    "B2B312",
    "external-stylesheet",
    "error",
    "stylesheet x.css\n::warning file=a.html::pwned\r\n::stop-commands::tok\x01\u202e end",
    1,
    13,
    '<link href="x.css\x01\u2028">',
)
ESCAPED_PATH = "in\\njected.html"
ESCAPED_MESSAGE = (
    "stylesheet x.css\\n::warning file=a.html::pwned\\r\\n::stop-commands::tok\\x01\\u202e end"
)
ESCAPED_SNIPPET = '<link href="x.css\\x01\\u2028">'


def _assert_no_control_characters(output: str) -> None:
    """One output line per record: no control character but the newlines ending the lines."""
    unsafe = [c for c in output if (ord(c) < 0x20 and c != "\n") or c in "\x7f\u2028\u202e"]
    assert unsafe == []


def test_escape_control_leaves_printable_text_alone_and_escapes_the_rest() -> None:
    assert escape_control("prix à 100 € — C:\\mails\\a.html") == "prix à 100 € — C:\\mails\\a.html"
    assert escape_control("a\tb\nc\rd\x00e\x1bf\x7fg\x85h\u2029i\u2066") == (
        "a\\tb\\nc\\rd\\x00e\\x1bf\\x7fg\\x85h\\u2029i\\u2066"
    )
    assert escape_control("a\u00a0b") == "a\u00a0b"  # a no-break space is text, not control


def test_text_output_cannot_start_a_workflow_command() -> None:
    output = format_text([HOSTILE], [HOSTILE.path])
    _assert_no_control_characters(output)
    assert output.splitlines() == [
        f"{ESCAPED_PATH}:1:13: B2B312 [error] {ESCAPED_MESSAGE}",
        "1 problem (1 error, 0 warnings, 0 info) in 1 file",
    ]


def test_github_output_is_one_command_per_problem() -> None:
    output = format_github([HOSTILE], [])
    _assert_no_control_characters(output)
    assert output.splitlines() == [
        "::error file=in\\njected.html,line=1,col=13,title=B2B312 external-stylesheet::"
        + ESCAPED_MESSAGE
    ]


def test_json_output_holds_escaped_fields() -> None:
    output = format_json([HOSTILE], [])
    _assert_no_control_characters(output)
    data = json.loads(output)["problems"][0]
    assert (data["path"], data["message"], data["snippet"]) == (
        ESCAPED_PATH,
        ESCAPED_MESSAGE,
        ESCAPED_SNIPPET,
    )


def test_sarif_output_holds_escaped_fields() -> None:
    output = format_sarif([HOSTILE], [], all_rules())
    _assert_no_control_characters(output)
    result = json.loads(output)["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert result["message"]["text"] == ESCAPED_MESSAGE
    assert location["artifactLocation"]["uri"] == "in%0Ajected.html"  # RFC 3986 §2.1
    assert location["region"]["snippet"]["text"] == ESCAPED_SNIPPET


def test_junit_output_stays_well_formed_xml_with_control_characters() -> None:
    output = format_junit([HOSTILE], [HOSTILE.path])
    _assert_no_control_characters(output)
    root = ET.fromstring(output)  # XML 1.0 cannot hold U+0001: unescaped, this raises
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == ESCAPED_PATH
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("message") == ESCAPED_MESSAGE
    assert failure.text == (
        f"{ESCAPED_PATH}:1:13: B2B312 [error] {ESCAPED_MESSAGE}\n{ESCAPED_SNIPPET}"
    )


# Issue 18: the text format's own words (severity, part note, summary) are in the reader's
# language, with the plural rule of that language; codes and places are not translated.
def test_text_in_french_and_dutch() -> None:
    problems = [
        Problem("a.html", "B2B401", "img-missing-alt", "error", "msg", 3, 5),
        Problem("m.eml", "B2B202", "text-part-too-short", "warning", "msg", 1, None, part="text"),
    ]
    with using("fr"):
        french = format_text(problems, ["a.html", "m.eml"])
        french_clean = format_text([], ["a.html"])
    with using("nl"):
        dutch = format_text(problems, ["a.html", "m.eml"])
        dutch_clean = format_text([], ["a.html", "m.eml"])
    assert french == (
        "a.html:3:5: B2B401 [erreur] msg\n"
        "m.eml:1: B2B202 [avertissement] msg (partie texte)\n"
        "2 problèmes (1 erreur, 1 avertissement, 0 info) dans 2 fichiers\n"
    )
    # French counts 0 and 1 in the singular (CLDR plural rules).
    assert french_clean == "aucun problème dans 1 fichier\n"
    assert dutch == (
        "a.html:3:5: B2B401 [fout] msg\n"
        "m.eml:1: B2B202 [waarschuwing] msg (tekstdeel)\n"
        "2 problemen (1 fout, 1 waarschuwing, 0 info) in 2 bestanden\n"
    )
    assert dutch_clean == "geen problemen in 2 bestanden\n"


def test_sarif_structure_stays_english_when_its_text_is_french() -> None:
    with using("fr"):
        log = json.loads(format_sarif(PROBLEMS[:1], [], all_rules()))
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "B2B401")
    assert rule["name"] == "img-missing-alt"
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"] == {"tags": ["images"]}  # the family is machine text
    assert rule["shortDescription"]["text"].startswith("Signale une `<img>` sans attribut `alt`")
    assert rule["help"]["text"].startswith("Ce que fait la règle :\n    Signale une `<img>`")
