"""The shipped examples build, and the heavy-equipment segments follow the brief's table."""

import re
from pathlib import Path

import pytest

from b2bmail.campaign import render_campaign
from b2bmail.segments import load_segments

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ROOT / "examples" / "heavy-equipment" / "campaign.yaml"
DUTCH = ROOT / "examples" / "warmtepompen-nl" / "campaign.yaml"

# The weights from issue #2, column by column; rows in the table's order (the tie-break).
TABLE = {
    "product_performance": (10, 8, 7, 6),
    "supplier_expertise": (6, 7, 5, 4),
    "price": (6, 7, 9, 10),
    "trade_in_value": (1, 5, 8, 9),
    "operating_cost": (9, 8, 5, 4),
    "parts_availability": (6, 7, 5, 7),
    "service_proximity": (4, 7, 6, 5),
    "reliability": (9, 7, 5, 6),
    "financing": (2, 5, 7, 7),
}
COLUMNS = ("mining", "aggregates", "construction", "rental")


def expected_order(segment_id: str) -> list[str]:
    col = COLUMNS.index(segment_id)
    rows = list(TABLE)
    return sorted(rows, key=lambda k: (-TABLE[k][col], rows.index(k)))


def test_segments_file_holds_exactly_the_table() -> None:
    segments = {s.id: s for s in load_segments(HEAVY.parent / "segments.yaml")}
    assert sorted(segments) == sorted(COLUMNS)
    for seg_id in COLUMNS:
        weights = {b.key: b.weight for b in segments[seg_id].benefits}
        assert weights == {k: v[COLUMNS.index(seg_id)] for k, v in TABLE.items()}
        assert list(segments[seg_id].benefit_keys) == expected_order(seg_id)


@pytest.fixture(scope="module")
def heavy_html() -> dict[str, str]:
    return {seg.segment_id: seg.html for seg in render_campaign(HEAVY).segments}


def test_benefit_blocks_follow_each_segments_weights(heavy_html: dict[str, str]) -> None:
    orders = {}
    for seg_id, html in heavy_html.items():
        shown = re.findall(r'data-benefit="([a-z_]+)"', html)
        assert len(shown) == 4
        assert shown == expected_order(seg_id)[:4]
        orders[seg_id] = tuple(shown)
    assert len(set(orders.values())) == 4  # four different orders
    assert orders["mining"][:3] == ("product_performance", "operating_cost", "reliability")
    assert orders["rental"][:2] == ("price", "trade_in_value")


def test_heavy_equipment_html_is_clean_and_french(heavy_html: dict[str, str]) -> None:
    for html in heavy_html.values():
        assert len(html.encode("utf-8")) < 102 * 1024
        assert not re.search(r"\{\{|\{%|<script|<link\b|@import", html, re.I)
        assert '<html lang="fr-FR" dir="ltr"' in html
        assert "1\u202f234,50\xa0€" in html and "1\u202f481,40\xa0€" in html  # HT and TTC, 20 %
        assert "Madame Fontaine," in html  # formal: the sample is civility ms, Fontaine


def test_heavy_equipment_html_is_standards_mode_and_keeps_outlook_markup(
    heavy_html: dict[str, str],
) -> None:
    for html in heavy_html.values():
        assert html.startswith("<!DOCTYPE html>\n<html ")
        assert 'xmlns:v="urn:schemas-microsoft-com:vml"' in html
        assert 'xmlns:o="urn:schemas-microsoft-com:office:office"' in html
        assert "<!--[if mso]>" in html and "<v:roundrect" in html


def test_heavy_equipment_preheader_is_padded_and_the_text_part_stays_clean() -> None:
    for seg in render_campaign(HEAVY).segments:
        preheader = re.search(
            r"<body[^>]*>\s*<div[^>]*>([^<]*)</div>\s*<div[^>]*>([^<]*)</div>", seg.html
        )
        assert preheader is not None
        assert preheader.group(1).startswith("Claire, ")
        assert preheader.group(2).count("&zwnj;&nbsp;") >= 70  # 140 characters at least
        assert "\u200c" not in seg.text and "zwnj" not in seg.text
        assert preheader.group(1) not in seg.text


def test_dutch_example_uses_its_locale() -> None:
    build = render_campaign(DUTCH)
    assert [s.segment_id for s in build.segments] == ["installateurs", "projectontwikkelaars"]
    html = build.segments[0].html
    assert '<html lang="nl-NL"' in html
    assert "€\xa04.995,00" in html and "€\xa06.043,95" in html  # 4 995,00 + 21 % btw
    assert "21%" in build.segments[0].text


def test_heavy_equipment_has_a_product_photo_that_works_with_images_off(
    heavy_html: dict[str, str],
) -> None:
    for html in heavy_html.values():
        (img,) = [i for i in re.findall(r"<img\b[^>]*>", html) if "tl480-chargeuse" in i]
        assert 'src="https://www.terrano-engins.example/img/tl480-chargeuse.jpg"' in img
        assert 'alt="Chargeuse Terrano TL 480 en chargement de tombereau"' in img
        assert 'width="552"' in img and 'height="310"' in img  # pixels, for Outlook
