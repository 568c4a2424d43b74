from pathlib import Path

import pytest

from b2bmail.errors import TemplateError
from b2bmail.render.mjml import compile_mjml

GOOD = "<mjml><mj-body><mj-section><mj-column><mj-text>Hi <b>there</b></mj-text></mj-column></mj-section></mj-body></mjml>"


def test_compiles_without_remote_fonts(tmp_path: Path) -> None:
    html = compile_mjml(GOOD, template=tmp_path / "t.mjml")
    assert "Hi <b>there</b>" in html
    assert "fonts.googleapis" not in html and "<link" not in html
    assert 'role="presentation"' in html


def test_unknown_tag_points_at_the_template_source(tmp_path: Path) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "t.mjml").write_text("x\n", encoding="utf-8")
    (tmp_path / "partials" / "p.mjml").write_text(
        "<mj-column>\n\n  <mj-txt>Hi</mj-txt>\n", encoding="utf-8"
    )
    source = GOOD.replace("<mj-text>Hi <b>there</b></mj-text>", "<mj-txt>Hi</mj-txt>")
    with pytest.raises(TemplateError) as info:
        compile_mjml(source, template=tmp_path / "t.mjml")
    assert str(info.value).startswith(
        f"{tmp_path / 'partials' / 'p.mjml'}:3: unknown MJML tag <mj-txt>"
    )


@pytest.mark.parametrize(
    ("source", "line", "needle"),
    [
        (
            "<mjml><mj-body>\n<mj-text>x</mj-text>\n</mj-body></mjml>",
            2,
            "<mj-text> cannot be inside <mj-body>",
        ),
        (
            "<mjml><mj-body><mj-section>\n<mj-column></mj-section></mj-body></mjml>",
            2,
            "does not match",
        ),
        (
            "<mjml><mj-head><mj-font name='x' href='https://fonts.example/x.css' /></mj-head><mj-body></mj-body></mjml>",
            1,
            "remote font",
        ),
        (
            "<mjml><mj-body><mj-section><mj-column><mj-text>\n<script>x</script></mj-text></mj-column></mj-section></mj-body></mjml>",
            2,
            "<script",
        ),
        ("<mjml><mj-body><mj-section>", 1, "never closed"),
        ("<mjml></mjml>", 1, "no <mj-body>"),
    ],
    ids=["bad-parent", "bad-close", "mj-font", "script", "unclosed", "no-body"],
)
def test_structure_errors(tmp_path: Path, source: str, line: int, needle: str) -> None:
    with pytest.raises(TemplateError) as info:
        compile_mjml(source, template=tmp_path / "t.mjml")
    assert needle in str(info.value)
    assert info.value.line == line
    assert info.value.path == f"{tmp_path / 't.mjml'} (rendered by Jinja)"


def test_mrml_error_is_a_template_error(tmp_path: Path) -> None:
    broken = GOOD.replace("Hi <b>there</b>", "Hi <b>there")  # passes our tag check, not MRML
    with pytest.raises(TemplateError) as info:
        compile_mjml(broken, template=tmp_path / "t.mjml")
    assert str(info.value).startswith(f"{tmp_path / 't.mjml'} (rendered by Jinja): MJML error: ")
