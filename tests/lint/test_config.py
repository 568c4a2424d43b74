"""Configuration: pyproject, overrides (campaign lint section), select/ignore, inline disables."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.lint.helpers import codes_of, page

from b2bmail.errors import ConfigError
from b2bmail.i18n import using
from b2bmail.lint.api import lint_document
from b2bmail.lint.config import LintConfig, find_pyproject, load_lint_config
from b2bmail.lint.document import Document

HTML = page(
    '<img src="https://e.com/a.png" width="1" height="1"><table><tr><td>a</td></tr></table>'
)


def lint(html: str, config: LintConfig | None = None) -> set[str]:
    return codes_of(lint_document(Document(path="t.html", html=html), config))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pyproject_select_ignore_severity_thresholds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[tool.b2bmail.lint]\nselect = ["B2B4", "layout-table-without-role"]\nignore = ["B2B402"]\n'
        '[tool.b2bmail.lint.severity]\nB2B506 = "error"\n[tool.b2bmail.lint.thresholds]\nmin-words-per-image = 1\n',
    )
    config = load_lint_config(path)
    problems = lint_document(Document(path="t.html", html=HTML), config)
    codes = codes_of(problems)
    assert codes == {"B2B401", "B2B506"}
    assert {p.severity for p in problems if p.code == "B2B506"} == {"error"}


def test_overrides_apply_on_top(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.b2bmail.lint]\nignore = ["B2B401"]\n')
    config = load_lint_config(path, {"ignore": ["B2B506"], "severity": {"img-missing-alt": "info"}})
    codes = lint(HTML, config)
    assert "B2B401" in codes and "B2B506" not in codes


def test_find_pyproject_walks_up(tmp_path: Path) -> None:
    write(tmp_path, "[tool.b2bmail.lint]\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_pyproject(deep) == tmp_path / "pyproject.toml"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[tool.b2bmail.lint]\nselect = ["B2B999"]\n', "unknown rule 'B2B999'"),
        ("[tool.b2bmail.lint]\ncolour = 1\n", "unknown lint setting 'colour'"),
        ('[tool.b2bmail.lint.severity]\nB2B401 = "fatal"\n', "not one of error, warning, info"),
        ("[tool.b2bmail.lint.thresholds]\nmax-wordz = 3\n", "unknown lint threshold 'max-wordz'"),
        ('[tool.b2bmail.lint.thresholds]\nmax-words = "many"\n', "must be a number"),
        ("[tool.b2bmail.lint\n", "invalid TOML"),
    ],
    ids=[
        "unknown-rule",
        "unknown-key",
        "bad-severity",
        "unknown-threshold",
        "non-number",
        "bad-toml",
    ],
)
def test_bad_config_is_a_config_error_with_path(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_lint_config(path)
    assert fragment in str(caught.value)
    assert str(path) in str(caught.value)


def test_toml_syntax_error_carries_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.b2bmail.lint]\nselect = ["B2B4"\nignore = []\n')
    with pytest.raises(ConfigError) as caught:
        load_lint_config(path)
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert str(caught.value).startswith(f"{path}:3:1: invalid TOML: ")
    assert "(at line" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", "[tool.b2bmail.lint]\nselect = " + "[" * 600 + "]" * 600 + "\n"),
        ("b2bmail.toml", "select = " + "{a = " * 600 + "1" + "}" * 600 + "\n"),
    ],
    ids=["pyproject-arrays", "dedicated-inline-tables"],
)
def test_toml_nested_600_deep_is_a_config_error(tmp_path: Path, name: str, text: str) -> None:
    # Regression: tomllib's RecursionError escaped as a traceback (exit 1).
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_lint_config(path)
    assert str(caught.value) == f"{path}: lint configuration nested too deeply to read — flatten it"


def test_tool_b2bmail_that_is_not_a_table_is_a_config_error(tmp_path: Path) -> None:
    # Regression: AttributeError ('str' object has no attribute 'get').
    path = write(tmp_path, '[tool]\nb2bmail = "lint everything"\n')
    with pytest.raises(ConfigError, match=r"\[tool.b2bmail\] must be a table"):
        load_lint_config(path)


def test_disable_next_line() -> None:
    html = page(
        '\n<!-- b2bmail-disable-next-line B2B401 -->\n<img src="https://e.com/a.png" width="1" height="1">'
        '\n<img src="https://e.com/b.png" width="1" height="1">\n'
    )
    problems = lint_document(Document(path="t", html=html))
    assert [p.line for p in problems if p.code == "B2B401"] == [4]


def test_disable_enable_block_by_name() -> None:
    html = page(
        "\n<!-- b2bmail-disable layout-table-without-role -->\n<table><tr><td>a</td></tr></table>\n"
        "<!-- b2bmail-enable layout-table-without-role -->\n<table><tr><td>b</td></tr></table>\n"
    )
    problems = lint_document(Document(path="t", html=html))
    assert [p.line for p in problems if p.code == "B2B506"] == [5]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "`select` du linter nomme une règle inconnue : 'B2B999'"),
        ("nl", "lint-`select` noemt een onbekende regel: 'B2B999'"),
    ],
)
def test_config_error_in_each_language(tmp_path: Path, language: str, message: str) -> None:
    # Issue 18: lint's own errors are translated; the key and the value quoted are not.
    path = write(tmp_path, '[tool.b2bmail.lint]\nselect = ["B2B999"]\n')
    with using(language), pytest.raises(ConfigError) as caught:
        load_lint_config(path)
    assert caught.value.message == message
