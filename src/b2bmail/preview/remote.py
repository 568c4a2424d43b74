"""Remote images, fetched only when the user asks: an allow-list of hosts, a timeout, a size cap.

By default the preview fetches nothing (remote images are placeholders). With `--fetch-images
HOST`, an image whose URL names an allowed host is fetched here in Python, not by the browser,
so the one place that decides is this module: plain http(s) on the allowed hosts only (a
redirect to another host is refused), no proxy, `timeout` seconds for the whole answer,
at most `max_bytes`, and an `image/*` answer only. Anything else is a placeholder.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import urlsplit

from b2bmail.errors import PreviewError
from b2bmail.i18n import _

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024  # larger than any sensible email image (most are < 200 KB)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchedImage:
    """An image fetched from an allowed host."""

    body: bytes
    content_type: str


def _host(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return ""
    return (parts.hostname or "").lower()


@dataclass(frozen=True)
class RemoteImagePolicy:
    """Which remote images may be fetched, and within which limits."""

    hosts: frozenset[str]
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_hosts(cls, hosts: Iterable[str], **limits: Any) -> RemoteImagePolicy:
        """A policy for `hosts` (exact names: `cdn.example.com` does not allow `example.com`)."""
        names = frozenset(host.strip().lower().rstrip(".") for host in hosts if host.strip())
        return cls(names, **limits)

    def allows(self, url: str) -> bool:
        return _host(url) in self.hosts

    def fetch(self, url: str) -> FetchedImage:
        """The image at `url`, or PreviewError saying why not (the caller shows a placeholder)."""
        if not self.allows(url):
            raise PreviewError(
                _("{host} is not in the --fetch-images hosts").format(host=_host(url) or url)
            )
        policy = self

        class SameHostsRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(
                self,
                req: urllib.request.Request,
                fp: IO[bytes],
                code: int,
                msg: str,
                headers: HTTPMessage,
                newurl: str,
            ) -> urllib.request.Request | None:
                if not policy.allows(newurl):
                    raise PreviewError(
                        _("{url} redirects to {target}, not an allowed host").format(
                            url=url, target=newurl
                        )
                    )
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), SameHostsRedirect)
        deadline = time.monotonic() + self.timeout
        try:
            with opener.open(url, timeout=self.timeout) as response:
                content_type = response.headers.get_content_type()
                if not content_type.startswith("image/"):
                    raise PreviewError(
                        _("{url} is {type}, not an image").format(url=url, type=content_type)
                    )
                body = b""
                while chunk := response.read(CHUNK):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise PreviewError(
                            _("{url} is larger than {limit} bytes").format(
                                url=url, limit=self.max_bytes
                            )
                        )
                    if time.monotonic() > deadline:
                        raise PreviewError(
                            _("{url} took longer than {seconds:g} s").format(
                                url=url, seconds=self.timeout
                            )
                        )
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PreviewError(
                _("could not fetch {url} ({error})").format(url=url, error=exc)
            ) from None
        return FetchedImage(body, content_type)
