"""`b2bmail serve`: a live preview on 127.0.0.1 that rebuilds when a campaign input changes.

A watcher thread polls the modification times of the campaign's folders (campaign file,
template, segments) and rebuilds on change; every build, good or bad, bumps a generation
counter that the open page polls, so it reloads by itself. A failed build keeps the last good
one on screen under the error, with its file and line; the server keeps running.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from html import unescape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from b2bmail.errors import B2bmailError, PreviewError, os_reason
from b2bmail.i18n import _
from b2bmail.preview.darkmode import force_dark_media, invert_colours
from b2bmail.preview.devtools import PLACEHOLDER_SVG
from b2bmail.preview.model import CampaignView, sender_name
from b2bmail.preview.outlook import outlook_rules, outlook_view
from b2bmail.preview.page import app_page
from b2bmail.preview.remote import RemoteImagePolicy

HOST = "127.0.0.1"  # never another interface: the preview shows unsent customer emails
MAX_WATCHED_FILES = 5000
SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules", ".git"})
# The email in the page's iframe: no scripts even if a template sneaks one in; images only from
# this server (assets/, and remote ones through /remote-image: a placeholder unless the user
# allowed the host) or data:, so the reader's browser never contacts a remote host itself.
EMAIL_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:"
# <img src="http(s)://..."> rewritten to go through /remote-image.
REMOTE_IMG_SRC = re.compile(r"(<img\b[^>]*?\ssrc\s*=\s*)([\"'])(https?://[^\"']+)\2", re.I)
# ?view= for email.html: the simulated views (preview/darkmode.py, preview/outlook.py). In the
# reader's own browser prefers-color-scheme cannot be emulated, so "dark" rewrites the query.
VIEW_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "light": lambda html: html,
    "dark": force_dark_media,
    "dark-inverted": invert_colours,
    "outlook": outlook_view,
}
# `?images=off`: every image refused, as image-blocking clients show the email (alt text).
EMAIL_CSP_IMAGES_OFF = "default-src 'none'; img-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class BuildFailure:
    """Why the latest build failed, with the template or config location when known."""

    kind: str
    message: str
    path: str | None
    line: int | None
    hint: str | None


@dataclass(frozen=True)
class BuildState:
    """The latest build outcome; `campaign` is the last good build (kept across failures)."""

    generation: int
    campaign: CampaignView | None
    error: BuildFailure | None
    seconds: float
    good_generation: int = 0  # the generation that built `campaign`


def describe_failure(exc: Exception) -> BuildFailure:
    if isinstance(exc, B2bmailError):
        return BuildFailure(type(exc).__name__, exc.message, exc.path, exc.line, exc.hint)
    return BuildFailure(type(exc).__name__, str(exc) or type(exc).__name__, None, None, None)


def fingerprint(folders: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every file under `folders`, hidden files and caches left out."""
    seen: list[tuple[str, int, int]] = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
            for name in sorted(files):
                if name.startswith(".") or len(seen) >= MAX_WATCHED_FILES:
                    continue
                try:
                    stat = os.stat(os.path.join(root, name))
                except OSError:
                    continue  # removed between listing and stat: the next poll sees it
                seen.append((os.path.join(root, name), stat.st_mtime_ns, stat.st_size))
    return tuple(seen)


