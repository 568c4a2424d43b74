"""Images: alt text, dimensions, sources, and emails that are mostly images."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from b2bmail.i18n import _
from b2bmail.lint.css import parse_px
from b2bmail.lint.document import Document, Element
from b2bmail.lint.problem import Hit
from b2bmail.lint.rule import rule
from b2bmail.lint.rules._shared import is_template_value


def _src(el: Element) -> str:
    return (el.get("src") or "").strip()


@rule("B2B401", "img-missing-alt", "error")
def img_missing_alt(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an `<img>` without an `alt` attribute (`alt=""` is right for a decorative image).

    Why it matters:
        Outlook and most corporate clients block images by default: the alt text is all the
        reader sees, and screen readers read the file name without it.

    Example:
        <img src="https://example.com/logo.png" width="120" height="40">

    Use instead:
        <img src="https://example.com/logo.png" width="120" height="40" alt="Acme Machines">
    """
    for el in doc.elements("img"):
        if el.get("alt") is None:
            yield doc.hit(
                el,
                _('image {src} has no alt text — describe it, or alt="" if decorative').format(
                    src=_src(el) or _("(no src)")
                ),
            )


@rule("B2B402", "img-missing-dimensions", "warning")
def img_missing_dimensions(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an `<img>` without a numeric `width` or `height` attribute.

    Why it matters:
        Outlook for Windows shows images at their file size without a width attribute, and
        with images blocked the layout jumps when they have no size.

    Example:
        <img src="https://example.com/hero.jpg" alt="New excavator">

    Use instead:
        <img src="https://example.com/hero.jpg" alt="New excavator" width="600" height="300" style="width:100%;max-width:600px;height:auto">
    """
    for el in doc.elements("img"):
        missing = [a for a in ("width", "height") if parse_px(el.get(a) or "") is None]
        if missing:
            if len(missing) == 2:
                message = _("image has no width or height attribute — set both in pixels")
            else:
                message = _("image has no {attribute} attribute — set both in pixels").format(
                    attribute=missing[0]
                )
            yield doc.hit(el, message)


@rule("B2B403", "img-insecure-src", "warning")
def img_insecure(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an image loaded over `http://`.

    Why it matters:
        Gmail's image proxy and many clients block or warn about insecure images, and
        corporate proxies may strip them.

    Example:
        <img src="http://example.com/logo.png" alt="Acme" width="120" height="40">

    Use instead:
        <img src="https://example.com/logo.png" alt="Acme" width="120" height="40">
    """
    for el in doc.elements("img"):
        if _src(el).lower().startswith("http://"):
            yield doc.hit(
                el, _("image {src} is loaded over http:// — use https://").format(src=_src(el))
            )


@rule("B2B404", "img-relative-src", "error")
def img_relative(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an image whose `src` is empty or relative (not http(s)://, cid: or data:).

    Why it matters:
        An email has no base URL: a relative image never loads.

    Example:
        <img src="images/logo.png" alt="Acme" width="120" height="40">

    Use instead:
        <img src="https://example.com/images/logo.png" alt="Acme" width="120" height="40">
    """
    for el in doc.elements("img"):
        src = _src(el)
        if is_template_value(src):
            continue
        if not src.lower().startswith(("http://", "https://", "cid:", "data:")):
            yield doc.hit(
                el,
                _("image src {src!r} is relative or empty — use an absolute https:// URL").format(
                    src=src
                ),
            )


@rule("B2B405", "img-base64", "warning")
def img_base64(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an image embedded as a `data:` URI.

    Why it matters:
        Gmail and Outlook.com do not show data: images, and they inflate the message towards
        Gmail's clipping point.

    Example:
        <img src="data:image/png;base64,iVBORw0KGgo=" alt="Dot" width="1" height="1">

    Use instead:
        <img src="https://example.com/dot.png" alt="Dot" width="1" height="1">
    """
    for el in doc.elements("img"):
        src = _src(el)
        if src.lower().startswith("data:"):
            yield doc.hit(
                el,
                _("image is embedded as a data: URI ({size} KB) — host it over https://").format(
                    size=len(src) // 1024
                ),
            )


@rule("B2B406", "image-heavy", "warning", {"min-words-per-image": 20})
def image_heavy(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an email made only of images, or with fewer than `min-words-per-image` (20)
        words of text per content image (images over 2 px).

    Why it matters:
        With images blocked (Outlook's default) the reader sees an empty email, and spam
        filters score image-heavy, text-light mail.

    Example:
        <html><body><img src="https://example.com/offer.jpg" alt="Spring offer" width="600" height="800"></body></html>

    Use instead:
        <html><body><img src="https://example.com/offer.jpg" alt="Spring offer" width="600" height="300"><p>Our spring catalogue has forty machines at new prices, valid until the end of May. Book a demo and we will bring one to your site.</p></body></html>
    """
    images = [
        el
        for el in doc.elements("img")
        if not all((parse_px(el.get(a) or "") or 99) <= 2 for a in ("width", "height"))
    ]
    if not images:
        return
    words = doc.word_count
    if words == 0:
        yield doc.hit(images[0], _("the email is only images — add the message as live text"))
    elif words < t["min-words-per-image"] * len(images):
        yield doc.hit(
            images[0],
            _(
                "{words} words of text for {images} images — add live text "
                "(about {limit:g} words per image)"
            ).format(words=words, images=len(images), limit=t["min-words-per-image"]),
        )


def _image_bytes(doc: Document, src: str) -> int | None:
    """Bytes of an image when known: a `data:` URI's payload, or a local file's size that
    the build handed over (`image_sizes`, by published URL). None for a remote image."""
    if src.lower().startswith("data:"):
        meta, _, payload = src.partition(",")
        return len(payload) * 3 // 4 if meta.lower().endswith(";base64") else len(payload)
    return doc.image_sizes.get(src)


@rule("B2B407", "image-too-heavy", "warning", {"max-image-kb": 200, "max-images-kb": 800})
def image_too_heavy(doc: Document, t: Mapping[str, float]) -> Iterator[Hit]:
    """What it does:
        Flags an image over `max-image-kb` (200 KB), and the email when its images together
        are over `max-images-kb` (800 KB). Sizes are known for `data:` images and for the
        campaign's local images (`assets_url`), whose files the build reads; remote images
        are not fetched.

    Why it matters:
        Most B2B mail is first opened on a phone, often on mobile data: a heavy image loads
        slowly or not at all, and the reader sees its alt text or an empty box.

    Example:
        # with thresholds: max-image-kb=0.01
        <img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4AWP4DwABAQEAGwqycwAAAABJRU5ErkJggg==" alt="Dot" width="1" height="1">

    Use instead:
        <img src="https://example.com/dot.png" alt="Dot" width="1" height="1">
    """
    seen: dict[str, int] = {}
    for el in doc.elements("img"):
        src = _src(el)
        if src in seen:
            continue
        size = _image_bytes(doc, src)
        if size is None:
            continue
        seen[src] = size
        if size > t["max-image-kb"] * 1024:
            yield doc.hit(
                el,
                _(
                    "image is {size:.0f} KB, over {limit:g} KB — compress it or make it smaller"
                ).format(size=size / 1024, limit=t["max-image-kb"]),
            )
    total = sum(seen.values())
    if total > t["max-images-kb"] * 1024:
        yield doc.hit_document(
            _(
                "images weigh {size:.0f} KB together, over {limit:g} KB — "
                "use fewer or lighter images"
            ).format(size=total / 1024, limit=t["max-images-kb"])
        )


RULES = (
    img_missing_alt,
    img_missing_dimensions,
    img_insecure,
    img_relative,
    img_base64,
    image_heavy,
    image_too_heavy,
)
