"""The call to action follows each recipient's journey stage (issue 2, item 7)."""

from __future__ import annotations

import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from tests.render.reference_mime import build_message

from b2bmail.campaign import render_campaign
from b2bmail.errors import ConfigError
from b2bmail.personalize.build import build_per_recipient
from b2bmail.personalize.report import report_json
from b2bmail.personalize.tokens import SECRET_ENV
from b2bmail.render.mime import MessageSkeleton

CAMPAIGN = """\
name: Stages
locale: en_GB
sender: {from: "Acme Machines <news@acme.example>"}
subject: "News for {{ recipient.company | fallback('you') }}"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://acme.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Acme, postal_address: "1 Main St, Leeds"}
list_id: "Acme <news.acme.example>"
content:
  cta:
    default_stage: awareness
    awareness: {label: Get the buyer's guide, url: "https://acme.example/guide"}
    consideration: {label: Read the case study, url: "https://acme.example/case-study"}
    decision: {label: Book a demo or ask for a quote, url: "https://acme.example/demo"}
"""
TEMPLATE = """\
{% set cta = content.cta[stage] %}
<mjml>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>Hello {{ recipient.first_name | fallback("there") }}, stage {{ stage }}.</mj-text>
      <mj-text><a href="{{ cta.url }}">{{ cta.label }}</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>
"""
SEGMENTS = """\
segments:
  - id: plants
    name: Plants
    priority: 10
    variables: {stage: consideration}
"""
LIST = (
    "email;first name;company;stage\n"
    "ann@plant.example;Ann;Plant A;Awareness\n"  # 2
    "bob@plant.example;Bob;Plant B;Réflexion\n"  # 3: French word for consideration
    "cy@plant.example;Cy;Plant C;decision\n"  # 4
    "dee@plant.example;Dee;Plant D;\n"  # 5: no stage -> the segment's (consideration)
    "eve@plant.example;Eve;Plant E;prospect\n"  # 6: unknown stage -> the segment's
)
CTA = {
    "awareness": ("Get the buyer's guide", "https://acme.example/guide"),
    "consideration": ("Read the case study", "https://acme.example/case-study"),
    "decision": ("Book a demo or ask for a quote", "https://acme.example/demo"),
}


