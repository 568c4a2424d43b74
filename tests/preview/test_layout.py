"""Words broken mid-word and pages wider than the phone, measured in real Chromium (issue 16):
the browser rules B2B109 and B2B110 (lint/layout.py), run by the preview (preview/layout.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.preview.example import copy_example

from b2bmail.campaign import lint_layout, render_campaign
from b2bmail.cli import main
from b2bmail.lint.config import LintConfig
from b2bmail.lint.registry import find_rule
from b2bmail.lint.rule import Rule
from b2bmail.preview.chromium import Tab
from b2bmail.preview.layout import measure_email, phone_widths

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*/campaign.yaml"))


def page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>t</title></head>'
        f'<body style="margin:0;font:16px Arial,sans-serif">\n{body}\n</body></html>'
    )


def narrow_table(cell: str, width: int = 40) -> str:
    """A two-column table whose first column is `width` px wide, with MJML's break-word."""
    return (
        '<table style="width:100%;table-layout:fixed;word-break:break-word"><tr>\n'
        f'<td style="width:{width}px">{cell}</td><td>Prix unitaire HT</td></tr></table>'
    )


def measured_problems(
    tab: Tab, tmp_path: Path, html: str, widths: tuple[int, ...] = (320,)
) -> list[tuple[str, str, int]]:
    """(code, message, line) of the browser rules' problems of `html` at `widths`."""
    file = tmp_path / "email.html"
    file.write_text(html, encoding="utf-8")
    measured = measure_email(tab, file, widths)
    return [(p.code, p.message, p.line) for p in lint_layout("seg", html, "", measured)]


def test_a_narrow_column_breaking_quantite_at_320_px_is_reported(tab: Tab, tmp_path: Path) -> None:
    found = measured_problems(tab, tmp_path, page(narrow_table("Quantité")))
    assert found == [
        (
            "B2B109",
            "“Quantité” is broken mid-word at 320 px — widen its column, drop or stack"
            " columns, or shorten the word",
            3,  # the line of the <td> holding the word
        )
    ]


def test_no_break_spaces_and_the_minus_sign_hold_a_word_together(tab: Tab, tmp_path: Path) -> None:
    # UAX #14: U+00A0 (GL) and U+2212 (PR) are no break opportunity, so "−13,6 %" is one
    # word, and Chromium broke it mid-word ("−13,/6 %", the old price table).
    found = measured_problems(tab, tmp_path, page(narrow_table("−13,6\u00a0%")))
    assert [(code, message.split("”")[0]) for code, message, _ in found] == [
        ("B2B109", "“−13,6\u00a0%")
    ]


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param("Quan&shy;tité", id="broken-at-its-soft-hyphen"),
        pytest.param("Prix de la pièce HT", id="wrapped-between-words"),
        pytest.param("TL-480-KIT", id="wrapped-after-hyphens"),
    ],
)
def test_a_line_break_where_the_text_allows_one_is_no_finding(
    tab: Tab, tmp_path: Path, cell: str
) -> None:
    html = page(narrow_table(cell, width=56))
    file = tmp_path / "email.html"
    file.write_text(html, encoding="utf-8")
    measure_email(tab, file, (320,))
    # The cell does wrap (the test would prove nothing otherwise)...
    assert tab.evaluate("document.querySelector('td').getClientRects()[0].height") > 30
    # ...at the places UAX #14 allows, which is not a word broken mid-word.
    assert measured_problems(tab, tmp_path, html) == []


@pytest.mark.parametrize(
    ("table_width", "codes"),
    [
        pytest.param(320, [], id="as-wide-as-the-phone"),
        pytest.param(321, ["B2B110"], id="1px-wider"),
    ],
)
def test_a_page_wider_than_the_phone_is_reported_from_one_pixel_past_it(
    tab: Tab, tmp_path: Path, table_width: int, codes: list[str]
) -> None:
    html = page(f'<table width="{table_width}" cellspacing="0"><tr><td>Tarifs</td></tr></table>')
    found = measured_problems(tab, tmp_path, html)
    assert [code for code, _, _ in found] == codes
    if codes:
        assert found[0][1].startswith("the page is 321 px wide at 320 px")


def test_every_width_showing_a_broken_word_is_named_once(tab: Tab, tmp_path: Path) -> None:
    found = measured_problems(tab, tmp_path, page(narrow_table("Quantité")), (600, 375, 320))
    assert [message.split(" — ")[0] for _, message, _ in found] == [
        "“Quantité” is broken mid-word at 375 px, 320 px"  # 600 px is no phone width
    ]


@pytest.mark.parametrize("campaign", EXAMPLES, ids=[c.parent.name for c in EXAMPLES])
def test_the_example_campaigns_price_tables_break_no_word(
    tab: Tab, tmp_path: Path, campaign: Path
) -> None:
    for seg in render_campaign(campaign).segments:
        file = tmp_path / f"{seg.segment_id}.html"
        file.write_text(seg.html, encoding="utf-8")
        measured = measure_email(tab, file, (375, 320))
        assert tab.evaluate("document.querySelectorAll('td.prices table td').length") > 0
        assert lint_layout(seg.segment_id, seg.html, seg.text, measured) == ()


