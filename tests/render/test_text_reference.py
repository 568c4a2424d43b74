"""render/text.py parses with lxml; the text must be the one beautifulsoup4 with html.parser
gave (tests/render/reference_text.py) for every HTML the build hands it: lxml-written HTML,
the inliner's output (issue 13 item 6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mjml import mjml2html
from tests.render import reference_text

import b2bmail.render.compile
from b2bmail.campaign import render_campaign
from b2bmail.personalize.build import build_per_recipient
from b2bmail.render.inline import inline_css, pad_preheader
from b2bmail.render.merge import mark_url_fields
from b2bmail.render.text import html_to_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("heavy-equipment", "warmtepompen-nl")
CORPUS = (ROOT / "../shared/research/data/email-corpus").resolve()
MISSING = f"email corpus not found at {CORPUS} (clone shared/ beside the repository)"


def corpus_files() -> list[Any]:
    """The corpus emails: every HTML file and each MJML file that is a whole template (not a
    partial, not including one by path); without the corpus, one case that skips and says
    why, so the corpus cases never vanish from the run unnoticed."""
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=MISSING), id="corpus-missing")]
    mjml = [
        pytest.param(p, id=str(p.relative_to(CORPUS)))
        for p in sorted(CORPUS.rglob("*.mjml"))
        if "<mj-body" in (text := p.read_text(encoding="utf-8")) and "mj-include" not in text
    ]
    html = [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in sorted(CORPUS.rglob("*.html"))]
    return html + mjml


@pytest.fixture
def texts_compared(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every html_to_text the compile makes while the test runs, checked against the
    reference; the HTML of each is kept."""
    seen: list[str] = []

    def compared(html: str) -> str:
        text = html_to_text(html)
        assert text == reference_text.html_to_text(html)
        seen.append(html)
        return text

    monkeypatch.setattr(b2bmail.render.compile, "html_to_text", compared)
    yield seen


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_text_of_the_examples_is_the_reference_text(
    example: str, tmp_path: Path, texts_compared: list[str]
) -> None:
    campaign = ROOT / "examples" / example / "campaign.yaml"
    render_campaign(campaign)  # the samples
    # every variant a per-recipient build of the example's list compiles
    build_per_recipient(
        campaign,
        campaign.parent / "recipients.csv",
        out_dir=tmp_path / "out",
        environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
    )
    assert len(texts_compared) > len(render_campaign(campaign).segments)


@pytest.mark.parametrize("path", corpus_files())
def test_the_text_of_each_corpus_email_once_inlined_is_the_reference_text(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".mjml":
        source = str(mjml2html(source, disable_comments=True, fonts={}))
    # What compile_segment hands html_to_text: the inliner's output, preheader padded,
    # merge fields in URLs marked.
    html = mark_url_fields(pad_preheader(inline_css(source)))
    assert html_to_text(html) == reference_text.html_to_text(html)
