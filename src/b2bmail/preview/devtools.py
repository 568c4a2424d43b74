"""The DevTools protocol over one websocket, and the rule for what a page may load.

Commands wait for their reply; events are queued for whoever waits on them. Requests the page
makes arrive as `Fetch.requestPaused` events and are answered at once: loopback and local
files go through, remote images get a local placeholder (or are refused when images are off;
or are fetched in Python when the user allowed their host, see preview/remote.py), everything
else is refused. Nothing leaves the machine.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from b2bmail.errors import PreviewError
from b2bmail.i18n import _
from b2bmail.preview.extra import require_preview_extra
from b2bmail.preview.remote import RemoteImagePolicy

require_preview_extra()  # the `preview` extra: one line and exit 2 without it
from websockets.exceptions import WebSocketException  # noqa: E402 - after the check
from websockets.sync.client import ClientConnection  # noqa: E402

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
STEP_TIMEOUT = 20.0

# A remote image in "images on" mode: a light grey box with a picture glyph, stretched to the
# size the email declares for it, so the layout shows exactly where images go.
PLACEHOLDER_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300" '
    b'preserveAspectRatio="xMidYMid slice">'
    b'<rect width="600" height="300" fill="#dfe3e8"/>'
    b'<g fill="#c3c9d1"><circle cx="262" cy="128" r="14"/>'
    b'<path d="M236 184 L276 144 L300 166 L322 140 L364 184 Z"/></g>'
    b"</svg>"
)


def is_local_url(url: str) -> bool:
    """True for URLs that stay on this machine: file:, data:, about:, blob: and loopback http."""
    parts = urlsplit(url)
    if parts.scheme in {"file", "data", "about", "blob"}:
        return True
    return parts.scheme in {"http", "https", "ws"} and (parts.hostname or "") in LOOPBACK_HOSTS


class DevTools:
    """A DevTools protocol connection: commands wait for their reply, events are queued."""

    def __init__(self, ws: ClientConnection, timeout: float = STEP_TIMEOUT) -> None:
        self._ws = ws
        self._timeout = timeout
        self._ids = itertools.count(1)
        self._events: deque[dict[str, Any]] = deque()
        self.images_blocked = False
        self.remote_images: RemoteImagePolicy | None = None  # None: fetch nothing

    def send(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and return its result, handling events that arrive meanwhile."""
        msg_id = self._post(method, params, session)
        deadline = time.monotonic() + (timeout or self._timeout)
        while True:
            message = self._receive(deadline, method)
            if message.get("id") == msg_id:
                if "error" in message:
                    error = message["error"]
                    raise PreviewError(
                        _("Chromium refused {method}: {error}").format(
                            method=method, error=error.get("message", error)
                        ),
                        hint=_('see the manual, "Previewing a campaign"'),
                    )
                result: dict[str, Any] = message.get("result", {})
                return result
            self._queue(message)

    def wait_event(
        self, method: str, *, session: str | None = None, timeout: float | None = None
    ) -> dict[str, Any]:
        """Wait for the next event named `method` (from `session`) and return its params."""
        for event in list(self._events):
            if event.get("method") == method and event.get("sessionId") == session:
                self._events.remove(event)
                return dict(event.get("params", {}))
        deadline = time.monotonic() + (timeout or self._timeout)
        while True:
            message = self._receive(deadline, method)
            if message.get("method") == method and message.get("sessionId") == session:
                return dict(message.get("params", {}))
            self._queue(message)

    def pump(self, seconds: float) -> None:
        """Handle whatever arrives for `seconds` (intercepted requests wait for an answer)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self._queue(self._receive(deadline, "events"))
            except PreviewError:
                if time.monotonic() < deadline:
                    raise

    def clear_events(self) -> None:
        self._events.clear()

    def _post(self, method: str, params: Mapping[str, Any] | None, session: str | None) -> int:
        msg_id = next(self._ids)
        payload: dict[str, Any] = {"id": msg_id, "method": method, "params": dict(params or {})}
        if session is not None:
            payload["sessionId"] = session
        try:
            self._ws.send(json.dumps(payload))
        except (WebSocketException, OSError) as exc:
            raise PreviewError(
                _("lost the connection to Chromium ({error})").format(error=exc)
            ) from exc
        return msg_id

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PreviewError(
                _("Chromium did not answer {method} in time").format(method=waiting_for)
            )
        try:
            raw = self._ws.recv(timeout=remaining)
        except TimeoutError as exc:
            raise PreviewError(
                _("Chromium did not answer {method} in time").format(method=waiting_for)
            ) from exc
        except (WebSocketException, OSError) as exc:
            raise PreviewError(
                _("lost the connection to Chromium ({error})").format(error=exc)
            ) from exc
        message: dict[str, Any] = json.loads(raw)
        return message

    def _queue(self, message: dict[str, Any]) -> None:
        if message.get("method") == "Fetch.requestPaused":
            self._answer_request(message["params"], message.get("sessionId"))
        elif "method" in message:
            self._events.append(message)
        # Replies to fire-and-forget commands (the Fetch answers) need no handling.

    def _answer_request(self, params: Mapping[str, Any], session: str | None) -> None:
        """Decide one intercepted request: let loopback through, answer or refuse the rest."""
        request_id = params["requestId"]
        url = str(params.get("request", {}).get("url", ""))
        is_image = params.get("resourceType") == "Image"
        if is_image and self.images_blocked:
            self._post(
                "Fetch.failRequest",
                {"requestId": request_id, "errorReason": "BlockedByClient"},
                session,
            )
        elif is_local_url(url):
            self._post("Fetch.continueRequest", {"requestId": request_id}, session)
        elif is_image:
            body, content_type = PLACEHOLDER_SVG, "image/svg+xml"
            if self.remote_images is not None and self.remote_images.allows(url):
                with contextlib.suppress(PreviewError):  # not fetched: the placeholder shows
                    image = self.remote_images.fetch(url)
                    body, content_type = image.body, image.content_type
            self._post(
                "Fetch.fulfillRequest",
                {
                    "requestId": request_id,
                    "responseCode": 200,
                    "responseHeaders": [{"name": "Content-Type", "value": content_type}],
                    "body": base64.b64encode(body).decode("ascii"),
                },
                session,
            )
        else:
            self._post(
                "Fetch.failRequest",
                {"requestId": request_id, "errorReason": "BlockedByClient"},
                session,
            )