class PreviewService:
    """Builds the campaign, keeps the latest state, and rebuilds when its inputs change."""

    def __init__(
        self,
        campaign_path: Path,
        build_view: Callable[[Path], CampaignView],
        *,
        poll_interval: float = 0.5,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.campaign_path = Path(campaign_path)
        self._build_view = build_view
        self._poll_interval = poll_interval
        self._on_event = on_event or (lambda message: None)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._state = BuildState(0, None, None, 0.0, 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> BuildState:
        with self._lock:
            return self._state

    def watched_folders(self) -> tuple[Path, ...]:
        campaign = self.state.campaign
        if campaign is not None and campaign.inputs:
            return campaign.inputs
        return (self.campaign_path.resolve().parent,)

    def rebuild(self) -> BuildState:
        """Build once now; the new state (success or failure) gets the next generation."""
        started = time.monotonic()
        campaign: CampaignView | None
        try:
            campaign, error = self._build_view(self.campaign_path), None
        except Exception as exc:  # any failure is shown in the page; the server keeps running
            campaign, error = None, describe_failure(exc)
        seconds = time.monotonic() - started
        with self._changed:
            previous = self._state
            generation = previous.generation + 1
            self._state = BuildState(
                generation,
                campaign or previous.campaign,
                error,
                seconds,
                generation if campaign is not None else previous.good_generation,
            )
            self._changed.notify_all()
            state = self._state
        if error is None:
            self._on_event(
                _("build {n}: ok in {seconds} s").format(
                    n=state.generation, seconds=f"{seconds:.2f}"
                )
            )
        else:
            where = ":".join(str(p) for p in (error.path, error.line) if p is not None)
            self._on_event(
                _("build {n}: {error}").format(
                    n=state.generation,
                    error=f"{where}: {error.message}" if where else error.message,
                )
            )
        return state

    def wait_for_generation(self, after: int, timeout: float) -> int:
        """Block until a build newer than `after` exists (or `timeout`); return the generation."""
        with self._changed:
            self._changed.wait_for(lambda: self._state.generation > after, timeout=timeout)
            return self._state.generation

    def start_watching(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="b2bmail-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        last = fingerprint(self.watched_folders())
        while not self._stop.wait(self._poll_interval):
            current = fingerprint(self.watched_folders())
            if current != last:
                # Editors save in several writes: wait for the files to settle before building.
                time.sleep(min(0.1, self._poll_interval))
                self.rebuild()
                last = fingerprint(self.watched_folders())


def state_json(state: BuildState) -> dict[str, Any]:
    """The page's view of the state (documented in the README, "b2bmail serve")."""
    campaign = state.campaign
    return {
        # `does` and `support_words` are shown by the page as they stand: in the reader's
        # language; `support` stays caniemail's code.
        "outlook_rules": [
            {**asdict(rule), "does": _(rule.does), "support_words": rule.support_words}
            for rule in outlook_rules()
        ],
        "generation": state.generation,
        "good_generation": state.good_generation,
        "seconds": round(state.seconds, 3),
        "error": asdict(state.error) if state.error else None,
        "campaign": campaign.name if campaign else None,
        "segments": [
            {
                "id": seg.segment_id,
                "name": seg.segment_name,
                "from": sender_name(seg.from_addr),
                "subject": seg.subject,
                "preheader": seg.preheader,
                "snippet": seg.snippet,
                "text": seg.text,
                "html_bytes": seg.html_bytes,
                "text_bytes": seg.text_bytes,
                "problems": [
                    {
                        "code": p.code,
                        "name": p.name,
                        "severity": p.severity,
                        "message": p.message,
                        "line": p.line,
                    }
                    for p in seg.problems
                ],
            }
            for seg in (campaign.segments if campaign else ())
        ],
    }


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewHTTPServer
    server_version = "b2bmail-preview"

    def do_GET(self) -> None:
        if not self._host_is_loopback():
            # DNS rebinding: a web page whose name resolves to 127.0.0.1 could otherwise read
            # the preview (the campaign, its .eml) from the user's browser.
            self._send(b"forbidden host", "text/plain", HTTPStatus.FORBIDDEN)
            return
        url = urlsplit(self.path)
        path = unquote(url.path)
        service = self.server.service
        if path in ("/", "/index.html"):
            self._send(app_page().encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/api/state":
            self._send_json(state_json(service.state))
        elif path == "/api/generation":
            self._send_json({"generation": service.state.generation})
        elif path == "/remote-image":
            self._send_remote_image(parse_qs(url.query).get("url", [""])[0])
        elif path.startswith("/segment/"):
            query = parse_qs(url.query)
            images_off = query.get("images") == ["off"]
            view = query.get("view", ["light"])[0]
            self._send_segment_file(path.removeprefix("/segment/"), service.state, images_off, view)
        else:
            self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)

    def _host_is_loopback(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in ("127.0.0.1", "localhost", "[::1]")

    def _send_segment_file(
        self, rest: str, state: BuildState, images_off: bool, shown: str = "light"
    ) -> None:
        segment_id, _, name = rest.partition("/")
        segments = {s.segment_id: s for s in (state.campaign.segments if state.campaign else ())}
        view = segments.get(segment_id)
        if view is not None and name.startswith("assets/") and state.campaign is not None:
            self._send_asset(state.campaign.assets, name.removeprefix("assets/"))
        elif (
            view is None
            or name not in ("email.html", "email.txt", "email.eml")
            or shown not in VIEW_TRANSFORMS
        ):
            self._send(b"no such segment file", "text/plain", HTTPStatus.NOT_FOUND)
        elif name == "email.html":
            csp = EMAIL_CSP_IMAGES_OFF if images_off else EMAIL_CSP
            html = REMOTE_IMG_SRC.sub(
                lambda m: f"{m[1]}{m[2]}/remote-image?url={quote(unescape(m[3]), safe='')}{m[2]}",
                VIEW_TRANSFORMS[shown](view.html),
            )
            self._send(html.encode("utf-8"), "text/html; charset=utf-8", csp=csp)
        elif name == "email.txt":
            self._send(view.text.encode("utf-8"), "text/plain; charset=utf-8")
        else:
            self._send(view.eml, "message/rfc822", download=f"{segment_id}.eml")

    def _send_asset(self, assets: Path | None, name: str) -> None:
        """A file of the campaign's assets/ folder; nothing outside it (no `..`, no links out)."""
        if assets is not None:
            root = assets.resolve()
            target = (root / name).resolve()
            if target.is_relative_to(root) and target.is_file():
                kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                self._send(target.read_bytes(), kind)
                return
        self._send(b"no such asset", "text/plain", HTTPStatus.NOT_FOUND)

    def _send_remote_image(self, url: str) -> None:
        """The image if the user allowed its host (--fetch-images), else the placeholder."""
        policy = self.server.remote_images
        body, kind = PLACEHOLDER_SVG, "image/svg+xml"
        if policy is not None and policy.allows(url):
            with contextlib.suppress(PreviewError):
                image = policy.fetch(url)
                body, kind = image.body, image.content_type
        self._send(body, kind)

    def _send_json(self, data: dict[str, Any]) -> None:
        self._send(json.dumps(data).encode("utf-8"), "application/json")

    def _send(
        self,
        body: bytes,
        content_type: str,
        status: HTTPStatus = HTTPStatus.OK,
        *,
        csp: str | None = None,
        download: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if csp:
            self.send_header("Content-Security-Policy", csp)
        if download:
            self.send_header("Content-Disposition", f'attachment; filename="{download}"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are not news; builds are reported through `on_event`."""


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, port: int, service: PreviewService, remote_images: RemoteImagePolicy | None = None
    ) -> None:
        self.service = service
        self.remote_images = remote_images
        super().__init__((HOST, port), PreviewHandler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"


def start_preview_server(
    campaign_path: Path,
    build_view: Callable[[Path], CampaignView],
    *,
    port: int = 0,
    poll_interval: float = 0.5,
    on_event: Callable[[str], None] | None = None,
    remote_images: RemoteImagePolicy | None = None,
) -> PreviewHTTPServer:
    """Build once, start watching, and bind 127.0.0.1:`port` (0: a free port).

    The caller runs `serve_forever()` (or a thread does) and calls `close_preview_server()`.
    """
    service = PreviewService(
        campaign_path, build_view, poll_interval=poll_interval, on_event=on_event
    )
    try:
        server = PreviewHTTPServer(port, service, remote_images)
    except OSError as exc:
        raise PreviewError(
            _("cannot listen on {host}:{port} ({error})").format(
                host=HOST, port=port, error=os_reason(exc)
            ),
            hint=_("choose another port with --port, or --port 0 for a free one"),
        ) from None
    service.rebuild()
    service.start_watching()
    return server


def close_preview_server(server: PreviewHTTPServer) -> None:
    """Stop watching and release the port (call after serve_forever has returned)."""
    server.service.stop()
    server.server_close()
