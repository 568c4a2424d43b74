"""Headless Chromium driven over the DevTools protocol, with no network beyond loopback.

One browser per run, one tab reused. Every step has a timeout, and the browser's whole process
group is killed on the way out, errors included. Emails never fetch anything remote: the host
resolver maps every name to NOTFOUND, and every request goes through `Fetch` interception, which
lets through only file:, data: and loopback URLs. Remote images are answered locally with a
neutral placeholder of their declared size (or refused, for the "images off" view).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from b2bmail.errors import PreviewError
from b2bmail.i18n import N_, _
from b2bmail.preview.devtools import STEP_TIMEOUT, DevTools
from b2bmail.preview.extra import require_preview_extra
from b2bmail.preview.remote import RemoteImagePolicy

require_preview_extra()  # the `preview` extra: one line and exit 2 without it
from websockets.exceptions import WebSocketException  # noqa: E402 - after the check
from websockets.sync.client import ClientConnection, connect  # noqa: E402

INSTALL_HINT = N_("install it with `apt-get install chromium` or set B2BMAIL_CHROMIUM to its path")
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
START_TIMEOUT = 20.0
MIN_SHOT_HEIGHT = 100

# Flags: headless, no first-run or background networking, and a resolver that answers NOTFOUND
# for every name except loopback, so nothing can leave the machine even before Fetch is enabled.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--no-pings",
    "--no-proxy-server",
    "--mute-audio",
    "--hide-scrollbars",
    "--font-render-hinting=none",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)

# Images off: `data:` images never reach Fetch, so they are pointed at a refused URL too, and
# the shot waits until every image has failed (then Chromium draws the alt text in its box).
BLOCK_INLINE_IMAGES = """
(() => {
  for (const img of document.images) {
    if (img.currentSrc.startsWith("data:") || img.srcset) {
      img.removeAttribute("srcset");
      img.src = "https://images-off.invalid/";
    }
  }
  return Promise.all([...document.images].map((img) => img.complete ? true :
    new Promise((done) => { img.onload = img.onerror = () => done(true); })));
})()
"""


def find_chromium(
    env: Mapping[str, str] | None = None, candidates: Sequence[str] = CANDIDATES
) -> str:
    """The Chromium executable: $B2BMAIL_CHROMIUM, else /usr/bin/chromium or a name on PATH."""
    environ = os.environ if env is None else env
    override = environ.get("B2BMAIL_CHROMIUM")
    if override:
        found = shutil.which(override)
        if found is None:
            raise PreviewError(
                _("B2BMAIL_CHROMIUM points to {path!r}, which is not an executable").format(
                    path=override
                ),
                hint=_(INSTALL_HINT),
            )
        return found
    for name in candidates:
        found = shutil.which(name, path=environ.get("PATH"))
        if found is not None:
            return found
    raise PreviewError(_("Chromium was not found"), hint=_(INSTALL_HINT))


class Tab:
    """The one page of a browser run: navigate, evaluate, size the viewport, capture."""

    def __init__(self, devtools: DevTools, session: str) -> None:
        self._dt = devtools
        self._session = session

    def send(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._dt.send(method, params, session=self._session)

    def wait(self, seconds: float) -> None:
        """Let the page work for `seconds`, answering its requests meanwhile."""
        self._dt.pump(seconds)

    def set_images(self, *, enabled: bool) -> None:
        """Images on (remote ones as placeholders) or off (every image refused, alt text shows)."""
        self._dt.images_blocked = not enabled

    def set_viewport(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def navigate(self, url: str, *, timeout: float = STEP_TIMEOUT) -> None:
        """Load `url` and wait for its load event (images included) and its fonts."""
        self._dt.clear_events()
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise PreviewError(
                _("Chromium could not open {url}: {error}").format(
                    url=url, error=result["errorText"]
                )
            )
        self._dt.wait_event("Page.loadEventFired", session=self._session, timeout=timeout)
        self.evaluate("document.fonts.ready.then(() => true)", await_promise=True)

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-serialisable results)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise PreviewError(_("page script failed: {error}").format(error=text))
        return result.get("result", {}).get("value")

    def content_height(self) -> int:
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
        return max(1, int(size.get("height", 1) + 0.999))

    def screenshot(self, width: int, *, max_height: int = 16000) -> bytes:
        """A full-page PNG of the loaded page at `width` CSS pixels (height: the content's)."""
        # The content size is at least the viewport's: measure with a short viewport first, so
        # a short email gets a short shot.
        self.set_viewport(width, MIN_SHOT_HEIGHT)
        height = min(self.content_height(), max_height)
        self.set_viewport(width, height)
        # A taller viewport can change the layout (100vh, min-height): measure once more.
        height = min(self.content_height(), max_height)
        self.set_viewport(width, height)
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                "captureBeyondViewport": True,
            },
        )
        return base64.b64decode(shot["data"])

    def set_colour_scheme(self, *, dark: bool) -> None:
        """Emulate the reader's system setting `prefers-color-scheme` (Media Queries 5 §12.5),
        as Apple Mail and iOS Mail pass it on to the email."""
        scheme = "dark" if dark else "light"
        self.send(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )

    def capture(self, url: str, width: int, *, images: bool = True, dark: bool = False) -> bytes:
        """Open `url` at `width` with images on or off, light or dark, and return a full-page PNG."""
        self.set_images(enabled=images)
        self.set_colour_scheme(dark=dark)
        self.set_viewport(width, 800)
        self.navigate(url)
        if not images:
            self.evaluate(BLOCK_INLINE_IMAGES, await_promise=True)
        return self.screenshot(width)


