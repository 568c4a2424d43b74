"""The live preview server, loaded in real Chromium: switcher, rebuilds, errors, loopback only."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.preview.folder_build import build_folder

from b2bmail.i18n import using
from b2bmail.preview.chromium import Tab
from b2bmail.preview.model import campaign_inputs
from b2bmail.preview.server import (
    PreviewHTTPServer,
    PreviewService,
    close_preview_server,
    fingerprint,
    start_preview_server,
)

RED_DOT = (
    "data:image/svg+xml;base64,"
    + base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="4" height="2" fill="red"/></svg>'
    ).decode()
)


def wait_until(check: Callable[[], object], timeout: float = 10.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text("Quarterly news", encoding="utf-8")
    (tmp_path / "mining.html").write_text(
        f'<p>Pour les mines</p><img src="{RED_DOT}" alt="Carte du site" width="40" height="20">',
        encoding="utf-8",
    )
    (tmp_path / "rental.html").write_text("<p>Pour les loueurs</p>", encoding="utf-8")
    return tmp_path / "campaign.yaml"


@pytest.fixture
def server(campaign: Path) -> Iterator[PreviewHTTPServer]:
    events: list[str] = []
    srv = start_preview_server(
        campaign, build_folder, port=0, poll_interval=0.1, on_event=events.append
    )
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    close_preview_server(srv)
    thread.join(timeout=5)


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, Any] = json.load(response)
        return data


def frame_text(tab: Tab) -> str:
    # Empty while the frame is between documents (reloading after a rebuild).
    return str(
        tab.evaluate("document.getElementById('email').contentDocument.body?.innerText ?? ''")
    )


def test_binds_loopback_only(server: PreviewHTTPServer) -> None:
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{port}/"
    assert server.socket.family == socket.AF_INET


def test_state_lists_segments(server: PreviewHTTPServer) -> None:
    state = get_json(server.url + "api/state")
    assert state["generation"] == 1 and state["error"] is None
    assert [s["id"] for s in state["segments"]] == ["mining", "rental"]


@pytest.mark.chromium
def test_page_switches_segments(tab: Tab, server: PreviewHTTPServer) -> None:
    tab.set_viewport(1280, 900)
    tab.navigate(server.url)
    wait_until(lambda: "Pour les mines" in frame_text(tab))
    tab.evaluate("document.querySelector('[data-segment=rental]').click()")
    wait_until(lambda: "Pour les loueurs" in frame_text(tab))
    assert tab.evaluate("document.getElementById('subject').textContent") == "Subject for rental"
    assert (
        tab.evaluate("document.getElementById('email').getAttribute('sandbox')")
        == "allow-same-origin"
    )


@pytest.mark.chromium
def test_an_edited_template_shows_after_the_rebuild(
    tab: Tab, server: PreviewHTTPServer, campaign: Path
) -> None:
    tab.navigate(server.url)
    wait_until(lambda: "Pour les mines" in frame_text(tab))
    time.sleep(0.05)  # a later mtime even on coarse file systems
    (campaign.parent / "mining.html").write_text("<p>Nouveau texte</p>", encoding="utf-8")
    wait_until(lambda: get_json(server.url + "api/generation")["generation"] == 2)
    # The open page notices the new generation by itself and reloads the email.
    wait_until(lambda: "Nouveau texte" in frame_text(tab))
    tab.navigate(server.url)
    wait_until(lambda: "Nouveau texte" in frame_text(tab))


@pytest.mark.chromium
def test_a_template_error_shows_in_the_page_and_the_server_stays_up(
    tab: Tab, server: PreviewHTTPServer, campaign: Path
) -> None:
    tab.navigate(server.url)
    wait_until(lambda: "Pour les mines" in frame_text(tab))
    (campaign.parent / "rental.html").write_text("<p>ok</p>\n{% broken %}\n", encoding="utf-8")
    wait_until(lambda: tab.evaluate("!document.getElementById('build-error').hidden"))
    where = tab.evaluate("document.getElementById('error-where').textContent")
    assert where == f"{campaign.parent / 'rental.html'}:2"
    assert "unexpected 'broken'" in str(
        tab.evaluate("document.getElementById('build-error').innerText")
    )
    # The last good build stays on screen and the server keeps answering.
    assert "Pour les mines" in frame_text(tab)
    (campaign.parent / "rental.html").write_text("<p>réparé</p>", encoding="utf-8")
    wait_until(lambda: tab.evaluate("document.getElementById('build-error').hidden"))
    tab.evaluate("document.querySelector('[data-segment=rental]').click()")
    wait_until(lambda: "réparé" in frame_text(tab))


def test_port_in_use_is_a_preview_error(server: PreviewHTTPServer, campaign: Path) -> None:
    from b2bmail.errors import PreviewError

    with pytest.raises(PreviewError, match="--port"):
        start_preview_server(campaign, build_folder, port=server.server_address[1])


def test_campaign_inputs_drop_nested_folders(tmp_path: Path) -> None:
    campaign = tmp_path / "c" / "campaign.yaml"
    inputs = campaign_inputs(
        campaign, [tmp_path / "c" / "segments" / "s.yaml", tmp_path / "t" / "newsletter.mjml"]
    )
    assert inputs == ((tmp_path / "c").resolve(), (tmp_path / "t").resolve())


def test_fingerprint_sees_edits_and_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.mjml").write_text("a", encoding="utf-8")
    (tmp_path / ".a.mjml.swp").write_text("x", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_text("x", encoding="utf-8")
    first = fingerprint((tmp_path,))
    assert [Path(p).name for p, _, _ in first] == ["a.mjml"]
    (tmp_path / "a.mjml").write_text("longer", encoding="utf-8")
    assert fingerprint((tmp_path,)) != first


@pytest.mark.chromium
def test_images_off_shows_the_alt_text(tab: Tab, server: PreviewHTTPServer) -> None:
    tab.navigate(server.url)
    image_width = "document.getElementById('email').contentDocument.images[0]?.naturalWidth"
    wait_until(lambda: tab.evaluate(image_width) == 4)
    tab.evaluate("document.querySelector('[data-images=off]').click()")
    # Refused (complete, no pixels) in the images-off document, not merely still loading.
    refused = (
        "(d => d.location.search.includes('images=off') && d.readyState === 'complete'"
        " && d.images[0].complete && d.images[0].naturalWidth === 0)"
        "(document.getElementById('email').contentDocument)"
    )
    wait_until(lambda: tab.evaluate(refused))
    tab.evaluate("document.querySelector('[data-images=on]').click()")
    wait_until(lambda: tab.evaluate(image_width) == 4)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param(None, 200, id="loopback-address"),
        pytest.param("localhost", 200, id="localhost"),
        pytest.param("rebind.attacker.example", 403, id="dns-rebinding-name"),
        pytest.param("127.0.0.1.attacker.example", 403, id="lookalike"),
    ],
)
def test_only_loopback_host_names_are_served(
    server: PreviewHTTPServer, host: str | None, status: int
) -> None:
    port = server.server_address[1]
    request = urllib.request.Request(server.url + "api/state")
    if host is not None:
        request.add_header("Host", f"{host}:{port}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    assert code == status


def test_build_events_in_french(campaign: Path) -> None:
    # `serve` printed "build 1: ok in 0.92 s" in English to a French terminal.
    events: list[str] = []
    service = PreviewService(campaign, build_folder, on_event=events.append)
    with using("fr"):
        service.rebuild()
    assert re.fullmatch(r"construction 1 : réussie en \d+\.\d\d s", events[0]), events
