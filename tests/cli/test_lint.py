"""`b2bmail lint` and `b2bmail rules` through Click: exit codes, formats, options, config."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from b2bmail.cli import main

CLEAN = (
    '<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Spring</title></head><body>'
    '<div style="display:none">Spring prices on 40 machines, valid until the end of May.</div>'
    '<p>Spring news.</p><a href="https://example.com/demo">Book a demo</a>'
    "<p>Acme Machines, 12 rue de la Gare, 69002 Lyon, France</p>"
    '<a href="https://example.com/unsubscribe">Unsubscribe</a></body></html>'
)
BAD = CLEAN.replace(
    "<p>Spring news.</p>", '<p>Spring news.</p><img src="https://e.com/a.png" width="1" height="1">'
)
WARNING_ONLY = CLEAN.replace("<p>Spring news.</p>", "<table><tr><td>Spring news.</td></tr></table>")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml above: default configuration
    (tmp_path / "clean.html").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "bad.html").write_text(BAD, encoding="utf-8")
    (tmp_path / "warn.html").write_text(WARNING_ONLY, encoding="utf-8")
    return tmp_path


def test_clean_file_exits_0(files: Path) -> None:
    code, out, _err = run("lint", "clean.html")
    assert code == 0, out
    assert out == "no problems in 1 file\n"


def test_error_exits_1_with_text_lines(files: Path) -> None:
    code, out, _err = run("lint", "bad.html")
    assert code == 1
    assert out.splitlines()[0].startswith("bad.html:1:")
    assert " B2B401 [error] image https://e.com/a.png has no alt text" in out


def test_warnings_exit_0_unless_strict(files: Path) -> None:
    assert run("lint", "warn.html")[0] == 0
    assert run("lint", "warn.html", "--strict")[0] == 1


def test_select_and_ignore(files: Path) -> None:
    assert run("lint", "bad.html", "--ignore", "B2B401")[0] == 0
    code, out, _ = run(
        "lint", "bad.html", "warn.html", "--select", "B2B5,img-missing-alt", "--format", "json"
    )
    assert code == 1
    assert {p["code"] for p in json.loads(out)["problems"]} == {"B2B401", "B2B506"}


def test_folder_is_linted_recursively(files: Path) -> None:
    sub = files / "sub"
    sub.mkdir()
    (sub / "deep.htm").write_text(BAD, encoding="utf-8")
    (sub / "notes.txt").write_text("not an email", encoding="utf-8")
    code, out, _ = run("lint", ".", "--format", "json")
    assert code == 1
    assert {Path(p["path"]).name for p in json.loads(out)["problems"]} == {
        "bad.html",
        "deep.htm",
        "warn.html",
    }


def test_json_output_shape(files: Path) -> None:
    _code, out, _ = run("lint", "bad.html", "--format", "json")
    problem = next(p for p in json.loads(out)["problems"] if p["code"] == "B2B401")
    assert {"path", "code", "name", "severity", "message", "line", "column", "snippet"} <= set(
        problem
    )
    assert (problem["path"], problem["name"], problem["severity"]) == (
        "bad.html",
        "img-missing-alt",
        "error",
    )


def test_github_format(files: Path) -> None:
    _code, out, _ = run("lint", "bad.html", "--format", "github")
    assert any(
        line.startswith("::error file=bad.html,line=1,col=")
        and "title=B2B401 img-missing-alt::" in line
        for line in out.splitlines()
    )


def test_sarif_format(files: Path) -> None:
    _code, out, _ = run("lint", "bad.html", "--format", "sarif")
    log = json.loads(out)
    run0 = log["runs"][0]
    assert log["version"] == "2.1.0" and run0["tool"]["driver"]["rules"]
    result = next(r for r in run0["results"] if r["ruleId"] == "B2B401")
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad.html"


def test_junit_format_and_out_file(files: Path) -> None:
    code, out, err = run(
        "lint", "bad.html", "clean.html", "--format", "junit", "--out", "report.xml"
    )
    assert code == 1 and out == ""
    assert "in 2 files" in err
    root = ET.parse(files / "report.xml").getroot()
    assert int(root.get("failures") or 0) >= 1
    assert {s.get("name") for s in root.iter("testsuite")} == {"bad.html", "clean.html"}


def test_config_from_pyproject(files: Path) -> None:
    (files / "pyproject.toml").write_text(
        '[tool.b2bmail.lint]\nignore = ["img-missing-alt"]\n[tool.b2bmail.lint.severity]\nB2B506 = "error"\n',
        encoding="utf-8",
    )
    assert run("lint", "bad.html")[0] == 0
    assert run("lint", "warn.html")[0] == 1


def test_config_option(files: Path) -> None:
    (files / "lint.toml").write_text('[tool.b2bmail.lint]\nselect = ["B2B7"]\n', encoding="utf-8")
    assert run("lint", "bad.html", "--config", "lint.toml")[0] == 0


def test_inline_disable_comment(files: Path) -> None:
    (files / "ok.html").write_text(
        BAD.replace("<img ", "<!-- b2bmail-disable-next-line B2B401 -->\n<img "), encoding="utf-8"
    )
    assert run("lint", "ok.html")[0] == 0


def test_eml_is_linted_with_headers(files: Path) -> None:
    (files / "m.eml").write_text(
        "From: Acme <news@acme.com>\nSubject: Spring\nMIME-Version: 1.0\n"
        f"Content-Type: text/html; charset=utf-8\n\n{CLEAN}",
        encoding="utf-8",
    )
    code, out, _ = run("lint", "m.eml", "--format", "json")
    assert code == 1
    assert "B2B702" in {p["code"] for p in json.loads(out)["problems"]}


def test_missing_path_exits_2_with_one_line(files: Path) -> None:
    code, out, err = run("lint", "nope.html")
    assert code == 2 and out == ""
    assert err == "b2bmail: nope.html: no such file or folder — check the path\n"


def test_bad_config_exits_2(files: Path) -> None:
    (files / "pyproject.toml").write_text(
        '[tool.b2bmail.lint]\nselect = ["B2B999"]\n', encoding="utf-8"
    )
    code, _out, err = run("lint", "clean.html")
    assert code == 2
    assert "unknown rule 'B2B999'" in err and len(err.splitlines()) == 1


def test_unsupported_file_type_exits_2(files: Path) -> None:
    (files / "notes.txt").write_text("x", encoding="utf-8")
    code, _out, err = run("lint", "notes.txt")
    assert code == 2 and "cannot lint a .txt file" in err


def test_broken_mjml_exits_2(files: Path) -> None:
    (files / "broken.mjml").write_text("<mjml><mj-body><mj-section>", encoding="utf-8")
    code, _out, err = run("lint", "broken.mjml")
    assert code == 2 and err.startswith("b2bmail: broken.mjml")


def test_mjml_with_crlf_line_ends_is_linted(files: Path) -> None:
    # Windows line ends, as an editor on Windows saves them; `build` reads the same file.
    mjml = (
        '<mjml>\n<mj-head>\n<mj-attributes>\n<mj-all font-family="Arial" />\n</mj-attributes>\n'
        "</mj-head>\n<mj-body>\n<mj-section><mj-column><mj-text>Hi</mj-text></mj-column>"
        "</mj-section>\n</mj-body>\n</mjml>\n"
    )
    (files / "crlf.mjml").write_bytes(mjml.replace("\n", "\r\n").encode())
    code, out, err = run("lint", "crlf.mjml")
    assert code in (0, 1) and err == ""
    assert "B2B703" in out  # compiled and linted: the tiny email has no address


def test_rules_lists_and_explains() -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert "B2B401  img-missing-alt" in out
    code, out, _ = run("rules", "img-missing-alt")
    assert code == 0
    for heading in ("What it does:", "Why it matters:", "Example:", "Use instead:"):
        assert heading in out
    code, out, _ = run("rules", "B2B106", "--format", "json")
    assert json.loads(out)["rules"][0]["thresholds"] == {"max-words": 300, "words-per-minute": 238}
    code, _out, err = run("rules", "B2B999")
    assert code == 2 and "unknown rule" in err


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["heavy-equipment", "warmtepompen-nl"])
def test_example_campaign_is_built_and_lints_clean(name: str) -> None:
    campaign = REPO / "examples" / name / "campaign.yaml"
    if not campaign.is_file():
        pytest.skip(f"example campaign {campaign} not there yet")
    code, out, err = run("lint", str(campaign), "--format", "json")
    assert code == 0, out + err
    problems = json.loads(out)["problems"]
    assert all(p["severity"] != "error" for p in problems)
    # Each problem is placed at a real source file (a template, the campaign's YAML), found
    # in the segments it names (lint/source_map.py).
    assert all(Path(p["path"]).is_file() and p["segment"] for p in problems)


def test_campaign_lint_section_then_command_line(tmp_path: Path) -> None:
    campaign = REPO / "examples" / "heavy-equipment" / "campaign.yaml"
    if not campaign.is_file():
        pytest.skip("example campaign not there yet")
    # --select narrows whatever the campaign's lint section says; the command line applies last.
    code, out, _err = run("lint", str(campaign), "--format", "json", "--select", "B2B310")
    assert code == 0
    assert {p["code"] for p in json.loads(out)["problems"]} <= {"B2B310"}


def test_command_line_applies_to_a_campaign_without_lint_section() -> None:
    # The example has no `lint:` section and its one finding is B2B310 (info): --ignore must
    # still apply (it was dropped when the campaign had no section of its own).
    campaign = REPO / "examples" / "heavy-equipment" / "campaign.yaml"
    code, out, _err = run("lint", str(campaign), "--format", "json")
    assert code == 0 and {p["code"] for p in json.loads(out)["problems"]} == {"B2B310"}
    code, out, _err = run("lint", str(campaign), "--format", "json", "--ignore", "B2B310")
    assert (code, json.loads(out)) == (0, {"schema": "b2bmail.lint/1", "problems": []})


def test_empty_folder_exits_2_instead_of_passing(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "no .html, .htm, .eml or .mjml file in this folder" in result.stderr
    assert "b2bmail build" in result.stderr


def test_binary_config_exits_2_with_one_line(files: Path, tmp_path: Path) -> None:
    config = tmp_path / "binary.csv"
    config.write_bytes(b"\xff\xfe\x00\x01binary")
    result = CliRunner().invoke(main, ["lint", str(files / "clean.html"), "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "not UTF-8 text" in result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif", "junit"])
def test_no_format_lets_the_email_write_a_workflow_command(files: Path, output_format: str) -> None:
    # A stylesheet URL holding newlines (`&#10;`) and U+0001, quoted in the B2B312 message.
    href = "https://a.example/x.css&#10;::warning file=a.html::pwned&#10;::stop-commands::tok&#1;"
    (files / "inject.html").write_text(
        CLEAN.replace("<title>", f'<link rel="stylesheet" href="{href}"><title>'),
        encoding="utf-8",
    )
    code, out, _err = run("lint", "inject.html", "--format", output_format)
    assert code == 1
    assert "\x01" not in out
    assert [line for line in out.splitlines() if line.startswith(("::warning", "::stop"))] == []
    if output_format == "json":
        out = " ".join(p["message"] for p in json.loads(out)["problems"])
    elif output_format == "sarif":
        out = " ".join(r["message"]["text"] for r in json.loads(out)["runs"][0]["results"])
    elif output_format == "junit":
        ET.fromstring(out)  # well-formed XML
    assert "::warning file=a.html::pwned\\n::stop-commands::tok\\x01" in out
