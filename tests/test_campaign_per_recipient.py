"""What render_campaign compiles for a per-recipient build (stage_variants=True), issue 13
item 6: every compile it makes is one the build writes from, and no variant is ever bound to
the sample recipient's values."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.personalize import test_variants
from tests.personalize.test_build import parse, texts
from tests.render.test_stages import TEMPLATE as STAGED_TEMPLATE
from tests.render.test_stages import write_campaign

import b2bmail.render.compile
from b2bmail.campaign import render_campaign
from b2bmail.personalize.build import build_per_recipient

HEAVY = Path(__file__).parent.parent / "examples" / "heavy-equipment" / "campaign.yaml"


@pytest.fixture
def mjml_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The template of each full compile (MJML, inlining, text) made while the test runs."""
    calls: list[str] = []
    compile_mjml = b2bmail.render.compile.compile_mjml

    def counted(source: str, **options: object) -> str:
        calls.append(source)
        return compile_mjml(source, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(b2bmail.render.compile, "compile_mjml", counted)
    return calls


# The campaign of tests/personalize/test_variants.py: its logic reads recipient fields.
campaign = test_variants.campaign


def test_a_per_recipient_build_compiles_only_the_variants_it_writes(
    campaign: Path, mjml_compiles: list[str]
) -> None:
    report = build_per_recipient(
        campaign,
        campaign.parent / "list.csv",
        out_dir=campaign.parent / "out",
        environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
    )
    # The 4 rows read 4 combinations of the fields the template's logic tests (see
    # test_each_recipient_gets_the_branches_of_its_own_values), each compiled once per journey
    # stage (3): 12, and no 13th for the sample recipient, whose message is not written.
    assert (report.messages, report.variants) == (4, {"tous": 4})
    assert len(mjml_compiles) == 12


def test_the_sample_of_a_per_recipient_build_is_compiled_when_read(
    campaign: Path, mjml_compiles: list[str]
) -> None:
    (staged,) = render_campaign(campaign, stage_variants=True).segments
    assert staged.compile_variant is not None
    assert mjml_compiles == []
    (sample,) = render_campaign(campaign).segments
    assert len(mjml_compiles) == 1
    assert (staged.subject, staged.html, staged.text, staged.eml) == (
        sample.subject,
        sample.html,
        sample.text,
        sample.eml,
    )
    assert staged.compiled == sample.compiled
    assert len(mjml_compiles) == 2  # read once, kept


def test_the_samples_of_a_per_recipient_build_are_the_build_samples() -> None:
    staged = render_campaign(HEAVY, stage_variants=True).segments
    built = render_campaign(HEAVY).segments
    assert [s.segment_id for s in staged] == [s.segment_id for s in built]
    for a, b in zip(staged, built, strict=True):
        assert a.compiled == b.compiled, a.segment_id
        assert (a.subject, a.preheader, a.html, a.text, a.eml) == (
            b.subject,
            b.preheader,
            b.html,
            b.text,
            b.eml,
        ), a.segment_id


def test_a_test_on_a_field_at_the_sample_stage_only_is_made_per_recipient(
    tmp_path: Path,
) -> None:
    # The segment's (and the sample's) stage is consideration; only there does the template
    # test the company. The sample recipient's company (Exemple SA) must not decide it for
    # every recipient at that stage: Bob (Plant B, consideration) is the one VIP.
    template = STAGED_TEMPLATE.replace(
        "stage {{ stage }}.",
        'stage {{ stage }}.{% if stage == "consideration" and recipient.company == "Plant B" %}'
        " VIP{% endif %}",
    )
    campaign = write_campaign(tmp_path, template=template)
    out = tmp_path / "out"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
    )
    assert report.messages == 5
    vip = {
        path.name: "VIP" in texts(parse(path.read_bytes()))[0]
        for path in sorted((out / "plants").glob("*.eml"))
    }
    assert vip == {
        "000002-ann@plant.example.eml": False,  # awareness
        "000003-bob@plant.example.eml": True,  # consideration, Plant B
        "000004-cy@plant.example.eml": False,  # decision
        "000005-dee@plant.example.eml": False,  # consideration (the segment's), Plant D
        "000006-eve@plant.example.eml": False,  # consideration (the segment's), Plant E
    }
