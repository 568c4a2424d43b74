"""Reading files into documents: bounded sizes, MIME depth, and headers in linear time."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from b2bmail.errors import InputError
from b2bmail.lint.api import lint_message
from b2bmail.lint.sources import document_from_message, is_mjml_template, read_document

HEAD = "From: News <news@example.com>\r\nSubject: Spring\r\nMIME-Version: 1.0\r\n"
HTML_PART = 'Content-Type: text/html; charset=utf-8\r\n\r\n<p><a href="javascript:x">x</a></p>\r\n'


def nested_message(multiparts: int) -> bytes:
    """A message whose HTML part sits inside `multiparts` nested multipart/mixed entities:
    MIME depth multiparts + 1, the message itself being level 1."""
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'
        for i in range(multiparts)
    )
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(multiparts)))
    return (HEAD + opening + HTML_PART + closing).encode()


def test_mime_nesting_at_the_limit_is_linted() -> None:
    problems = lint_message(nested_message(99), "deep.eml")  # depth 100: Postfix's default
    assert "B2B602" in {p.code for p in problems}


@pytest.mark.parametrize("multiparts", [100, 600, 1500], ids=["one-past", "600", "1500"])
def test_mime_nested_past_the_limit_is_an_error(multiparts: int) -> None:
    # At 1500 levels the email package runs out of recursion (a traceback, exit 1, before).
    with pytest.raises(InputError) as caught:
        document_from_message(nested_message(multiparts), "deep.eml")
    assert caught.value.message == (
        "MIME parts nested more than 100 levels deep: too deeply nested to read"
    )
    assert caught.value.path == "deep.eml"


def test_twenty_thousand_headers_are_read_in_linear_time() -> None:
    headers = "".join(f"X-Tag-{i}: value {i}\r\n" for i in range(20_000))
    raw = (HEAD + "Subject: =?utf-8?q?Pr=C3=A9sentation?=\r\n" + headers + HTML_PART).encode()
    started = time.process_time()
    doc = document_from_message(raw, "many.eml")
    # About 0.5 s; each header's value was looked up through all of them (10 s and more).
    assert time.process_time() - started < 2
    assert len(doc.headers) == 20_004  # From, Subject, MIME-Version, the X-Tags, Content-Type
    assert doc.headers["x-tag-19999"].value == "value 19999"
    assert doc.headers["subject"].value == "Spring"  # the first Subject, as before


def test_a_repeated_header_keeps_the_first_value_decoded() -> None:
    raw = (
        "From: a@example.com\r\nSubject: =?utf-8?q?Pr=C3=A9sentation?=\r\n"
        "Subject: second\r\nTo: b@example.com\r\n" + HTML_PART
    ).encode()
    fields = [
        (f.name, f.value, f.line) for f in document_from_message(raw, "m.eml").headers.values()
    ]
    assert ("Subject", "Présentation", 2) in fields


@pytest.mark.parametrize(
    ("name", "limit", "message"),
    [
        ("big.html", 2_000_000, "the file is over 2,000,000 bytes, the most lint reads"),
        ("big.mjml", 2_000_000, "the file is over 2,000,000 bytes, the most lint reads"),
        ("big.eml", 25_000_000, "the file is over 25,000,000 bytes, the most lint reads"),
    ],
    ids=["html", "mjml", "eml"],
)
def test_a_file_one_byte_past_the_size_limit_is_refused(
    tmp_path: Path, name: str, limit: int, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"<p>x</p>" + b" " * (limit + 1 - 8))
    with pytest.raises(InputError) as caught:
        read_document(path)
    assert caught.value.message == message


def test_an_html_file_at_the_size_limit_is_linted(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    path.write_bytes(b"<p>x</p>" + b" " * (2_000_000 - 8))
    assert read_document(path).elements("p")


@pytest.mark.parametrize("name", ["big.html", "big.eml"])
def test_a_50_mb_file_is_refused_in_bounded_memory(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as file:
        file.truncate(50_000_000)  # sparse: nothing written
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="the most lint reads"):
            read_document(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Read up to the limit and one byte (2 or 25 MB), never the whole 50 MB file (1.6 GB once
    # parsed, for an HTML file).
    assert peak < 30_000_000


@pytest.mark.parametrize(
    ("source", "template"),
    [
        ("<mjml><mj-body></mj-body></mjml>", False),
        # Another tool's merge tags in a whole document: an email, linted as it stands.
        ("<mjml><mj-body><mj-text>{{ first_name }}</mj-text></mj-body></mjml>", False),
        ('{% extends "layout/base.mjml" %}{% block body %}{% endblock %}', True),
        ("{% set brand = content.brand %}<mjml><mj-body></mj-body></mjml>", True),
        ("<mj-section><mj-column></mj-column></mj-section>", True),  # a partial
    ],
    ids=["document", "merge-tags", "extends", "layout", "partial"],
)
def test_is_mjml_template(tmp_path: Path, source: str, template: bool) -> None:
    path = tmp_path / "t.mjml"
    path.write_text(source, encoding="utf-8")
    assert is_mjml_template(path) is template
