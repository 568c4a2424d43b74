"""A real headless Chromium for the preview tests: one per test module."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator

import pytest
from tests.preview.browser import chromium_or_skip

from b2bmail.preview.chromium import Tab, launch_browser


@pytest.fixture(scope="session")
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def tab(chromium: str) -> Iterator[Tab]:
    with launch_browser(chromium) as page:
        yield page


CAP = 1000


class ImageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow.png":
            time.sleep(1.5)
        if self.path == "/away.png":
            self.send_response(302)
            self.send_header("Location", "http://localhost:1/elsewhere.png")
            self.end_headers()
            return
        size = {"/at-cap.png": CAP, "/past-cap.png": CAP + 1}.get(self.path, 10)
        kind = "text/html" if self.path == "/page.html" else "image/png"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(b"x" * size)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 for the block; yields its origin (no trailing slash)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def image_origin() -> Iterator[str]:
    """A loopback 'CDN' for the remote-image tests (sizes, slowness, redirects by path)."""
    with serving(ImageHandler) as origin:
        yield origin
