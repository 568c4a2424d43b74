"""`b2bmail preview` from the command line: exit codes, messages and the gallery it writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.preview.browser import chromium_or_skip
from tests.preview.example import break_template, copy_example, header_partial
from tests.preview.pngcheck import distinct_colours, png_dimensions

from b2bmail.cli import main
from b2bmail.cli.preview import format_preview
from b2bmail.output import MARKER
from b2bmail.preview.chromium import launch_browser
from b2bmail.preview.run import PreviewResult, WrittenSegment


def test_preview_without_chromium_exits_2_with_the_install_hint(tmp_path: Path) -> None:
    result = CliRunner(env={"B2BMAIL_CHROMIUM": "/nonexistent/chromium"}).invoke(
        main, ["preview", str(tmp_path / "campaign.yaml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "apt-get install chromium" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_preview_rejects_bad_widths(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preview", "campaign.yaml", "--widths", "600,wide"])
    assert result.exit_code == 2
    assert "invalid width 'wide'" in result.stderr


@pytest.mark.chromium
def test_preview_of_the_example_campaign_writes_a_gallery_that_loads(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    campaign = copy_example(tmp_path)
    out = tmp_path / "gallery"
    result = CliRunner().invoke(
        main,
        [
            "preview",
            str(campaign),
            "--out",
            str(out),
            "--widths",
            "600,320",
            "--gallery-screenshot",
            str(tmp_path / "gallery.png"),
        ],
    )
    lines = result.stdout.splitlines()
    errors = sum(int(n) for n in re.findall(r"(\d+) errors?,", result.stdout))
    assert result.exit_code == (1 if errors else 0), result.stderr
    ids = [line.split()[0] for line in lines[:-1]]
    assert ids == ["mining", "aggregates", "rental", "construction"]
    assert lines[-1] == f"gallery: {out / 'index.html'}"
    for sid in ids:
        for width in (600, 320):
            png = (out / sid / f"shot-{width}.png").read_bytes()
            assert png_dimensions(png)[0] == width
        assert distinct_colours((out / sid / "shot-320.png").read_bytes()) > 2
        assert b"List-Unsubscribe:" in (out / sid / "email.eml").read_bytes()
        assert "<html" in (out / sid / "email.html").read_text(encoding="utf-8").lower()
    assert png_dimensions((tmp_path / "gallery.png").read_bytes())[0] == 1440
    with launch_browser(chromium) as tab:
        tab.navigate((out / "index.html").as_uri())
        cards = tab.evaluate(
            "[...document.querySelectorAll('article.card')].map(c => c.dataset.segment)"
        )
        assert cards == ids
        assert tab.evaluate("[...document.images].every(i => i.naturalWidth > 0)") is True


@pytest.mark.chromium
def test_a_template_error_stops_preview_with_file_and_line(tmp_path: Path) -> None:
    chromium_or_skip()
    campaign = copy_example(tmp_path)
    header = header_partial(campaign)
    line = break_template(header)
    out = tmp_path / "gallery"
    out.mkdir()
    (out / MARKER).write_text("", encoding="utf-8")  # a previous gallery b2bmail wrote
    (out / "keep.txt").write_text("previous gallery", encoding="utf-8")
    result = CliRunner().invoke(main, ["preview", str(campaign), "--out", str(out)])
    assert result.exit_code == 2
    assert f"{header}:{line}: Jinja syntax error" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "keep.txt").read_text(encoding="utf-8") == "previous gallery"


def two_segments() -> PreviewResult:
    """A preview of two segments, the second with a lint error."""
    return PreviewResult(
        out_dir=Path("out"),
        index=Path("out/index.html"),
        segments=(
            WrittenSegment("mining", "Mines", 32051, 0, 2, (("shot-600.png", 600, 1721),)),
            WrittenSegment("rental", "Loueurs", 1024, 1, 0, (("shot-600.png", 600, 900),)),
        ),
    )


def test_summary_format() -> None:
    assert format_preview(two_segments()) == (
        "mining    31.3 KB  0 errors, 2 warnings  shots 600×1721\n"
        "rental     1.0 KB  1 error, 0 warnings  shots 600×900\n"
        "gallery: out/index.html"
    )


def test_quiet_summary_keeps_only_the_segments_with_errors() -> None:
    # -q: the findings (what makes the exit code 1), neither the others nor the gallery line.
    assert format_preview(two_segments(), findings_only=True) == (
        "rental     1.0 KB  1 error, 0 warnings  shots 600×900"
    )
