"""The unsubscribe endpoint under a real WSGI server (wsgiref) on 127.0.0.1."""

from __future__ import annotations

import http.client
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from b2bmail.errors import ConfigError
from b2bmail.personalize.tokens import MissingSecretError
from b2bmail.recipients.addresses import classify_address
from b2bmail.recipients.buckets import load_suppressions
from b2bmail.unsubscribe import SuppressionStore, create_app, export_suppressions

# Known tokens for the secret "s3cret", computed outside b2bmail (see
# tests/personalize/test_build.py: openssl dgst -sha256 -hmac s3cret, first 16 bytes,
# URL-safe base64 without padding).
SECRET = {"B2BMAIL_UNSUBSCRIBE_SECRET": "s3cret"}
ANNE = "anne@acme.example"
ANNE_TOKEN = "UWtdpJ8INcFM7mP3h3Wzcg"
ONE_CLICK = b"List-Unsubscribe=One-Click"  # RFC 8058 §3.1


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WSGIServer]:
    clock = iter(datetime(2026, 7, 1, 9, minute, tzinfo=UTC) for minute in range(60))
    store = tmp_path / "optout.sqlite"
    app = create_app(store, lang="fr", environ=SECRET, now=lambda: next(clock))
    with make_server("127.0.0.1", 0, app, handler_class=Quiet) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield httpd
        httpd.shutdown()
        thread.join()


def request(
    server: WSGIServer, method: str, path: str, body: bytes | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8")
    conn.close()
    return response.status, dict(response.getheaders()), text


def rows(tmp_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "optout.sqlite") as db:
        return db.execute("SELECT * FROM suppressions").fetchall()


def test_one_click_post_records_and_a_replay_changes_nothing(
    server: WSGIServer, tmp_path: Path
) -> None:
    path = f"/desinscription/{ANNE_TOKEN}?e=Anne%40ACME.example"  # as typed in the list
    status, headers, text = request(server, "POST", path, ONE_CLICK)
    assert status == 200  # RFC 8058 §3.2: never a redirect
    assert "Location" not in headers
    assert "<strong>Anne@acme.example</strong> est désabonnée" in text  # domain normalised
    first = rows(tmp_path)
    assert first == [(ANNE, "Anne@acme.example", "2026-07-01T09:00:00+00:00")]
    again = request(server, "POST", path, ONE_CLICK)
    assert (again[0], again[2]) == (status, text)  # idempotent: same answer
    assert rows(tmp_path) == first  # and the first time is kept


@pytest.mark.parametrize(
    "path",
    [
        f"/u/{ANNE_TOKEN}?e=bob%40acme.example",  # Anne's token on Bob's address
        f"/u/{ANNE_TOKEN[:-1]}A?e={ANNE}",  # one character changed
        f"/u/{ANNE_TOKEN}",  # no address
        f"/u/?e={ANNE}",  # no token
        f"/u/{ANNE_TOKEN}?e={ANNE}&e=bob%40acme.example",  # two addresses
        f"/u/{ANNE_TOKEN}?e=not-an-address",
    ],
    ids=["other-address", "altered", "no-address", "no-token", "two-addresses", "bad-address"],
)
def test_forged_links_are_refused_and_record_nothing(
    server: WSGIServer, tmp_path: Path, path: str
) -> None:
    status, _, text = request(server, "POST", path, ONE_CLICK)
    assert status == 403
    assert "Ce lien de désabonnement n'est pas valide" in text
    assert rows(tmp_path) == []


def test_get_shows_a_confirmation_form_and_records_nothing(
    server: WSGIServer, tmp_path: Path
) -> None:
    status, headers, text = request(server, "GET", f"/u/{ANNE_TOKEN}?e={ANNE}")
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    assert '<html lang="fr">' in text
    assert '<form method="post" action="">' in text
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in text
    assert rows(tmp_path) == []  # RFC 8058: link scanners GET; only a POST unsubscribes


def test_other_methods_are_not_allowed(server: WSGIServer) -> None:
    status, headers, _ = request(server, "PUT", f"/u/{ANNE_TOKEN}?e={ANNE}", b"")
    assert (status, headers["Allow"]) == (405, "GET, POST")


def test_address_in_the_page_is_escaped(tmp_path: Path) -> None:
    from b2bmail.unsubscribe.pages import confirm_page

    assert b"&lt;b&gt;x@y.example" in confirm_page("en", "<b>x@y.example")


def test_no_secret_no_endpoint(tmp_path: Path) -> None:
    with pytest.raises(MissingSecretError):
        create_app(tmp_path / "s.sqlite", environ={"B2BMAIL_UNSUBSCRIBE_SECRET": ""})


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no unsubscribe pages in 'es'"):
        create_app(tmp_path / "s.sqlite", lang="es", environ=SECRET)


def test_export_is_read_by_the_suppression_reader(server: WSGIServer, tmp_path: Path) -> None:
    request(server, "POST", f"/u/{ANNE_TOKEN}?e=Anne%40ACME.example", ONE_CLICK)
    out = tmp_path / "optout.csv"
    assert export_suppressions(SuppressionStore(tmp_path / "optout.sqlite"), out) == 1
    assert out.read_text(encoding="utf-8") == (
        "email,unsubscribed_at\nanne@acme.example,2026-07-01T09:00:00+00:00\n"
    )
    suppressions = load_suppressions([out])
    assert suppressions.match(classify_address("ANNE@acme.example")) == (
        "address listed in optout.csv:2"
    )


@pytest.mark.parametrize(
    ("example", "lang"), [("heavy-equipment", "fr"), ("warmtepompen-nl", "nl")]
)
def test_campaign_language_from_its_locale(example: str, lang: str) -> None:
    from b2bmail.unsubscribe import campaign_language

    root = Path(__file__).resolve().parents[2]
    assert campaign_language(root / "examples" / example / "campaign.yaml") == lang
