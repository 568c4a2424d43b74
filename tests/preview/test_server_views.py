"""`serve`: dark and Outlook views, the campaign's assets/, remote images through the allow-list."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.preview.folder_build import build_folder
from tests.preview.samples import email_html
from tests.preview.test_gallery import tiny_png
from tests.preview.test_server import get_json, wait_until

from b2bmail.preview.chromium import Tab
from b2bmail.preview.devtools import PLACEHOLDER_SVG
from b2bmail.preview.remote import RemoteImagePolicy
from b2bmail.preview.server import PreviewHTTPServer, close_preview_server, start_preview_server

FRAME = "document.getElementById('email').contentDocument"


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text("Quarterly news", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(tiny_png())
    html = email_html("Exploitants miniers", "#17324d").replace(
        "<h1", '<img id="logo" src="assets/logo.png" alt="Terramach"><h1'
    )
    (tmp_path / "mining.html").write_text(html, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def running(campaign: Path, remote: RemoteImagePolicy | None = None) -> PreviewHTTPServer:
    srv = start_preview_server(campaign, build_folder, port=0, remote_images=remote)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def server(campaign: Path) -> Iterator[PreviewHTTPServer]:
    srv = running(campaign)
    yield srv
    srv.shutdown()
    close_preview_server(srv)


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        return exc.code, b"", ""


def test_state_has_the_snippet_and_the_outlook_rules(server: PreviewHTTPServer) -> None:
    state = get_json(server.url + "api/state")
    assert state["segments"][0]["snippet"].startswith("Trois machines, un tarif & un service")
    assert "border-radius" in [rule["feature"] for rule in state["outlook_rules"]]


def test_assets_are_served_and_nothing_outside_them(server: PreviewHTTPServer) -> None:
    assert fetch(server.url + "segment/mining/assets/logo.png") == (200, tiny_png(), "image/png")
    for escape in ("assets/../campaign.yaml", "assets/%2e%2e/mining.html", "assets/nope.png"):
        assert fetch(server.url + f"segment/mining/{escape}")[0] == 404, escape


def test_remote_images_are_placeholders_unless_their_host_is_allowed(
    campaign: Path, server: PreviewHTTPServer, image_origin: str
) -> None:
    html = fetch(server.url + "segment/mining/email.html")[1].decode()
    assert 'src="/remote-image?url=https%3A%2F%2Fcdn.example.com%2Fhero.jpg"' in html
    image = server.url + "remote-image?url=" + urllib.parse.quote(f"{image_origin}/a.png", safe="")
    assert fetch(image)[1] == PLACEHOLDER_SVG
    allowed = running(campaign, RemoteImagePolicy.from_hosts(["127.0.0.1"]))
    try:
        assert fetch(allowed.url + image.removeprefix(server.url)) == (200, b"x" * 10, "image/png")
    finally:
        allowed.shutdown()
        close_preview_server(allowed)


@pytest.mark.chromium
def test_views_in_chromium(tab: Tab, server: PreviewHTTPServer) -> None:
    tab.set_viewport(1400, 900)
    tab.navigate(server.url)
    loaded = f"{FRAME}.readyState === 'complete' && {FRAME}.getElementById('logo')?.naturalWidth"
    assert wait_until(lambda: tab.evaluate(loaded)) == 3  # the local asset, from loopback
    radius = f"getComputedStyle({FRAME}.querySelector('a.button')).borderTopLeftRadius"
    background = f"getComputedStyle({FRAME}.body).backgroundColor"
    assert tab.evaluate(radius) == "18px"
    assert tab.evaluate(background) == "rgb(255, 255, 255)"

    def show(view: str, ready: str) -> None:
        tab.evaluate(f"document.querySelector('[data-view={view}]').click()")
        wait_until(
            lambda: tab.evaluate(
                f"{FRAME}.location.search.includes('view={view}')"
                f" && {FRAME}.readyState === 'complete' && ({ready})"
            )
        )

    show("dark", f"{background} === 'rgb(0, 0, 0)'")  # the sample's own dark style
    show("dark-inverted", f"{background} === 'rgb(28, 28, 28)'")  # white darkened
    show("outlook", f"{radius} === '0px'")
    assert tab.evaluate("document.getElementById('outlook-rules').hidden") is False
    assert "css-border-radius" in tab.evaluate("document.getElementById('rules').textContent")
    assert tab.evaluate(f"{FRAME}.getElementById('logo').naturalWidth") == 3
