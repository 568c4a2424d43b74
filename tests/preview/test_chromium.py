"""The Chromium driver: finding it, local-only networking, and real screenshots."""

from __future__ import annotations

import base64
import http.server
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.preview.conftest import serving
from tests.preview.pngcheck import distinct_colours, png_dimensions, png_pixels
from tests.preview.samples import email_html

from b2bmail.errors import PreviewError
from b2bmail.preview.chromium import Browser, Tab, find_chromium
from b2bmail.preview.devtools import is_local_url
from b2bmail.preview.screenshots import (
    DEFAULT_WIDTHS,
    parse_widths,
    png_size,
    shoot_email,
    write_views,
)


def test_missing_chromium_names_the_install_hint() -> None:
    with pytest.raises(PreviewError) as info:
        find_chromium({"PATH": "/nonexistent"}, candidates=("/nonexistent/chromium", "chromium"))
    assert "apt-get install chromium" in str(info.value)


def test_override_that_is_not_executable_is_an_error() -> None:
    with pytest.raises(PreviewError, match="B2BMAIL_CHROMIUM"):
        find_chromium({"B2BMAIL_CHROMIUM": "/nonexistent/chromium", "PATH": ""})


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("file:///tmp/a.html", True),
        ("data:image/png;base64,AAAA", True),
        ("http://127.0.0.1:8000/x", True),
        ("http://localhost/x", True),
        ("http://[::1]:80/", True),
        ("https://cdn.example.com/a.png", False),
        ("http://127.0.0.1.nip.io/", False),
        ("ftp://127.0.0.1/", False),
    ],
    ids=["file", "data", "loopback-ip", "localhost", "ipv6-loopback", "remote", "lookalike", "ftp"],
)
def test_is_local_url(url: str, local: bool) -> None:
    assert is_local_url(url) is local


@pytest.mark.parametrize(
    ("text", "widths"), [("600,375", (600, 375)), ("320px, 1024", (320, 1024)), ("600,600", (600,))]
)
def test_parse_widths(text: str, widths: tuple[int, ...]) -> None:
    assert parse_widths(text) == widths


@pytest.mark.parametrize("text", ["", "abc", "100", "600,,375", "99999"])
def test_parse_widths_rejects(text: str) -> None:
    with pytest.raises(PreviewError, match="--widths"):
        parse_widths(text)


@pytest.fixture
def email_file(tmp_path: Path) -> Path:
    write_views(tmp_path, email_html("Exploitants miniers", "#17324d"))
    return tmp_path / "email.html"


@pytest.mark.chromium
def test_screenshots_have_the_asked_widths_and_are_not_blank(tab: Tab, email_file: Path) -> None:
    shots = shoot_email(tab, email_file.parent, (600, 375))
    assert [(s.width, s.images, s.view) for s in shots] == [
        (600, True, "light"),
        (375, True, "light"),
        (600, False, "light"),
        (600, True, "dark"),
        (600, True, "dark-inverted"),
        (600, True, "outlook"),
    ]
    for shot in shots:
        assert png_dimensions(shot.png) == (shot.width, shot.height) == png_size(shot.png)
        assert shot.height > 300  # the whole email, not a viewport slice
        assert distinct_colours(shot.png) > 2


@pytest.mark.chromium
def test_images_off_differs_and_shows_alt_text(tab: Tab, email_file: Path) -> None:
    on, _, off, *_ = shoot_email(tab, email_file.parent, (600, 375))
    assert on.width == off.width
    assert png_pixels(on.png) != png_pixels(off.png)
    # The remote image was answered locally with a placeholder when on, refused when off.
    tab.capture(email_file.as_uri(), 600, images=False)
    assert tab.evaluate("document.images[0].naturalWidth") == 0
    tab.capture(email_file.as_uri(), 600, images=True)
    assert tab.evaluate("document.images[0].naturalWidth") == 600


@pytest.fixture
def loopback_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<title>loopback ok</title><p>served on 127.0.0.1</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Handler) as origin:
        yield origin + "/"


@pytest.mark.chromium
def test_loopback_loads_and_remote_fetches_are_refused(tab: Tab, loopback_server: str) -> None:
    tab.navigate(loopback_server)
    assert tab.evaluate("document.title") == "loopback ok"
    outcome = tab.evaluate(
        "fetch('https://example.com/').then(() => 'fetched', e => 'refused: ' + e.name)",
        await_promise=True,
    )
    assert outcome == "refused: TypeError"


@pytest.mark.chromium
def test_a_missing_file_is_a_preview_error(tab: Tab, tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="could not open"):
        tab.navigate((tmp_path / "nope.html").as_uri())


RED_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>'


@pytest.mark.chromium
def test_images_off_refuses_local_and_inline_images_too(tab: Tab, tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(RED_SVG, encoding="utf-8")
    inline = "data:image/svg+xml;base64," + base64.b64encode(RED_SVG.encode()).decode()
    page = tmp_path / "local.html"
    page.write_text(
        f'<img src="logo.svg" alt="Logo" width="100" height="50">'
        f'<img src="{inline}" alt="Inline" width="100" height="50">',
        encoding="utf-8",
    )
    tab.capture(page.as_uri(), 400, images=True)
    assert tab.evaluate("[...document.images].map(i => i.naturalWidth)") == [10, 10]
    tab.capture(page.as_uri(), 400, images=False)
    assert tab.evaluate("[...document.images].map(i => i.naturalWidth)") == [0, 0]


def test_a_chromium_that_never_answers_times_out_with_a_hint(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho starting >&2\nexec sleep 30\n")
    fake.chmod(0o755)
    browser = Browser(str(fake), timeout=1)
    try:
        with pytest.raises(PreviewError) as info:
            browser.start()
    finally:
        browser.close()
    assert str(info.value) == (
        "Chromium did not start within 1 s: starting — check that B2BMAIL_CHROMIUM (or chromium"
        " on PATH) is a working Chromium; on a busy machine try again"
    )


@pytest.mark.chromium
def test_default_widths_include_the_320_px_phone(tab: Tab, email_file: Path) -> None:
    # 320 CSS px: iPhone SE (1st generation) and small Android phones, the narrowest in use.
    assert DEFAULT_WIDTHS == (600, 375, 320)
    shots = shoot_email(tab, email_file.parent, DEFAULT_WIDTHS)
    assert [s.filename for s in shots][:3] == ["shot-600.png", "shot-375.png", "shot-320.png"]
    assert png_dimensions(shots[2].png)[0] == 320
