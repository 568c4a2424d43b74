"""Fetching remote images on request: allow-list, redirects, timeout and size cap, on loopback."""

from __future__ import annotations

import pytest
from tests.preview.conftest import CAP

from b2bmail.errors import PreviewError
from b2bmail.preview.remote import RemoteImagePolicy


def policy(*hosts: str) -> RemoteImagePolicy:
    return RemoteImagePolicy.from_hosts(hosts, timeout=0.5, max_bytes=CAP)


def test_an_allowed_host_is_fetched(image_origin: str) -> None:
    image = policy("127.0.0.1").fetch(f"{image_origin}/logo.png")
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


def test_size_cap_at_the_limit_and_one_past(image_origin: str) -> None:
    assert len(policy("127.0.0.1").fetch(f"{image_origin}/at-cap.png").body) == CAP
    with pytest.raises(PreviewError, match="larger than 1000 bytes"):
        policy("127.0.0.1").fetch(f"{image_origin}/past-cap.png")


def test_timeout(image_origin: str) -> None:
    with pytest.raises(PreviewError, match=r"timed out|took longer"):
        policy("127.0.0.1").fetch(f"{image_origin}/slow.png")


def test_only_images(image_origin: str) -> None:
    with pytest.raises(PreviewError, match="text/html, not an image"):
        policy("127.0.0.1").fetch(f"{image_origin}/page.html")


def test_redirect_to_a_host_not_listed_is_refused(image_origin: str) -> None:
    with pytest.raises(PreviewError, match=r"redirects to http://localhost:1/elsewhere\.png"):
        policy("127.0.0.1").fetch(f"{image_origin}/away.png")
