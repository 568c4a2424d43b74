"""Local images: rewritten to assets_url, listed in the manifest, missing ones stop the build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.preview.example import copy_example

from b2bmail.campaign import build_campaign
from b2bmail.cli import main
from b2bmail.config import load_campaign_config
from b2bmail.errors import ConfigError
from b2bmail.render.assets import is_local_src

HERO_SRC = '"https://www.terrano-engins.example/img/tl480-chargeuse.jpg"'
# A 1 x 1 grey PNG, 67 bytes.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a4944415478da63f80f00010101001b0ab2730000000049454e44ae426082"
)


def local_campaign(tmp_path: Path, src: str, assets_url: str | None) -> Path:
    campaign = copy_example(tmp_path)
    text = campaign.read_text(encoding="utf-8").replace(HERO_SRC, f'"{src}"', 1)
    if assets_url is not None:
        text = text.replace(
            "segments: segments.yaml\n", f"segments: segments.yaml\nassets_url: {assets_url}\n"
        )
    campaign.write_text(text, encoding="utf-8")
    return campaign


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("src", "local"),
    [
        ("assets/a.png", True),
        ("./img/a b.png", True),
        ("https://cdn.example.com/a.png", False),
        ("//cdn.example.com/a.png", False),
        ("cid:logo", False),
        ("data:image/png;base64,AAAA", False),
        ("zQ9mw3wm9Qz", False),
        ("", False),
    ],
)
def test_is_local_src(src: str, local: bool) -> None:
    assert is_local_src(src) is local


def test_local_images_are_published_under_assets_url_and_listed(tmp_path: Path) -> None:
    campaign = local_campaign(tmp_path, "assets/tl480.png", "https://cdn.terrano.example/t3")
    (campaign.parent / "assets").mkdir()
    (campaign.parent / "assets" / "tl480.png").write_bytes(PNG)
    out = tmp_path / "out"
    code, _, err = run("build", str(campaign), "--out", str(out))
    assert code in (0, 1), err
    html = (out / "mining" / "email.html").read_text(encoding="utf-8")
    assert 'src="https://cdn.terrano.example/t3/assets/tl480.png"' in html
    assert 'assets/tl480.png"' not in html.replace("t3/assets/tl480.png", "")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["assets"] == [
        {
            "file": "assets/tl480.png",
            "url": "https://cdn.terrano.example/t3/assets/tl480.png",
            "bytes": 67,
            "sha256": hashlib.sha256(PNG).hexdigest(),
        }
    ]


def test_a_missing_local_image_stops_the_build_at_its_line(tmp_path: Path) -> None:
    campaign = local_campaign(tmp_path, "assets/missing.png", "https://cdn.terrano.example/t3/")
    line = (
        campaign.read_text(encoding="utf-8").split("\n").index('      src: "assets/missing.png"')
        + 1
    )
    code, _, err = run("build", str(campaign), "--out", str(tmp_path / "out"))
    assert code == 2
    assert err.count("\n") == 1
    assert f"campaign.yaml:{line}:" in err and "'assets/missing.png' not found" in err


def test_without_assets_url_nothing_is_rewritten(tmp_path: Path) -> None:
    campaign = local_campaign(tmp_path, "assets/missing.png", None)
    out = tmp_path / "out"
    code, _, _ = run("build", str(campaign), "--out", str(out))
    assert code == 1  # lint: B2B404 img-relative-src, an error
    assert 'src="assets/missing.png"' in (out / "mining" / "email.html").read_text("utf-8")
    assert "assets" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("url", ["http://cdn.example.com/", "cdn.example.com/t3", "https:// x"])
def test_assets_url_must_be_https(tmp_path: Path, url: str) -> None:
    campaign = local_campaign(tmp_path, "assets/a.png", f'"{url}"')
    with pytest.raises(ConfigError, match="assets_url"):
        load_campaign_config(campaign)


def test_build_lint_knows_the_size_of_local_images(tmp_path: Path) -> None:
    campaign = local_campaign(tmp_path, "assets/big.png", "https://cdn.terrano.example/t3/")
    (campaign.parent / "assets").mkdir()
    (campaign.parent / "assets" / "big.png").write_bytes(PNG + bytes(200 * 1024 + 1 - len(PNG)))
    report = build_campaign(campaign, tmp_path / "out", segment_ids=["mining"])
    heavy = [p for p in report.problems if p.code == "B2B407"]
    assert len(heavy) == 1 and "over 200 KB" in heavy[0].message