def test_the_example_price_table_as_it_was_before_its_phone_rules_is_reported(
    tab: Tab, tmp_path: Path
) -> None:
    # The starter's price table without `word-break: normal` and the compact phone padding:
    # MJML's break-word split "Qua/ntité" and "−13,/6 %" (docs/price-table-320-before.png).
    campaign = copy_example(tmp_path)
    base = campaign.parents[2] / "templates" / "layout" / "base.mjml"
    source = base.read_text(encoding="utf-8").replace(" word-break: normal;", "")
    phone_rules = ("td.prices { padding-left", ".prices th, .prices td { padding: 6px 4px")
    kept = [line for line in source.splitlines() if not any(r in line for r in phone_rules)]
    base.write_text("\n".join(kept) + "\n", encoding="utf-8")
    seg = render_campaign(campaign).segments[0]
    file = tmp_path / "email.html"
    file.write_text(seg.html, encoding="utf-8")
    problems = lint_layout(seg.segment_id, seg.html, seg.text, measure_email(tab, file, (320,)))
    words = {p.message.split("”")[0].lstrip("“") for p in problems if p.code == "B2B109"}
    assert {"Quantité", "−15\u00a0%", "1\u202f234,50\u00a0€"} <= words, words


BROWSER_RULES = [r for r in (find_rule("B2B109"), find_rule("B2B110")) if r is not None]


@pytest.mark.parametrize("rule", BROWSER_RULES, ids=[r.code for r in BROWSER_RULES])
def test_documented_example_and_fix_of_a_browser_rule_in_chromium(
    tab: Tab, tmp_path: Path, rule: Rule
) -> None:
    assert rule.browser
    example = measured_problems(tab, tmp_path, page(rule.sections["Example"]))
    fix = measured_problems(tab, tmp_path, page(rule.sections["Use instead"]))
    assert rule.code in {code for code, _, _ in example}
    assert rule.code not in {code for code, _, _ in fix}


def test_lint_settings_ignore_and_reweigh_the_browser_rules() -> None:
    # What the script measured, as fixed values: no browser needed to apply the settings.
    html = page(narrow_table("Quantité"))
    spot = {"tag": "td", "index": 0, "text": "Quantité"}
    measured = [
        {
            "viewport": 320,
            "scrollWidth": 400,
            "wide": spot,
            "broken": [{"word": "Quantité", **spot}],
        }
    ]
    everything = lint_layout("seg", html, "", measured)
    assert [(p.code, p.severity, p.path, p.line) for p in everything] == [
        ("B2B109", "warning", "seg/email.html", 3),
        ("B2B110", "warning", "seg/email.html", 3),
    ]
    ignored = lint_layout(
        "seg", html, "", measured, config=LintConfig(ignore=frozenset({"B2B109"}))
    )
    assert [p.code for p in ignored] == ["B2B110"]
    errors = LintConfig(severities={"word-broken-on-phone": "error"})
    assert lint_layout("seg", html, "", measured, config=errors)[0].severity == "error"


def test_phone_widths_are_those_under_500_px() -> None:
    assert phone_widths((600, 500, 499, 375, 320)) == (499, 375, 320)


def test_rules_explains_that_only_preview_reports_b2b109() -> None:
    result = CliRunner().invoke(main, ["rules", "B2B109"])
    assert result.exit_code == 0
    assert "word-broken-on-phone" in result.stdout
    assert "only `b2bmail preview` reports it" in result.stdout


@pytest.mark.chromium
def test_preview_prints_the_template_line_and_exits_1(tab: Tab, tmp_path: Path) -> None:
    campaign = copy_example(tmp_path)
    partial = campaign.parents[2] / "templates" / "partials" / "price_table.mjml"
    lines = partial.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "<mj-table" in line)
    lines.insert(at, f"        <mj-text>{narrow_table('Conditionnement', width=60)}</mj-text>")
    text = "\n".join(lines) + "\n"
    partial.write_text(text, encoding="utf-8")
    td_line = text[: text.index(">Conditionnement<")].count("\n") + 1  # the <td> holding it
    out = tmp_path / "gallery"
    result = CliRunner().invoke(
        main, ["preview", str(campaign), "--out", str(out), "--widths", "600,320"]
    )
    assert result.exit_code == 1, result.output
    found = [line for line in result.stdout.splitlines() if "B2B109" in line]
    # The table is in every segment: one line, at the template line that writes it.
    assert len(found) == 1, result.stdout
    where = partial.relative_to(Path.cwd()) if partial.is_relative_to(Path.cwd()) else partial
    segments = "mining,aggregates,rental,construction"
    assert found[0].startswith(f"{where}:{td_line}: [{segments}] B2B109 [warning]")
    assert "“Conditionnement” is broken mid-word at 320 px" in found[0]
    gallery = (out / "index.html").read_text(encoding="utf-8")
    assert gallery.count("word-broken-on-phone") == 4  # beside each segment's other findings
    assert f"price_table.mjml:{td_line}" in gallery
