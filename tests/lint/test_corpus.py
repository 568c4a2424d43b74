"""Real-world templates (../shared/research/data/email-corpus): well-made ones get no error,
the legacy Mailchimp blueprint gets the problems it really has."""

from __future__ import annotations

from pathlib import Path

import pytest

from b2bmail.lint.api import lint_file

CORPUS = (Path(__file__).resolve().parents[2] / "../shared/research/data/email-corpus").resolve()
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"email corpus not found at {CORPUS} (clone shared/ beside the repo)",
)

WELL_MADE = [
    "emailmonday__Cerberus/cerberus-hybrid.html",
    "ActiveCampaign__postmark-templates/templates-inlined/basic/welcome/content.html",
    "ActiveCampaign__postmark-templates/templates/basic/receipt/content.html",
]


@pytest.mark.parametrize(
    "name", WELL_MADE, ids=["cerberus-hybrid", "postmark-welcome", "postmark-receipt"]
)
def test_well_made_templates_have_no_error(name: str) -> None:
    errors = [p for p in lint_file(CORPUS / name) if p.severity == "error"]
    assert errors == []


def test_cerberus_hybrid_true_warnings() -> None:
    problems = lint_file(CORPUS / WELL_MADE[0])
    codes = {p.code for p in problems}
    # Its ghost tables, VML background and hidden preheader are understood…
    assert not codes & {"B2B303", "B2B304", "B2B104", "B2B501", "B2B506", "B2B701", "B2B703"}
    # …and what it really lacks is reported: an empty <title>, images without height.
    assert {"B2B503", "B2B402"} <= codes


def test_postmark_placeholders_are_template_syntax_warnings() -> None:
    problems = [p for p in lint_file(CORPUS / WELL_MADE[1]) if p.code == "B2B606"]
    assert problems and {p.severity for p in problems} == {"warning"}
    assert any("{{action_url}}" in p.message for p in problems)


def test_mailchimp_blueprint_gets_its_real_problems() -> None:
    problems = lint_file(CORPUS / "mailchimp__email-blueprints/templates/transactional_basic.html")
    codes = {p.code for p in problems}
    assert {
        "B2B401",  # the placeholder <img> has no alt
        "B2B403",  # images over http://
        "B2B501",  # no lang
        "B2B506",  # 8 layout tables without role
        "B2B603",  # links over http://
        "B2B606",  # *|MC:SUBJECT|*, *|UNSUB|* merge tags
    } <= codes
    assert sum(p.code == "B2B506" for p in problems) == 8
    merge_tags = {p.message.split("'")[1] for p in problems if p.code == "B2B606"}
    assert {"*|MC:SUBJECT|*", "*|UNSUB|*"} <= merge_tags
    assert "B2B701" not in codes  # *|UNSUB|* is its unsubscribe link
    missing_alt = next(p for p in problems if p.code == "B2B401")
    assert missing_alt.severity == "error"
    assert "<img" in missing_alt.snippet


def test_mjml_template_is_compiled_then_linted() -> None:
    problems = lint_file(CORPUS / "jdrouet__mrml/packages/mrml-core/resources/template/amario.mjml")
    codes = {p.code for p in problems}
    assert "B2B403" in codes  # images over http://
    # Every mj-image has alt; the icons mjml-python writes for <mj-social> have none.
    missing_alt = [p for p in problems if p.code == "B2B401"]
    assert missing_alt and all("ico-social" in p.snippet for p in missing_alt)
