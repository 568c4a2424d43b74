import hashlib
import json
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from tests.render.eml_checks import assert_crlf, part_texts

from b2bmail.campaign import render_campaign, write_build
from b2bmail.errors import TemplateError
from b2bmail.starter import scaffold_campaign


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    scaffold_campaign(tmp_path / "c")
    return tmp_path / "c" / "campaign.yaml"


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_two_builds_are_byte_identical(campaign: Path, tmp_path: Path) -> None:
    write_build(render_campaign(campaign), tmp_path / "a")
    write_build(render_campaign(campaign), tmp_path / "b")
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert sorted(a) == [
        ".b2bmail-output",
        "decision-makers/email.eml", "decision-makers/email.html", "decision-makers/email.txt",
        "everyone-else/email.eml", "everyone-else/email.html", "everyone-else/email.txt",
        "manifest.json",
        "practitioners/email.eml", "practitioners/email.html", "practitioners/email.txt",
    ]  # fmt: skip
    assert a == b


def test_manifest_records_sizes_hashes_subject(campaign: Path, tmp_path: Path) -> None:
    manifest = write_build(render_campaign(campaign, ["practitioners"]), tmp_path / "o")
    on_disk = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == {"schema": "b2bmail.manifest/1", **manifest}
    (seg,) = manifest["segments"]
    assert seg["id"] == "practitioners"
    assert seg["subject"] == "July 2026: what's new for practitioners"
    assert seg["preheader"] == "Three things worth your time this month, Alex."
    for name, info in seg["files"].items():
        data = (tmp_path / "o" / name).read_bytes()
        assert info == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_failed_build_leaves_previous_output(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    write_build(render_campaign(campaign), out)
    before = _tree(out)
    partial = campaign.parent / "templates" / "partials" / "hero.mjml"
    partial.write_text(
        partial.read_text(encoding="utf-8") + "{{ content.nope }}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError):
        write_build(render_campaign(campaign), out)
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_eml_parses_back_to_the_same_html_and_text(campaign: Path) -> None:
    for seg in render_campaign(campaign).segments:
        msg = BytesParser(policy=policy.default).parsebytes(seg.eml)
        text, html = (p for p in msg.iter_parts() if isinstance(p, EmailMessage))
        # Decoded parts keep the message's CRLF; email.html/email.txt are written with LF.
        assert html.get_content().replace("\r\n", "\n") == seg.html
        assert text.get_content().replace("\r\n", "\n") == seg.text
        assert msg["Subject"] == seg.subject


def test_written_eml_is_crlf_and_matches_the_html_and_text_files(
    campaign: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    write_build(render_campaign(campaign), out)
    emls = sorted(out.glob("*/email.eml"))
    assert len(emls) == 3
    for eml in emls:
        data = eml.read_bytes()
        assert_crlf(data)  # RFC 5322 §2.1, §2.3: CRLF line ends, no bare CR or LF
        html_file = (eml.parent / "email.html").read_bytes()
        text_file = (eml.parent / "email.txt").read_bytes()
        assert b"\r" not in html_file + text_file  # the side files keep LF line ends
        text, html = part_texts(data)
        assert (text.encode("utf-8"), html.encode("utf-8")) == (text_file, html_file)


def test_output_is_clean_email_html(campaign: Path) -> None:
    for seg in render_campaign(campaign).segments:
        html = seg.html
        assert len(html.encode("utf-8")) < 102 * 1024
        assert not re.search(r"\{\{|\{%|zQ9mf", html + seg.text)
        assert "<script" not in html.lower()
        assert not re.search(r"<link\b|@import|fonts\.googleapis", html, re.I)
        assert '<html lang="en-GB" dir="ltr"' in html
        assert "https://news.example.com/unsubscribe/sample-token" in html  # unsubscribe, no UTM
        assert "utm_source=newsletter" in html
        assert "click here" not in html.lower()
        for img in re.findall(r"<img\b[^>]*>", html):
            assert 'alt="' in img and "width" in img and 'src="https://' in img


def test_unknown_segment_id(campaign: Path) -> None:
    from b2bmail.errors import ConfigError

    with pytest.raises(ConfigError, match="no segment with id 'nope'"):
        render_campaign(campaign, ["nope"])


def test_refuses_to_replace_a_folder_that_is_not_a_build(campaign: Path) -> None:
    from b2bmail.errors import OutputError

    folder = campaign.parent  # holds the campaign itself: must never be swapped away
    with pytest.raises(OutputError, match="this output folder holds the input"):
        write_build(render_campaign(campaign), folder)
    assert campaign.is_file()
    partials = folder / "templates" / "partials"  # no input the build names, but not ours
    with pytest.raises(OutputError, match="not written by b2bmail"):
        write_build(render_campaign(campaign), partials)
    assert (partials / "hero.mjml").is_file()


def test_sample_values_are_html_escaped_in_the_html_and_as_typed_in_the_text(
    campaign: Path, tmp_path: Path
) -> None:
    text = campaign.read_text(encoding="utf-8")
    assert "  first_name: Alex\n" in text
    campaign.write_text(
        text.replace("  first_name: Alex\n", '  first_name: "<b>&\\"\'"\n'), encoding="utf-8"
    )
    write_build(render_campaign(campaign, ["practitioners"]), tmp_path / "o")
    folder = tmp_path / "o" / "practitioners"
    page = (folder / "email.html").read_text(encoding="utf-8")
    # HTML 5 character references, as html.escape(quote=True) writes them: &lt; &gt; &amp;
    # &quot; &#x27; — written out here, not computed.
    assert "Hello &lt;b&gt;&amp;&quot;&#x27;," in page
    assert "<b>&\"'" not in page
    msg = BytesParser(policy=policy.default).parsebytes((folder / "email.eml").read_bytes())
    plain, html = (p.get_content() for p in msg.iter_parts() if isinstance(p, EmailMessage))
    assert "Hello &lt;b&gt;&amp;&quot;&#x27;," in html and "<b>&\"'" not in html
    assert "Hello <b>&\"'," in plain
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["segments"][0]["preheader"] == "Three things worth your time this month, <b>&\"'."
    )


REPO = Path(__file__).resolve().parents[1]
HEAVY = REPO / "examples" / "heavy-equipment"


def _parsed(raw: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Headers (boundary and Message-ID aside; in any order, RFC 5322 §3.6 fixes none) and
    each part's type and content."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    headers = sorted((k, str(v)) for k, v in msg.items() if k not in ("Content-Type", "Message-ID"))
    return headers, [(p.get_content_type(), p.get_content()) for p in msg.iter_parts()]


def test_sample_eml_parses_as_the_reference_writer_builds_it() -> None:
    # One writer in production (render.mime); the standard library's EmailMessage assembly
    # (tests/render/reference_mime.py) is the oracle it must agree with once parsed.
    from tests.render.reference_mime import build_message

    from b2bmail.campaign import sample_values

    build = render_campaign(HEAVY / "campaign.yaml")
    values = sample_values(build.campaign)
    for seg in build.segments:
        reference = build_message(
            seg.compiled, values, to=values["email"], date=build.campaign.date, message_id="<x@y>"
        )
        assert _parsed(seg.eml) == _parsed(reference), seg.segment_id
        assert seg.eml.startswith(b"From: ") and b"\r\n\r\n" in seg.eml


def test_sample_and_recipient_share_one_message_id_scheme(tmp_path: Path) -> None:
    # The sample recipient (claire.fontaine@…, segment aggregates) is also row 11 of the list:
    # built on the same date, both messages carry the same Message-ID.
    from b2bmail.personalize.build import build_per_recipient

    date = "2026-07-01T08:00:00+02:00"
    from b2bmail.config import parse_date

    sample = render_campaign(HEAVY / "campaign.yaml", ["aggregates"], date=parse_date(date))
    build_per_recipient(
        HEAVY / "campaign.yaml",
        HEAVY / "recipients.csv",
        out_dir=tmp_path / "send",
        environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "x"},
        date=parse_date(date),
        segment_ids=["aggregates"],
    )
    sent = tmp_path / "send" / "aggregates" / "000011-claire.fontaine@carrieres-dupont.example.eml"

    def mid(raw: bytes) -> str:
        return str(
            BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)["Message-ID"]
        )

    assert mid(sample.segments[0].eml) == mid(sent.read_bytes())
    assert re.fullmatch(r"<[0-9a-f]{32}@terrano-engins\.example>", mid(sent.read_bytes()))
