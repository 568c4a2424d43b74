"""From a per-recipient build to the endpoint and back: the List-Unsubscribe URL of a real
message unsubscribes its recipient (a `+` address included), and the export suppresses the
row in the next build."""

from __future__ import annotations

import io
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults

from tests.render.test_merge_urls import CAMPAIGN, SEGMENTS

from b2bmail.personalize.build import build_per_recipient
from b2bmail.unsubscribe import SuppressionStore, create_app, export_suppressions

ENV = {"B2BMAIL_UNSUBSCRIBE_SECRET": "round-trip"}
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text><p>Bonjour {{ recipient.company }}</p><p><a href="{{ unsubscribe_url }}">Se désinscrire</a></p></mj-text>
</mj-column></mj-section></mj-body></mjml>
"""


def post(app: object, url: str) -> str:
    parts = urlsplit(url)
    environ: dict[str, object] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "CONTENT_LENGTH": "26",
        "wsgi.input": io.BytesIO(b"List-Unsubscribe=One-Click"),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    app(environ, lambda status, headers: statuses.append(status))  # type: ignore[operator]
    return statuses[0]


def test_the_list_unsubscribe_url_of_a_built_message_unsubscribes(tmp_path: Path) -> None:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (tmp_path / "list.csv").write_text(
        "email;company\nAnne+News@ACME.example;Acme\nbob@acme.example;Acme\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    build_per_recipient(tmp_path / "campaign.yaml", tmp_path / "list.csv", out_dir=out, environ=ENV)
    eml = next(p for p in out.rglob("*.eml") if "anne" in p.name.lower())
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    https = next(
        u.strip("<> ")
        for u in str(message["List-Unsubscribe"]).split(",")
        if u.strip().startswith("<https:")
    )
    app = create_app(tmp_path / "optout.sqlite", lang="fr", environ=ENV)
    assert https.endswith("?e=Anne%2BNews%40acme.example")  # `+` encoded (RFC 3986 §2.1)
    assert post(app, https) == "200 OK"
    forged = https.replace("Anne%2BNews%40acme", "bob%40acme")  # Anne's token, Bob's address
    assert post(app, forged) == "403 Forbidden"
    export_suppressions(SuppressionStore(tmp_path / "optout.sqlite"), tmp_path / "optout.csv")
    report = build_per_recipient(
        tmp_path / "campaign.yaml",
        tmp_path / "list.csv",
        out_dir=tmp_path / "again",
        suppress=[tmp_path / "optout.csv"],
        environ=ENV,
    )
    assert (report.messages, report.buckets.get("suppressed")) == (1, 1)
