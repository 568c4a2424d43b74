"""The static gallery: escaped data, one card per segment, and it loads from disk in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.preview.pngcheck import png_dimensions
from tests.preview.samples import sample_campaign

from b2bmail.preview.chromium import Tab
from b2bmail.preview.gallery import render_gallery
from b2bmail.preview.run import write_preview


def test_gallery_escapes_campaign_data_and_links_relatively() -> None:
    page = render_gallery(sample_campaign(), {})
    assert "Lettre trimestrielle &lt;Q3&gt;" in page
    assert "les nouveautés &lt;T3&gt;" in page
    assert "un tarif &amp; un service" in page
    assert "image &lt;x&gt; without alt" in page
    assert '<a href="mining/email.eml">' in page
    assert "http://" not in page and "https://" not in page  # no external assets


@pytest.fixture(scope="module")
def gallery(tab: Tab, chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gallery") / "out"
    result = write_preview(sample_campaign(), out, widths=(600, 375), chromium=chromium)
    assert result.index == out / "index.html"
    return out


@pytest.mark.chromium
def test_gallery_writes_every_segment_file(gallery: Path) -> None:
    names = sorted(p.relative_to(gallery).as_posix() for p in gallery.rglob("*") if p.is_file())
    expected = [".b2bmail-output", "index.html"]
    for sid in ("mining", "rental"):
        expected += [
            f"{sid}/email.eml",
            f"{sid}/email.html",
            f"{sid}/email.txt",
            f"{sid}/shot-375.png",
            f"{sid}/shot-600-images-off.png",
            f"{sid}/shot-600.png",
        ]
    assert names == sorted(expected)
    assert png_dimensions((gallery / "rental" / "shot-375.png").read_bytes())[0] == 375


@pytest.mark.chromium
def test_gallery_loads_from_disk_with_one_card_per_segment(tab: Tab, gallery: Path) -> None:
    tab.navigate((gallery / "index.html").as_uri())
    cards = tab.evaluate(
        "[...document.querySelectorAll('article.card')].map(c => c.dataset.segment)"
    )
    assert cards == ["mining", "rental"]
    # Every screenshot in the page loaded from its relative path.
    loaded = tab.evaluate("[...document.images].map(i => i.naturalWidth > 0)")
    assert loaded == [True] * 6
    inbox = tab.evaluate("document.querySelector('#segment-mining .inbox').innerText")
    assert "Terramach" in inbox and "les nouveautés <T3>" in inbox
    problems = tab.evaluate("document.querySelector('#segment-mining ul.problems').innerText")
    assert "img-missing-alt" in problems
