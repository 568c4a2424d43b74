"""The preview server over the real build of a copy of the example campaign, in real Chromium."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.preview.example import break_template, copy_example, header_partial

from b2bmail.preview.chromium import Tab
from b2bmail.preview.model import view_campaign
from b2bmail.preview.server import PreviewHTTPServer, close_preview_server, start_preview_server


def wait_until(check: Callable[[], object], timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, Any] = json.load(response)
        return data


def page_url(tab: Tab) -> str:
    return str(tab.evaluate("location.origin")) + "/"


def frame_text(tab: Tab) -> str:
    return str(
        tab.evaluate("document.getElementById('email').contentDocument.body?.innerText ?? ''")
    )


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("campaign"))


@pytest.fixture(scope="module")
def server(campaign: Path) -> Iterator[PreviewHTTPServer]:
    srv = start_preview_server(campaign, view_campaign, port=0, poll_interval=0.2)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    close_preview_server(srv)
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def page(tab: Tab, server: PreviewHTTPServer) -> Tab:
    tab.set_viewport(1280, 900)
    tab.navigate(server.url)
    wait_until(lambda: "Terrano" in frame_text(tab))
    return tab


@pytest.mark.chromium
def test_the_switcher_lists_every_segment_and_switches(page: Tab) -> None:
    ids = page.evaluate(
        "[...document.querySelectorAll('#segments button')].map(b => b.dataset.segment)"
    )
    assert ids == ["mining", "aggregates", "rental", "construction"]
    mining = frame_text(page)
    page.evaluate("document.querySelector('[data-segment=rental]').click()")
    wait_until(lambda: frame_text(page) not in ("", mining))
    rental = [s for s in get_json(page_url(page) + "api/state")["segments"] if s["id"] == "rental"]
    assert page.evaluate("document.getElementById('subject').textContent") == rental[0]["subject"]
    page.evaluate("document.querySelector('[data-width=\"375\"]').click()")
    wait_until(
        lambda: (
            page.evaluate("document.getElementById('email').getBoundingClientRect().width") == 375
        )
    )


@pytest.mark.chromium
def test_an_edited_template_shows_after_the_rebuild(page: Tab, campaign: Path) -> None:
    header = header_partial(campaign)
    before = page.evaluate("Number(document.body.dataset.generation)")
    header.write_text(
        header.read_text(encoding="utf-8")
        + "<mj-section><mj-column><mj-text>Édition spéciale</mj-text></mj-column></mj-section>\n",
        encoding="utf-8",
    )
    wait_until(lambda: page.evaluate("Number(document.body.dataset.generation)") > before)
    wait_until(lambda: "Édition spéciale" in frame_text(page))


@pytest.mark.chromium
def test_a_template_error_shows_with_its_file_and_line(page: Tab, campaign: Path) -> None:
    header = header_partial(campaign)
    good = header.read_text(encoding="utf-8")
    line = break_template(header)
    wait_until(lambda: page.evaluate("!document.getElementById('build-error').hidden"))
    where = str(page.evaluate("document.getElementById('error-where').textContent"))
    assert where == f"{header}:{line}", where
    assert frame_text(page)  # the last good build stays on screen
    header.write_text(good, encoding="utf-8")
    wait_until(lambda: page.evaluate("document.getElementById('build-error').hidden"))