def write_campaign(folder: Path, template: str = TEMPLATE, segments: str = SEGMENTS) -> Path:
    (folder / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (folder / "email.mjml").write_text(template, encoding="utf-8")
    (folder / "segments.yaml").write_text(segments, encoding="utf-8")
    (folder / "list.csv").write_text(LIST, encoding="utf-8")
    return folder / "campaign.yaml"


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    assert msg.defects == []
    return msg


def bodies(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def stage_shown(text: str, html: str) -> str:
    """Which call to action a message carries, checked in both parts; exactly one."""
    found = [s for s, (label, url) in CTA.items() if label in text and url in html]
    others = [
        s
        for s, (label, url) in CTA.items()
        if s not in found and (label in text or url in text or url in html)
    ]
    assert len(found) == 1 and not others, (found, others)
    return found[0]


def test_each_recipient_gets_the_call_to_action_of_their_stage(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    out = tmp_path / "out"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={SECRET_ENV: "k"}
    )
    shown = {}
    for path in sorted((out / "plants").glob("*.eml")):
        text, html = bodies(parse(path.read_bytes()))
        name = path.name.split("-", 1)[1].split("@")[0]  # 000002-ann@plant.example.eml
        shown[name] = stage_shown(text, html)
        assert f"stage {shown[name]}." in text  # `stage` is a template variable too
    assert shown == {
        "ann": "awareness",
        "bob": "consideration",
        "cy": "decision",
        "dee": "consideration",  # missing -> the segment's stage variable
        "eve": "consideration",  # unknown -> the same
    }
    assert dict(report.stages) == {"awareness": 1, "consideration": 3, "decision": 1}
    assert report.stage_defaulted == 2
    written = json.loads((out / "personalize.json").read_text(encoding="utf-8"))
    assert written["stages"] == {"awareness": 1, "consideration": 3, "decision": 1}
    assert written["stage_defaulted"] == 2
    assert written == {"schema": "b2bmail.personalize/1", **report_json(report)}


def test_mbox_messages_follow_the_stage_too(tmp_path: Path) -> None:
    import mailbox

    campaign = write_campaign(tmp_path)
    box = tmp_path / "all.mbox"
    build_per_recipient(campaign, tmp_path / "list.csv", mbox=box, environ={SECRET_ENV: "k"})
    got = []
    for entry in mailbox.mbox(str(box)):
        msg = parse(entry.as_bytes())
        got.append((str(msg["To"]).split("<")[1].split("@")[0], stage_shown(*bodies(msg))))
    assert got == [
        ("ann", "awareness"),
        ("bob", "consideration"),
        ("cy", "decision"),
        ("dee", "consideration"),
        ("eve", "consideration"),
    ]


def test_campaign_default_applies_when_the_segment_names_no_stage(tmp_path: Path) -> None:
    segments = "segments:\n  - {id: plants, name: Plants, priority: 1}\n"
    campaign = write_campaign(tmp_path, segments=segments)
    build = render_campaign(campaign)
    (seg,) = build.segments
    assert (seg.compiled.stage, seg.compiled.default_stage) == ("awareness", "awareness")
    assert stage_shown(seg.text, seg.html) == "awareness"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=tmp_path / "o", environ={SECRET_ENV: "k"}
    )
    assert dict(report.stages) == {"awareness": 3, "consideration": 1, "decision": 1}


def test_sample_build_uses_the_segment_stage_or_the_sample_recipients(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path)
    (seg,) = render_campaign(campaign).segments
    assert seg.variants == ()  # the sample build compiles one email per segment
    assert stage_shown(seg.text, seg.html) == "consideration"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(
        text + "sample_recipient: {email: s@plant.example, stage: Décision}\n", encoding="utf-8"
    )
    (seg,) = render_campaign(campaign).segments
    assert stage_shown(seg.text, seg.html) == "decision"


def test_a_segment_stage_that_is_not_a_stage_is_a_config_error(tmp_path: Path) -> None:
    campaign = write_campaign(tmp_path, segments=SEGMENTS.replace("consideration", "later"))
    with pytest.raises(ConfigError, match="variable stage is 'later', not a journey stage"):
        render_campaign(campaign)


def test_fast_path_equals_message_py_for_every_variant(tmp_path: Path) -> None:
    build = render_campaign(write_campaign(tmp_path), stage_variants=True)
    (seg,) = build.segments
    assert [c.stage for c in seg.stage_variants] == ["awareness", "consideration", "decision"]
    values = {"first_name": "Zoé", "company": "B&B <SA>", "unsubscribe_token": "t"}
    for compiled in seg.stage_variants:
        date = build.campaign.date
        fast = MessageSkeleton.from_compiled(compiled, date=date).assemble(
            values, to_addr="z@plant.example", to_name="", message_id="<m@acme.example>"
        )
        standard = build_message(
            compiled, values, to="z@plant.example", message_id="<m@acme.example>", date=date
        )
        a, b = parse(fast), parse(standard)
        for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe"):
            assert a[name] == b[name], (compiled.stage, name)
        assert bodies(a) == bodies(b), compiled.stage
        assert stage_shown(*bodies(a)) == compiled.stage


def test_a_template_without_stage_gets_one_shared_variant(tmp_path: Path) -> None:
    template = TEMPLATE.replace("{% set cta = content.cta[stage] %}\n", "").replace(
        ', stage {{ stage }}.</mj-text>\n      <mj-text><a href="{{ cta.url }}">{{ cta.label }}</a>',
        ".",
    )
    build = render_campaign(write_campaign(tmp_path, template=template), stage_variants=True)
    (seg,) = build.segments
    first, *others = seg.stage_variants
    # Same templates (shared, not recompiled copies): one message skeleton serves all stages.
    assert all(o.html is first.html and o.text is first.text for o in others)
    from b2bmail.personalize.plan import segment_plans

    (plan,) = segment_plans(seg.stage_variants, build.campaign.date).values()
    assert plan.by_stage == {}  # no routing, and no counts by stage in the report
    report = build_per_recipient(
        tmp_path / "campaign.yaml", tmp_path / "list.csv", out_dir=tmp_path / "o",
        environ={SECRET_ENV: "k"},
    )  # fmt: skip
    assert (report.messages, dict(report.stages), report.stage_defaulted) == (5, {}, 0)
