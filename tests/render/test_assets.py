"""Local images: rewritten to assets_url, listed in the manifest, missing ones stop the build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.personalize.test_build import CAMPAIGN, SEGMENTS, TEMPLATE, parse, texts
from tests.preview.example import copy_example

from b2bmail.campaign import build_campaign
from b2bmail.cli import main
from b2bmail.config import load_campaign_config
from b2bmail.errors import ConfigError
from b2bmail.lint.api import lint_email
from b2bmail.personalize.build import build_per_recipient
from b2bmail.personalize.tokens import SECRET_ENV
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
            "upload": True,
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


# ---------------------------------------------------------------------------------------------
# assets_embed: the images travel in the .eml as inline CID parts (RFC 2387, RFC 2392)


def embedded_campaign(tmp_path: Path) -> Path:
    """The per-recipient test campaign with one local PNG and `assets_embed: true`."""
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN + "assets_embed: true\n", encoding="utf-8")
    template = TEMPLATE.replace(
        "<mj-text>", '<mj-image src="assets/logo.png" alt="Logo" width="1px"></mj-image><mj-text>'
    )
    (tmp_path / "email.mjml").write_text(template, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (tmp_path / "list.csv").write_text(
        "email;prénom;société;secteur\nanne@acme.example;Anne;Acme;mines\n", encoding="utf-8"
    )
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(PNG)
    return tmp_path / "campaign.yaml"


def assert_embeds_png(data: bytes) -> None:
    """The message is multipart/related: the alternative first, then the PNG, whose
    Content-ID the HTML names as `cid:` (RFC 2392 §2) and whose bytes are the file's."""
    msg = parse(data)
    assert msg.get_content_type() == "multipart/related"
    assert msg.get_param("type") == "multipart/alternative"
    alternative, image = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert image.get_content_type() == "image/png"
    assert image["Content-Transfer-Encoding"] == "base64"
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == "logo.png"
    assert image.get_content() == PNG
    cid = image["Content-ID"]
    assert cid == f"<{hashlib.sha256(PNG).hexdigest()[:16]}@b2bmail>"
    _, html = texts(msg)
    assert f'src="cid:{cid[1:-1]}"' in html and "assets/logo.png" not in html
    body = data.split(b"\r\n\r\n", 1)[1]
    assert all(len(line) <= 76 for line in body.split(b"\r\n"))


def test_embedded_images_are_inline_cid_parts_of_the_sample_eml(tmp_path: Path) -> None:
    campaign = embedded_campaign(tmp_path)
    build_campaign(campaign, tmp_path / "out")
    assert_embeds_png((tmp_path / "out" / "mines" / "email.eml").read_bytes())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [a["upload"] for a in manifest["assets"]] == [False]  # inside the .eml


def test_embedded_images_are_inline_cid_parts_of_each_recipient_eml(tmp_path: Path) -> None:
    campaign = embedded_campaign(tmp_path)
    out = tmp_path / "per"
    build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={SECRET_ENV: "s3cret"}
    )
    (eml,) = out.rglob("*.eml")
    assert_embeds_png(eml.read_bytes())


def test_assets_embed_must_be_a_boolean(tmp_path: Path) -> None:
    campaign = embedded_campaign(tmp_path)
    campaign.write_text(CAMPAIGN + "assets_embed: yes please\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="assets_embed must be true or false"):
        load_campaign_config(campaign)


def b64_part_size(raw: int) -> int:
    """Bytes of `raw` bytes in base64 on 76-character CRLF lines (RFC 2045 §6.8)."""
    chars = 4 * -(-raw // 3)
    return chars + 2 * -(-chars // 76)


def test_lint_counts_embedded_images_at_their_encoded_size(tmp_path: Path) -> None:
    # 700 KB of file is under the 800 KB bound, but base64 makes it about 4/3 bigger in the
    # message (RFC 2045 §6.8): embedded, the images are over it together.
    campaign = embedded_campaign(tmp_path)
    raw = 700 * 1024
    (tmp_path / "assets" / "logo.png").write_bytes(PNG + bytes(raw - len(PNG)))
    report = build_campaign(campaign, tmp_path / "out", segment_ids=["mines"])
    eml = (tmp_path / "out" / "mines" / "email.eml").read_bytes()
    boundary = eml.split(b'type="multipart/alternative";\r\n boundary="', 1)[1].split(b'"')[0]
    start = eml.index(b"\r\n--" + boundary + b"\r\nContent-Type: image/png")
    start += len(boundary) + 6
    part = eml[start : eml.index(b"\r\n--" + boundary + b"--")]
    assert len(part.split(b"\r\n\r\n", 1)[1]) == b64_part_size(raw)
    totals = [p.message for p in report.problems if p.code == "B2B407" and "together" in p.message]
    assert totals == [
        f"images weigh {len(part) / 1024:.0f} KB together, over 800 KB — use fewer or lighter images"
    ]


@pytest.mark.parametrize(("size", "flagged"), [(800 * 1024, False), (800 * 1024 + 1, True)])
def test_embedded_images_total_is_flagged_past_800_kb(size: int, flagged: bool) -> None:
    html = '<html><body><img src="cid:0123456789abcdef@b2bmail" alt="Logo"></body></html>'
    problems = lint_email(
        html=html, path="email.html", image_sizes={"cid:0123456789abcdef@b2bmail": size}
    )
    totals = [p for p in problems if p.code == "B2B407" and "together" in p.message]
    assert bool(totals) is flagged
