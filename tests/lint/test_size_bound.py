"""The cheap quoted-printable size bound lets the size rules skip encoding only when it is safe."""

from __future__ import annotations

import binascii
from pathlib import Path

import pytest

from b2bmail.lint.document import Document, qp_size_bound

CORPUS = Path(__file__).resolve().parents[2] / "../shared/research/data/email-corpus"
SAMPLES = {
    "ascii": b"<p>Hello</p>\n",
    "equals": b'<td width="600" style="a=b">' * 40,
    "accents": "<p>Été à Lyon, prix tenus — ça roule</p>\n".encode() * 30,
    "long-line": b"x" * 1000,
    "long-escaped-line": b"=" * 1000,
    "trailing-spaces": b"a  \nb\t\n. \n.\n" * 50,
    "crlf": b"<p>a</p>\r\n" * 50,
    "controls": bytes(range(256)) * 4,
    "empty": b"",
}


@pytest.mark.parametrize("data", SAMPLES.values(), ids=SAMPLES.keys())
def test_bound_is_never_below_the_real_encoded_size(data: bytes) -> None:
    exact = len(binascii.b2a_qp(data))
    assert exact <= qp_size_bound(data) <= 3 * len(data) + 200 + len(data) // 10


@pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"email corpus not found at {CORPUS} (clone shared/ beside the repo)",
)
def test_bound_holds_and_is_close_on_real_templates() -> None:
    files = sorted(CORPUS.rglob("*.html"))
    assert files
    for file in files:
        data = file.read_bytes()
        exact = len(binascii.b2a_qp(data))
        assert exact <= qp_size_bound(data) <= exact * 1.25 + 200, file


def test_a_given_size_is_used_as_is() -> None:
    doc = Document(path="m.eml", html="<p>Hi</p>", encoded_html_size=200_000)
    assert doc.encoded_html_size == 200_000
    assert not doc.encoded_size_below(100_000)
    assert doc.encoded_size_below(200_001)


def test_an_estimated_size_is_the_encoded_size() -> None:
    html = "<p>Été</p>" * 500
    doc = Document(path="t.html", html=html)
    assert doc.encoded_html_size == len(binascii.b2a_qp(html.encode("utf-8")))
