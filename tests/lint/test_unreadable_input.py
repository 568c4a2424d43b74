"""A file that cannot be linted, in a folder or a list: a B2B000 problem, and the run goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli import main
from b2bmail.errors import TemplateError
from b2bmail.lint.api import UNREADABLE_INPUT, lint_paths
from b2bmail.lint.registry import all_rules

CLEAN = (
    '<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Spring</title>'
    '</head><body><div style="display:none">Spring prices on 40 machines, valid until the end '
    'of May.</div><p>Spring news.</p><a href="https://example.com/demo">Book a demo</a>'
    "<p>Acme Machines, 12 rue de la Gare, 69002 Lyon, France</p>"
    '<a href="https://example.com/unsubscribe">Unsubscribe</a></body></html>'
)
BROKEN_MJML = "<mjml><mj-body><mj-section>"
# A text/html part in a charset Python does not know: the HTML cannot be decoded.
UNDECODABLE_EML = (
    "From: News <news@example.com>\r\nSubject: Spring\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/html; charset=x-no-such-charset\r\n\r\n<p>Hello</p>\r\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml above: default configuration
    emails = tmp_path / "emails"
    emails.mkdir()
    (emails / "a-clean.html").write_text(CLEAN, encoding="utf-8")
    (emails / "b-broken.mjml").write_text(BROKEN_MJML, encoding="utf-8")
    (emails / "c-undecodable.eml").write_text(UNDECODABLE_EML, encoding="utf-8")
    (emails / "d-clean.html").write_text(CLEAN, encoding="utf-8")
    return emails


def test_folder_with_broken_files_reports_them_and_lints_the_rest(folder: Path) -> None:
    code, out, err = run("lint", "emails", "--format", "json")
    assert code == 1, err
    problems = json.loads(out)["problems"]
    unreadable = [(p["path"], p["code"], p["name"], p["severity"]) for p in problems]
    assert unreadable == [
        (str(Path("emails/b-broken.mjml")), "B2B000", "unreadable-input", "error"),
        (str(Path("emails/c-undecodable.eml")), "B2B000", "unreadable-input", "error"),
    ]
    mjml, eml = problems
    # Checked before MRML, which would say "unexpected end of stream" with no line.
    assert mjml["message"] == "<mj-section> is never closed — add </mj-section>"
    assert mjml["line"] == 1
    assert eml["message"].startswith("cannot decode the HTML part: ")
    assert eml["message"].endswith(
        "— declare a charset Python knows (utf-8, iso-8859-1, windows-1252) in its Content-Type"
    )
    assert eml["line"] == 1


def test_text_output_names_the_file_and_counts_every_file(folder: Path) -> None:
    code, out, _err = run("lint", "emails")
    assert code == 1
    lines = out.splitlines()
    # The line counts in the MJML file itself: no "(compiled HTML)" note.
    assert lines[0] == (
        f"{Path('emails/b-broken.mjml')}:1: B2B000 [error] <mj-section> is never closed — add "
        "</mj-section>"
    )
    assert lines[-1] == "2 problems (2 errors, 0 warnings, 0 info) in 4 files"


def test_several_paths_go_on_past_a_broken_file(folder: Path) -> None:
    code, out, _err = run("lint", "emails/b-broken.mjml", "emails/a-clean.html", "--format", "json")
    assert code == 1
    assert [p["code"] for p in json.loads(out)["problems"]] == ["B2B000"]


def test_select_and_ignore_do_not_hide_an_unreadable_file(folder: Path) -> None:
    code, out, _err = run("lint", "emails", "--ignore", "B2B0", "--select", "B2B4")
    assert code == 1
    assert out.count("B2B000") == 2


def test_single_broken_file_still_cannot_run(folder: Path) -> None:
    code, out, err = run("lint", "emails/b-broken.mjml")
    assert code == 2 and out == ""
    assert err.startswith(f"b2bmail: {Path('emails/b-broken.mjml')}:1: <mj-section> is never")
    assert len(err.strip().splitlines()) == 1


def test_missing_path_still_exits_2_even_among_several(folder: Path) -> None:
    code, out, err = run("lint", "emails", "nope.html")
    assert code == 2 and out == ""
    assert err == "b2bmail: nope.html: no such file or folder — check the path\n"


def test_unsupported_suffix_among_several_paths_is_a_usage_error(folder: Path) -> None:
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    code, _out, err = run("lint", "emails/a-clean.html", "emails/notes.txt")
    assert code == 2
    assert err.startswith(f"b2bmail: {Path('emails/notes.txt')}: cannot lint a .txt file")


def test_library_raises_for_one_named_file_and_reports_in_a_folder(folder: Path) -> None:
    with pytest.raises(TemplateError):
        lint_paths([folder / "b-broken.mjml"])
    report = lint_paths([folder])
    assert len(report.files) == 4
    assert [p.code for p in report.problems] == ["B2B000", "B2B000"]


def test_the_code_is_reserved_outside_the_registry() -> None:
    code, name = UNREADABLE_INPUT
    assert all(rule.code != code and rule.name != name for rule in all_rules())


@pytest.mark.parametrize(
    ("mjml", "line", "message"),
    [
        (
            "<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-txt>Hi</mj-txt>\n"
            "</mj-column>\n</mj-section>\n</mj-body>\n</mjml>\n",
            5,
            "unknown MJML tag <mj-txt> — see https://documentation.mjml.io/#components for the "
            "MJML 4 components",
        ),
        (
            "<mjml>\n<mj-body>\n<mj-section>\n<mj-column>\n<mj-text>Hi</mj-text>\n"
            "</mj-section>\n</mj-body>\n</mjml>\n",
            6,
            "closing </mj-section> does not match (<mj-column> opened on line 4) — fix the nesting",
        ),
        (
            "<mjml>\n<mj-body>\n<mj-column>\n<mj-text>Hi</mj-text>\n</mj-column>\n"
            "</mj-body>\n</mjml>\n",
            3,
            "<mj-column> cannot be inside <mj-body> — put it in <mj-group> or <mj-section>",
        ),
    ],
)
def test_mjml_mistakes_are_reported_with_their_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mjml: str, line: int, message: str
) -> None:
    # MRML renders an unknown tag through silently and reports broken nesting without a line.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "email.mjml").write_text(mjml, encoding="utf-8")
    code, _out, err = run("lint", "email.mjml")
    assert code == 2
    assert err.strip() == f"b2bmail: email.mjml:{line}: {message}"


def test_mjml_that_mrml_cannot_read_still_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "email.mjml").write_text(
        "<mjml><mj-body><mj-section padding=><mj-column><mj-text>Hi</mj-text></mj-column>"
        "</mj-section></mj-body></mjml>",
        encoding="utf-8",
    )
    code, _out, err = run("lint", "email.mjml")
    assert code == 2
    assert err.startswith("b2bmail: email.mjml: cannot compile MJML: ")
    assert err.strip().endswith("— fix the MJML markup")


def _deep_mime(levels: int) -> bytes:
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(levels)
    )
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(levels)))
    html = "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi</p>\r\n"
    return ("From: a@example.com\r\nSubject: Hi\r\n" + opening + html + closing).encode()


def lint_in_a_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`b2bmail lint` in a process of its own: a crash (MRML's segfault) is an exit code here,
    not the end of the test run."""
    return subprocess.run(
        [sys.executable, "-m", "b2bmail", "lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A folder of files made to crash or blind the linter, and one good file after them."""
    emails = tmp_path / "emails"
    emails.mkdir()
    link = '<a href="javascript:alert(1)">x</a>'
    (emails / "a-deep.html").write_text(
        "<html><body>\n" + "<div>" * 3000 + link + "</div>" * 3000 + "</body></html>",
        encoding="utf-8",
    )
    (emails / "b-deep.eml").write_bytes(_deep_mime(600))
    (emails / "c-deep.mjml").write_text(
        "<mjml><mj-body><mj-section><mj-column><mj-text>\n"
        + "<div>" * 10_000
        + "</div>" * 10_000
        + "</mj-text></mj-column></mj-section></mj-body></mjml>",
        encoding="utf-8",
    )
    (emails / "d-clean.html").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def test_a_folder_of_too_deep_files_reports_each_and_lints_the_rest(hostile: Path) -> None:
    result = lint_in_a_process("emails", "--format", "json", cwd=hostile)
    assert result.returncode == 1, result.stderr  # MRML's crash was 139, with no message
    found = [
        (Path(p["path"]).name, p["code"], p["line"]) for p in json.loads(result.stdout)["problems"]
    ]
    assert found == [
        ("a-deep.html", "B2B000", 2),
        ("b-deep.eml", "B2B000", 1),
        ("c-deep.mjml", "B2B000", 2),
    ]
    messages = [p["message"] for p in json.loads(result.stdout)["problems"]]
    assert messages == [
        "elements nested more than 2048 levels deep: too deeply nested to check — flatten the markup",
        "MIME parts nested more than 100 levels deep: too deeply nested to read — a real message "
        "nests a few levels: check what made this file",
        "<div> is nested more than 100 levels deep: MJML is never this deep, and MRML crashes on it"
        " — flatten the markup",
    ]


@pytest.mark.parametrize("name", ["a-deep.html", "b-deep.eml", "c-deep.mjml"])
def test_one_too_deep_file_exits_2_with_one_line(hostile: Path, name: str) -> None:
    result = lint_in_a_process(f"emails/{name}", cwd=hostile)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"b2bmail: {Path('emails') / name}:")
    assert "too deeply nested" in result.stderr or "MRML crashes" in result.stderr
    assert len(result.stderr.splitlines()) == 1