class Browser:
    """A headless Chromium process with a fresh profile; use `launch_browser()`."""

    def __init__(
        self,
        executable: str,
        *,
        timeout: float = START_TIMEOUT,
        remote_images: RemoteImagePolicy | None = None,
    ) -> None:
        self._remote_images = remote_images
        self._profile = Path(tempfile.mkdtemp(prefix="b2bmail-chromium-"))
        self._log = self._profile / "stderr.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._ws: ClientConnection | None = None
        self._stack = contextlib.ExitStack()
        self._timeout = timeout
        self._executable = executable
        self.tab: Tab

    def start(self) -> Tab:
        with open(self._log, "wb") as log:
            self._proc = subprocess.Popen(
                [
                    self._executable,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={self._profile}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,  # its own process group, killed whole in close()
            )
        ws_url = self._wait_for_endpoint()
        try:
            self._ws = self._stack.enter_context(
                connect(
                    ws_url,
                    max_size=None,
                    proxy=None,
                    open_timeout=self._timeout,
                    close_timeout=2,
                    compression=None,
                )
            )
        except (WebSocketException, OSError, TimeoutError) as exc:
            raise PreviewError(
                _("could not connect to Chromium's DevTools ({error})").format(error=exc)
            ) from exc
        devtools = DevTools(self._ws)
        devtools.remote_images = self._remote_images
        target = devtools.send("Target.createTarget", {"url": "about:blank"})
        attached = devtools.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        self.tab = Tab(devtools, attached["sessionId"])
        self.tab.send("Page.enable")
        self.tab.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        self.tab.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return self.tab

    def _wait_for_endpoint(self) -> str:
        """Chromium writes its port and browser path to DevToolsActivePort once it listens."""
        assert self._proc is not None
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise PreviewError(
                    _("Chromium exited at start (code {code}): {output}").format(
                        code=self._proc.returncode, output=self._stderr_tail()
                    ),
                    hint=_(INSTALL_HINT),
                )
            with contextlib.suppress(OSError):
                lines = port_file.read_text(encoding="ascii").split()
                if len(lines) >= 2:
                    return f"ws://127.0.0.1:{int(lines[0])}{lines[1]}"
            time.sleep(0.05)
        raise PreviewError(
            _("Chromium did not start within {seconds:.0f} s: {output}").format(
                seconds=self._timeout, output=self._stderr_tail()
            ),
            hint=_(
                "check that B2BMAIL_CHROMIUM (or chromium on PATH) is a working Chromium;"
                " on a busy machine try again"
            ),
        )

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError):
            text = self._log.read_text(encoding="utf-8", errors="replace").strip()
            return text.splitlines()[-1] if text else "no output"
        return "no output"

    def close(self) -> None:
        """Close the connection, kill the process group, remove the profile. Safe to repeat."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                self._stack.close()
            self._ws = None
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
            self._proc = None
        shutil.rmtree(self._profile, ignore_errors=True)


@contextlib.contextmanager
def launch_browser(
    executable: str | None = None, *, remote_images: RemoteImagePolicy | None = None
) -> Iterator[Tab]:
    """Start headless Chromium and yield its one tab; the browser is gone when the block ends.

    Remote images are placeholders unless `remote_images` allows their host.
    """
    browser = Browser(executable or find_chromium(), remote_images=remote_images)
    try:
        yield browser.start()
    finally:
        browser.close()
