"""The MJML structure check shared by the build and the linter."""

from __future__ import annotations

from b2bmail.mjml_structure import first_structure_error

BODY = "<mj-section><mj-column><mj-text>Hi <b>there</b><br></mj-text></mj-column></mj-section>"


def test_a_well_formed_document_has_no_error() -> None:
    assert first_structure_error(f"<mjml><mj-body>{BODY}</mj-body></mjml>") is None


def test_include_and_font_are_known_and_placed_anywhere() -> None:
    source = (
        '<mjml><mj-head><mj-font name="Lato" href="https://fonts.example/lato.css" />'
        '</mj-head><mj-body><mj-include path="./header.mjml" />'
        f'{BODY}<mj-include path="./footer.mjml"></mj-include></mj-body></mjml>'
    )
    assert first_structure_error(source) is None


def test_refused_tags_are_reported_in_document_order() -> None:
    source = f'<mjml><mj-body>{BODY}\n<mj-include path="x.mjml" /></mj-body></mjml>'
    error = first_structure_error(source, {"mj-include": "it reads files"})
    assert error is not None
    assert (error.kind, error.line, error.message) == (
        "refused",
        2,
        "<mj-include> is not allowed: it reads files",
    )


def test_html_inside_ending_tags_is_not_checked() -> None:
    source = "<mjml><mj-body><mj-section><mj-column><mj-text><mj-fake>x</mj-text>"
    source += "</mj-column></mj-section></mj-body></mjml>"
    assert first_structure_error(source) is None


def test_a_document_without_a_body() -> None:
    error = first_structure_error("<mjml><mj-head></mj-head></mjml>")
    assert error is not None and error.kind == "no-body" and error.line == 1


def _nested(divs: int, inside: str = "x") -> str:
    """`divs` nested divs in an mj-text: tags nested 5 + `divs` deep (mjml … mj-text, divs)."""
    return (
        "<mjml><mj-body><mj-section><mj-column><mj-text>\n"
        + "<div>" * divs
        + inside
        + "</div>" * divs
        + "</mj-text></mj-column></mj-section></mj-body></mjml>"
    )


def test_nesting_at_the_limit_passes() -> None:
    # Void elements, self-closing tags and comments hold nothing: they do not nest.
    inside = '<br><img src="a.png"><hr/><p/><!-- <div><div> --><span>x</span>'
    assert first_structure_error(_nested(94, inside)) is None  # the span is at depth 100


def test_nesting_one_past_the_limit_is_refused_with_its_line() -> None:
    error = first_structure_error(_nested(96))  # the last div is at depth 101
    assert error is not None
    assert (error.kind, error.tag, error.line) == ("deep", "div", 2)
    assert error.message == (
        "<div> is nested more than 100 levels deep: MJML is never this deep, and MRML crashes on it"
    )


def test_closing_tags_bring_the_depth_back() -> None:
    # 200 divs in a row, each closed: never deeper than 6.
    source = _nested(0, "<div>a</div>" * 200)
    assert first_structure_error(source) is None


def test_fragment_may_hold_any_tag_at_its_top_level() -> None:
    partial = (
        "<mj-section>\n  <mj-column>\n    <mj-text>x</mj-text>\n  </mj-column>\n</mj-section>\n"
    )
    error = first_structure_error(partial)  # as a whole document: out of place, no body
    assert error is not None and (error.kind, error.line) == ("parent", 1)
    assert first_structure_error(partial, fragment=True) is None


def test_fragment_still_checks_nesting_below_its_top_level() -> None:
    misplaced = "<mj-column>\n  <mj-section></mj-section>\n</mj-column>\n"
    error = first_structure_error(misplaced, fragment=True)
    assert error is not None and (error.kind, error.tag, error.line) == ("parent", "mj-section", 2)
    unclosed = "<mj-section>\n  <mj-column>\n"
    error = first_structure_error(unclosed, fragment=True)
    assert error is not None and (error.kind, error.tag, error.line) == ("unclosed", "mj-column", 2)
