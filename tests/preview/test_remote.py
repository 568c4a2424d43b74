"""Fetching remote images on request: allow-list, redirects, timeout and size cap, on loopback."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from b2bmail.errors import PreviewError
from b2bmail.preview.remote import RemoteImagePolicy

CAP = 1000


class Handler(http.server.BaseHTTPRequestHandler):
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


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def policy(*hosts: str) -> RemoteImagePolicy:
    return RemoteImagePolicy.from_hosts(hosts, timeout=0.5, max_bytes=CAP)


def test_an_allowed_host_is_fetched(origin: str) -> None:
    image = policy("127.0.0.1").fetch(f"{origin}/logo.png")
    assert (image.body, image.content_type) == (b"x" * 10, "image/png")


@pytest.mark.parametrize("url", ["http://localhost/logo.png", "ftp://127.0.0.1/logo.png"])
def test_hosts_not_listed_and_other_schemes_are_refused(url: str) -> None:
    assert not policy("127.0.0.1").allows(url)
    with pytest.raises(PreviewError, match="not in the --fetch-images hosts"):
        policy("127.0.0.1").fetch(url)


def test_host_names_match_exactly() -> None:
    allowed = RemoteImagePolicy.from_hosts(["CDN.example.com."])
    assert allowed.allows("https://cdn.example.com/a.png")
    assert not allowed.allows("https://example.com/a.png")
    assert not allowed.allows("https://evil-cdn.example.com/a.png")


def test_size_cap_at_the_limit_and_one_past(origin: str) -> None:
    assert len(policy("127.0.0.1").fetch(f"{origin}/at-cap.png").body) == CAP
    with pytest.raises(PreviewError, match="larger than 1000 bytes"):
        policy("127.0.0.1").fetch(f"{origin}/past-cap.png")


def test_timeout(origin: str) -> None:
    with pytest.raises(PreviewError, match=r"timed out|took longer"):
        policy("127.0.0.1").fetch(f"{origin}/slow.png")


def test_only_images(origin: str) -> None:
    with pytest.raises(PreviewError, match="text/html, not an image"):
        policy("127.0.0.1").fetch(f"{origin}/page.html")


def test_redirect_to_a_host_not_listed_is_refused(origin: str) -> None:
    with pytest.raises(PreviewError, match=r"redirects to http://localhost:1/elsewhere\.png"):
        policy("127.0.0.1").fetch(f"{origin}/away.png")
