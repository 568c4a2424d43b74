"""The static gallery: escaped data, one card per segment, and it loads from disk in Chromium."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from tests.preview.pngcheck import png_dimensions, png_pixels
from tests.preview.samples import sample_campaign, segment

from b2bmail.i18n import using
from b2bmail.preview.chromium import Tab
from b2bmail.preview.gallery import render_gallery
from b2bmail.preview.model import CampaignView
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
            f"{sid}/email.dark-inverted.html",
            f"{sid}/email.eml",
            f"{sid}/email.html",
            f"{sid}/email.outlook.html",
            f"{sid}/email.txt",
            f"{sid}/shot-375.png",
            f"{sid}/shot-600-dark-inverted.png",
            f"{sid}/shot-600-dark.png",
            f"{sid}/shot-600-images-off.png",
            f"{sid}/shot-600-outlook.png",
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
    assert loaded == [True] * 12
    inbox = tab.evaluate("document.querySelector('#segment-mining .inbox').innerText")
    assert "Terramach" in inbox and "les nouveautés <T3>" in inbox
    problems = tab.evaluate("document.querySelector('#segment-mining ul.problems').innerText")
    assert "img-missing-alt" in problems


# Independent expected values: the sample's preheader, its padding as the characters the
# entities name (U+2007 FIGURE SPACE, U+FEFF, U+034F COMBINING GRAPHEME JOINER), then the
# body's visible text in document order; cut at 100 characters.
EXPECTED_SNIPPET = (
    "Trois machines, un tarif & un service"
    + "\u2007\ufeff\u034f " * 3
    + "Exploitants miniers Bonjour Claire, voici les nouveautés du trimestre. Voir les prix"
)[:100]


@pytest.mark.chromium
def test_inbox_line_shows_subject_then_the_first_100_characters_of_text(
    tab: Tab, gallery: Path
) -> None:
    tab.navigate((gallery / "index.html").as_uri())
    subject = tab.evaluate("document.querySelector('#segment-mining .inbox .subject').textContent")
    snippet = tab.evaluate("document.querySelector('#segment-mining .inbox .pre').textContent")
    assert subject == "Exploitants miniers: les nouveautés <T3>"
    assert snippet == "— " + EXPECTED_SNIPPET
    assert len(EXPECTED_SNIPPET) == 100 and EXPECTED_SNIPPET.endswith("voici les nouve")


@pytest.mark.chromium
def test_dark_shots_exist_and_differ_from_the_light_one(gallery: Path) -> None:
    light = png_pixels((gallery / "mining" / "shot-600.png").read_bytes())
    media = png_pixels((gallery / "mining" / "shot-600-dark.png").read_bytes())
    inverted = png_pixels((gallery / "mining" / "shot-600-dark-inverted.png").read_bytes())
    assert light != media and light != inverted and media != inverted
    # The last row is the body's background: white when light; the sample's own dark style
    # (#000, Apple Mail); white darkened by the inversion (#1c1c1c, Outlook.com / Gmail app).
    assert light[-1][:3] == b"\xff\xff\xff"
    assert media[-1][:3] == b"\x00\x00\x00"
    assert inverted[-1][:3] == b"\x1c\x1c\x1c"


@pytest.mark.chromium
def test_gallery_has_dark_and_outlook_columns_with_the_rules(tab: Tab, gallery: Path) -> None:
    tab.navigate((gallery / "index.html").as_uri())
    headings = tab.evaluate(
        "[...document.querySelectorAll('#segment-mining .column h3')].map(h => h.textContent)"
    )
    assert headings == ["Light", "Dark", "Outlook for Windows (simulated)"]
    rules = tab.evaluate("document.querySelector('#segment-mining ul.rules').textContent")
    assert "border-radius" in rules and "css-border-radius: not supported" in rules


@pytest.mark.chromium
def test_outlook_view_removes_border_radius_in_chromium(tab: Tab, gallery: Path) -> None:
    radius = "getComputedStyle(document.querySelector('a.button')).borderTopLeftRadius"
    tab.navigate((gallery / "mining" / "email.html").as_uri())
    assert tab.evaluate(radius) == "18px"
    tab.navigate((gallery / "mining" / "email.outlook.html").as_uri())
    assert tab.evaluate(radius) == "0px"
    assert "Simulated Outlook" in tab.evaluate("document.body.innerText")


# A 3 x 2 PNG (red), written by hand: signature, IHDR, one IDAT, IEND (RFC 2083).
def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 3 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.chromium
def test_local_assets_are_loaded_in_the_preview(tab: Tab, chromium: str, tmp_path: Path) -> None:
    assets = tmp_path / "campaign" / "assets"
    assets.mkdir(parents=True)
    (assets / "logo.png").write_bytes(tiny_png())
    base = segment("mining", "Exploitants miniers", "#17324d")
    html = base.html.replace("<h1", '<img src="assets/logo.png" alt="Terramach" id="logo"><h1')
    campaign = CampaignView(
        name="c",
        path=tmp_path / "campaign" / "campaign.yaml",
        segments=(replace(base, html=html),),
        assets=assets,
    )
    out = tmp_path / "out"
    write_preview(campaign, out, widths=(600,), chromium=chromium)
    for name in ("email.html", "email.outlook.html", "email.dark-inverted.html"):
        tab.navigate((out / "mining" / name).as_uri())
        assert tab.evaluate("document.getElementById('logo').naturalWidth") == 3, name


# Issue 18: the gallery speaks the reader's language and says so in <html lang>; campaign
# data (names, subjects, messages) is shown as written. Expected texts written here.
@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                '<html lang="en">',
                "<title>Lettre trimestrielle &lt;Q3&gt; — b2bmail preview</title>",
                "campaign.yaml · preview of every segment for its sample recipient",
                "<span>2 segments</span><span>0 lint errors</span><span>1 warning</span>",
                '<span class="badge b-warning">1 warning</span>',
                '<p class="clean">No lint problems.</p>',
                "<h3>Lint · 1</h3>",
            ],
        ),
        (
            "fr",
            [
                '<html lang="fr">',
                "<title>Lettre trimestrielle &lt;Q3&gt; — aperçu b2bmail</title>",
                "campaign.yaml · aperçu de chaque segment pour son destinataire d’exemple",
                "<span>2 segments</span><span>0 erreur de lint</span><span>1 avertissement</span>",
                '<span class="badge b-warning">1 avertissement</span>',
                '<p class="clean">Aucun problème de lint.</p>',
                "<h3>Constats · 1</h3>",
                '<span class="badge b-warning">avertissement</span>',
                "<dt>texte brut</dt>",
                "image &lt;x&gt; without alt",  # a finding's message comes translated, as is
                # Once written as _() inside f-strings, which the extraction cannot see:
                '<div class="inbox" title="tel que l’affiche une boîte de réception">',
                '<span class="ln">ligne 12</span>',
                '<span class="badge b-ok">contrôle sans remarque</span>',
                "<dd>1,0 Ko <small>sur 102,0 Ko</small></dd>",
                "les colonnes sombre et Outlook sont des simulations (voir le manuel, Previewing"
                " a campaign)",
            ],
        ),
        (
            "nl",
            [
                '<html lang="nl">',
                "<title>Lettre trimestrielle &lt;Q3&gt; — b2bmail-voorbeeld</title>",
                "<span>2 segmenten</span><span>0 lintfouten</span><span>1 waarschuwing</span>",
                '<p class="clean">Geen lintproblemen.</p>',
                "<h3>Bevindingen · 1</h3>",
                '<a href="mining/email.eml">.eml downloaden</a>',
            ],
        ),
    ],
)
def test_gallery_in_each_language(language: str, words: list[str]) -> None:
    with using(language):
        page = render_gallery(sample_campaign(), {})
    for word in words:
        assert word in page
