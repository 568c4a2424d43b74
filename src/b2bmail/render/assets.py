"""Local images: `<img src="assets/…">` in a campaign, published under its `assets_url`.

An email has no base URL, so a relative `src` never loads in an inbox. A campaign that sets
`assets_url` keeps its images in its own folder (usually `assets/`) and writes them by
relative path; the build rewrites each one to `assets_url` + that path and lists the files
(size, SHA-256) in manifest.json, ready to upload. A relative `src` whose file is missing
stops the build with the template line that wrote it. Without `assets_url` nothing is
rewritten: lint reports the relative `src` (B2B404, img-relative-src).

With `assets_embed: true` the images travel in the message instead, for sending without a
web host: each `src` becomes `cid:<first 16 hex of its SHA-256>@b2bmail` (RFC 2392) and the
MIME writer adds the file as an inline part with that Content-ID (render/mime.py, RFC 2387).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from b2bmail.errors import TemplateError
from b2bmail.i18n import _
from b2bmail.render.merge import SENTINEL_RE

_IMG_SRC = re.compile(r"(<img\b[^>]*?\ssrc=)([\"'])(.*?)\2", re.I | re.S)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


@dataclass(frozen=True)
class Asset:
    """A local image the email uses: its path in the campaign folder and its public URL."""

    name: str  # the path as written, relative to the campaign folder (`assets/logo.png`)
    url: str  # the public URL, or `cid:…@b2bmail` when embedded
    size: int
    sha256: str
    data: bytes = field(default=b"", repr=False)  # the file, kept only when embedded

    @property
    def embedded(self) -> bool:
        """True when the image travels in the message as an inline CID part."""
        return self.url.startswith("cid:")

    @property
    def content_id(self) -> str:
        """The Content-ID header value, `<…@b2bmail>` (RFC 2392 §2: the `cid:` URL's id)."""
        return f"<{self.url.removeprefix('cid:')}>"


def is_local_src(src: str) -> bool:
    """True for a relative image path (not a URL, not `//host`, not a merge field)."""
    src = src.strip()
    return (
        bool(src)
        and not _SCHEME.match(src)
        and not src.startswith("//")
        and not (SENTINEL_RE.search(src) or "{{" in src)
    )


def _where_written(src: str, sources: tuple[Path, ...]) -> tuple[str, int | None]:
    """The first source file (template, campaign YAML) and line that contains `src`."""
    for file in sources:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        at = text.find(src)
        if at >= 0:
            return str(file), text.count("\n", 0, at) + 1
    return str(sources[0]) if sources else "template", None


def resolve_asset(src: str, base: Path, sources: tuple[Path, ...]) -> Path:
    """The file a relative `src` names under `base` (the campaign folder); TemplateError,
    placed at the source line that wrote it, when it is missing or leaves the folder."""
    relative = PurePosixPath(unquote(urlsplit(src).path))
    path = (base / relative).resolve()
    where, line = _where_written(src, sources)
    if not path.is_relative_to(base.resolve()):
        raise TemplateError(
            _("image {src} lies outside the campaign folder").format(src=repr(src)),
            path=where,
            line=line,
            hint=_("put the image in the campaign's assets/ folder"),
        )
    if not path.is_file():
        raise TemplateError(
            _("image {src} not found (looked for {path})").format(src=repr(src), path=path),
            path=where,
            line=line,
            hint=_("add the file under the campaign folder or fix the path"),
        )
    return path


def publish_images(
    html: str, base: Path, assets_url: str, sources: tuple[Path, ...], *, embed: bool = False
) -> tuple[str, tuple[Asset, ...]]:
    """Rewrite each relative `<img src>` to `assets_url` + its path (relative to `base`, the
    campaign folder), or with `embed` to a `cid:` URL, and return the HTML and the files
    used, in order of first use."""
    found: dict[str, Asset] = {}

    def fix(m: re.Match[str]) -> str:
        src = html_lib.unescape(m.group(3)).strip()
        if not is_local_src(src):
            return m.group(0)
        path = resolve_asset(src, base, sources)
        name = path.relative_to(base.resolve()).as_posix()
        if name not in found:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if embed:
                # Same bytes, same id: two names for one file share one part.
                found[name] = Asset(name, f"cid:{digest[:16]}@b2bmail", len(data), digest, data)
            else:
                found[name] = Asset(name, assets_url + quote(name), len(data), digest)
        return f"{m.group(1)}{m.group(2)}{html_lib.escape(found[name].url)}{m.group(2)}"

    return _IMG_SRC.sub(fix, html), tuple(found.values())
