import pytest

from b2bmail.render.inline import add_utm, inline_css, pad_preheader, tag_links

UTM = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "été 2026"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://a.example/",
            "https://a.example/?utm_source=newsletter&utm_medium=email&utm_campaign=%C3%A9t%C3%A9+2026",
        ),
        (
            "https://a.example/p?x=1#frag",
            "https://a.example/p?x=1&utm_source=newsletter&utm_medium=email&utm_campaign=%C3%A9t%C3%A9+2026#frag",
        ),
        (
            "https://a.example/?utm_source=partner",
            "https://a.example/?utm_source=partner&utm_medium=email&utm_campaign=%C3%A9t%C3%A9+2026",
        ),
        ("mailto:a@b.example", "mailto:a@b.example"),
        ("tel:+33100000000", "tel:+33100000000"),
    ],
    ids=["plain", "query-and-fragment", "keeps-existing-utm", "mailto", "tel"],
)
def test_add_utm(url: str, expected: str) -> None:
    assert add_utm(url, UTM) == expected


def test_tag_links_skips_unsubscribe_and_handles_escaped_ampersands() -> None:
    html = (
        '<a href="https://u.example/u/t">unsub</a>'
        '<a href="https://a.example/?a=1&amp;b=2">x</a>'
        '<!--[if mso]><v:roundrect href="https://b.example/">y</v:roundrect><![endif]-->'
    )
    out = tag_links(html, {"utm_source": "nl"}, skip=frozenset({"https://u.example/u/t"}))
    assert out == (
        '<a href="https://u.example/u/t">unsub</a>'
        '<a href="https://a.example/?a=1&amp;b=2&amp;utm_source=nl">x</a>'
        '<!--[if mso]><v:roundrect href="https://b.example/?utm_source=nl">y</v:roundrect><![endif]-->'
    )


def test_inline_keeps_media_queries_and_stays_offline() -> None:
    html = (
        "<html><head><style>p{color:#111111} @media only screen and (max-width:480px){p{color:#222222}}</style>"
        '<link rel="stylesheet" href="https://cdn.example/x.css"></head><body><p>Hi</p></body></html>'
    )
    out = inline_css(html)
    assert '<p style="color:#111">Hi</p>' in out
    assert "@media only screen and (max-width: 480px)" in out
    # Not fetched (no network in tests either): the link is left as written; our MJML check
    # refuses external stylesheets before this stage.
    assert 'href="https://cdn.example/x.css"' in out


def test_inlining_keeps_the_pixel_width_of_images() -> None:
    # premailer would copy `width:100%` from the style into the attribute, and Outlook for
    # Windows would then draw the image at its file size: MJML's attributes are kept.
    html = (
        "<html><head><style>img { border: 0; }</style></head><body>"
        '<img src="https://a.example/p.jpg" alt="p" width="552" height="310"'
        ' style="width:100%;height:310px"></body></html>'
    )
    out = inline_css(html)
    assert 'width="552"' in out and 'height="310"' in out


def test_inlining_keeps_a_standards_mode_doctype() -> None:
    # MJML writes `<!doctype html>`; premailer's lxml round trip dropped it (quirks mode in
    # Apple Mail, Outlook for Mac and the preview). HTML Living Standard §13.1.1.
    out = inline_css(
        "<!doctype html><html><head><style>p{color:#111111}</style></head><body><p>Hi</p></body></html>"
    )
    assert out.startswith("<!DOCTYPE html>\n<html")
    assert out.lower().count("<!doctype") == 1


def test_inlining_adds_the_doctype_to_html_without_one() -> None:
    assert inline_css("<html><body><p>Hi</p></body></html>").startswith("<!DOCTYPE html>\n<html")


PREHEADER_DIV = '<div style="display:none;max-height:0px;overflow:hidden;">Prix gelés.</div>'


def test_pad_preheader_puts_hidden_filler_after_the_preheader() -> None:
    html = f'<html><body style="margin:0">\n{PREHEADER_DIV}\n<p>Bonjour</p></body></html>'
    out = pad_preheader(html)
    filler = out.partition(PREHEADER_DIV)[2].partition("<p>Bonjour")[0]
    assert filler.startswith('\n<div style="display:none;') and filler.endswith("</div>\n")
    assert "mso-hide:all" in filler
    # Inbox snippets show about 140 characters: the filler alone is longer than that.
    assert filler.count("&zwnj;&nbsp;") * 2 >= 140
    assert out.endswith("\n<p>Bonjour</p></body></html>")


def test_pad_preheader_leaves_html_without_a_preheader_alone() -> None:
    html = "<html><body><div>Visible</div><p>Bonjour</p></body></html>"
    assert pad_preheader(html) == html
