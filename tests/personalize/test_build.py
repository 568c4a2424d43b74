"""Per-recipient builds end to end: a tiny campaign, a list, every message parsed back."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mailbox
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from tests.render.eml_checks import assert_crlf
from tests.render.reference_mime import build_message

from b2bmail.errors import InputError
from b2bmail.personalize.build import build_per_recipient
from b2bmail.personalize.message import PersonalizedMessage
from b2bmail.personalize.tokens import (
    SECRET_ENV,
    MissingSecretError,
    TokenKey,
    token_key,
    token_matches,
    unsubscribe_token,
)
from b2bmail.personalize.write import mbox_entry, write_messages
from b2bmail.render.compile import CompiledEmail
from b2bmail.render.merge import MergeField, MergeTemplate
from b2bmail.render.mime import clean_value, cleaning_notes

CAMPAIGN = """\
name: Test campaign
locale: fr_FR
sender: {from: "Équipements Durand <news@durand.example>"}
subject: "{{ recipient.first_name | fallback('Bonjour') }}, nouveautés pour {{ recipient.company }}"
preheader: "Pour {{ recipient.company | fallback('vous') }}"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}", mailto: "unsub@durand.example"}
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
"""
TEMPLATE = """\
<mjml>
  <mj-head><mj-preview>{{ preheader }}</mj-preview></mj-head>
  <mj-body>
    <mj-section><mj-column>
      <mj-text>Bonjour {{ recipient.first_name | fallback("Madame, Monsieur") }} de {{ recipient.company }}</mj-text>
      <mj-button href="{{ unsubscribe_url }}">Se désinscrire</mj-button>
    </mj-column></mj-section>
  </mj-body>
</mjml>
"""
SEGMENTS = """\
segments:
  - id: mines
    name: Mines
    priority: 10
    rule: {field: sector, equals: mines}
  - id: autres
    name: Autres
    priority: 0
"""
LIST = (
    "email;prénom;société;secteur\n"
    "anne@acme.example;Anne;Acmé <SA>;mines\n"  # 2
    "bob@acme.example;{{ 7*7 }};B&B;btp\n"  # 3: template injection stays text
    '"eve@acme.example";"Eve\r\nBcc: victim@evil.example";"Evil\nX-Hdr: 1";mines\n'  # lines 4-6
    "nocompany@acme.example;Paul;;btp\n"  # 7: company has no fallback in the subject
    ";;;\n"  # 8: blank
    "ANNE@acme.example;Anne;Acme;mines\n"  # 9: duplicate
    "pas-une-adresse;X;Y;mines\n"  # 10: invalid
    "zoé@société.example;Zoé;Société Zoé;btp\n"  # 11: non-ASCII local part
    "jean@société.example;;Société;btp\n"  # 12: IDN domain, first name falls back
)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    assert msg.defects == [] and all(part.defects == [] for part in msg.walk())
    return msg


def texts(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def tiny_compiled(
    *, subject: MergeTemplate, html: MergeTemplate, text: MergeTemplate
) -> CompiledEmail:
    """A compiled email with the given subject and bodies, no preheader, no mailto."""
    return CompiledEmail(
        segment_id="s",
        segment_name="S",
        subject=subject,
        preheader=MergeTemplate(("",)),
        html=html,
        text=text,
        from_addr="news@durand.example",
        reply_to=None,
        list_id="Durand <news.durand.example>",
        unsubscribe_url=MergeTemplate(("https://durand.example/u/t",)),
        unsubscribe_mailto=None,
        message_id_domain="durand.example",
        locale="fr_FR",
    )


def test_every_recipient_gets_a_parsable_message(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {SECRET_ENV: "s3cret"}
    report = build_per_recipient(campaign, tmp_path / "list.csv", out_dir=out, environ=env)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.eml"))
    assert files == [
        "autres/000003-bob@acme.example.eml",
        "autres/000012-jean@soci_t_.example.eml",
        "mines/000002-anne@acme.example.eml",
        "mines/000004-eve@acme.example.eml",
    ]
    assert (report.rows_read, report.messages, report.token_source) == (8, 4, "secret")
    assert report.buckets == {
        "mines": 2,
        "autres": 4,
        "unassigned": 0,
        "invalid": 1,
        "duplicate": 1,
        "suppressed": 0,
    }
    assert [(i.row, i.bucket, i.kind) for i in report.issues] == [
        (4, "mines", "cleaned"),
        (4, "mines", "cleaned"),
        (7, "skipped", "missing"),
        (9, "duplicate", "duplicate"),
        (10, "invalid", "invalid"),
        (11, "skipped", "smtputf8"),
    ]
    assert report.blank_rows == 1  # line 8
    assert (out / "personalize.json").is_file()

    ids = set()
    for path in out.rglob("*.eml"):
        assert_crlf(path.read_bytes())  # RFC 5322 §2.1, §2.3: CRLF, no bare CR or LF
        msg = parse(path.read_bytes())
        ids.add(msg["Message-ID"])
        assert msg["Message-ID"].endswith("@durand.example>")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        address = msg["To"].addresses[0].addr_spec
        token = unsubscribe_token(b"s3cret", address.lower())
        url = f"https://durand.example/u/{token}"
        assert msg["List-Unsubscribe"].strip() == f"<{url}>, <mailto:unsub@durand.example>"
        text, html = texts(msg)
        assert url in text and f'href="{url}' in html
    assert len(ids) == 4


def test_merge_values_escaping_and_injection(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_per_recipient(campaign, tmp_path / "list.csv", out_dir=out, environ={SECRET_ENV: "k"})
    anne = parse((out / "mines/000002-anne@acme.example.eml").read_bytes())
    text, html = texts(anne)
    assert anne["Subject"] == "Anne, nouveautés pour Acmé <SA>"
    assert str(anne["To"]) == "Anne <anne@acme.example>"
    assert "Bonjour Anne de Acmé &lt;SA&gt;" in html and "Acmé <SA>" not in html
    assert "Bonjour Anne de Acmé <SA>" in text

    bob = parse((out / "autres/000003-bob@acme.example.eml").read_bytes())
    text, html = texts(bob)
    assert bob["Subject"] == "{{ 7*7 }}, nouveautés pour B&B"
    assert "Bonjour {{ 7*7 }} de B&amp;B" in html and "49" not in text

    eve = parse((out / "mines/000004-eve@acme.example.eml").read_bytes())
    assert eve["Bcc"] is None and eve["X-Hdr"] is None
    assert eve["Subject"] == "Eve Bcc: victim@evil.example, nouveautés pour Evil X-Hdr: 1"
    assert [a.addr_spec for a in eve["To"].addresses] == ["eve@acme.example"]

    jean = parse((out / "autres/000012-jean@soci_t_.example.eml").read_bytes())
    assert jean["To"].addresses[0].addr_spec == "jean@xn--socit-esab.example"
    assert "Bonjour Madame, Monsieur de Société" in texts(jean)[0]


def test_mbox_output(campaign: Path, tmp_path: Path) -> None:
    mbox_path = tmp_path / "all.mbox"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", mbox=mbox_path, environ={SECRET_ENV: "k"}
    )
    box = mailbox.mbox(mbox_path)
    assert len(box) == report.messages == 4
    for key in box.iterkeys():
        data = box.get_bytes(key)
        msg = parse(data)
        assert msg["To"] is not None and texts(msg)[1].startswith("<!DOCTYPE html>\n<html")
    assert not list(tmp_path.glob(".all.mbox*"))  # no temporary left behind
    raw = mbox_path.read_bytes()
    assert b"\r" not in raw  # mbox keeps the LF convention, unlike the .eml files
    separators = [line for line in raw.split(b"\n") if line.startswith(b"From ")]
    assert len(separators) == 4 and all(s.startswith(b"From MAILER-DAEMON ") for s in separators)


def test_mbox_alone_is_the_mbox_written_beside_eml_files(campaign: Path, tmp_path: Path) -> None:
    # An mbox alone is assembled in mbox form (pieces converted and quoted once per
    # skeleton); beside .eml files it is converted from each .eml (mbox_entry). Same bytes.
    alone, beside = tmp_path / "alone.mbox", tmp_path / "beside.mbox"
    (tmp_path / "list.csv").write_text(
        LIST + "zoe@acme.example;>From Lyon;From Paris;Mines\n", encoding="utf-8"
    )
    build_per_recipient(campaign, tmp_path / "list.csv", mbox=alone, environ={SECRET_ENV: "k"})
    build_per_recipient(
        campaign,
        tmp_path / "list.csv",
        mbox=beside,
        out_dir=tmp_path / "out",
        environ={SECRET_ENV: "k"},
    )
    assert alone.read_bytes() == beside.read_bytes()
    # The first name starts a quoted-printable line in the text part: quoted once more.
    assert b"\n>>From Lyon=\n" in alone.read_bytes()


def test_mbox_form_message_is_never_written_as_eml(tmp_path: Path) -> None:
    msg = PersonalizedMessage(2, "a@b.example", "s", "<m@x>", b"From: x\n\nbody\n", mboxrd=True)
    date = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    entry = mbox_entry(msg, date)
    assert entry == b"From MAILER-DAEMON Mon Jan 05 09:00:00 2026\nFrom: x\n\nbody\n\n"
    with pytest.raises(ValueError, match="mbox-form"):
        write_messages([msg], out_dir=tmp_path, mbox=None, date=date)


def test_mbox_entry_is_lf_and_quotes_from_lines() -> None:
    # message.py leaves a body line "From here" as is; in an mbox it must read ">From here"
    # (mboxrd), and ">From" lines gain one more ">", so readers undo it exactly.
    compiled = tiny_compiled(
        subject=MergeTemplate(("Sujet",)),
        html=MergeTemplate(("<p>x</p>\n",)),
        text=MergeTemplate(("Bonjour\nFrom here on\n>From there\n",)),
    )
    date = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    data = build_message(compiled, {}, to="a@b.example", date=date, message_id="<m@x>")
    assert b"\r\nFrom here on\r\n>From there\r\n" in data  # the .eml itself is CRLF
    msg = PersonalizedMessage(
        row=2, email="a@b.example", segment_id="s", message_id="<m@x>", content=data
    )
    entry = mbox_entry(msg, date)
    assert entry.startswith(b"From MAILER-DAEMON Mon Jan 05 09:00:00 2026\n")
    assert b"\r" not in entry and entry.endswith(b"\n\n")
    assert b"\n>From here on\n>>From there\n" in entry
    assert (
        entry[entry.index(b"\n") + 1 :]
        == data.replace(b"\r\n", b"\n")
        .replace(b"\nFrom here", b"\n>From here")
        .replace(b"\n>From there", b"\n>>From there")
        + b"\n"
    )


# The token is a contract with the unsubscribe endpoint (docs/manual/recipients.md:
# HMAC-SHA256 of the lower-cased address, first 16 bytes, URL-safe base64 without padding). Expected values
# computed outside b2bmail:
#   printf ADDRESS | openssl dgst -sha256 -hmac s3cret -binary | head -c16 | base64 \
#     | tr '+/' '-_' | tr -d '='
KNOWN_TOKENS = {
    "anne@acme.example": "UWtdpJ8INcFM7mP3h3Wzcg",
    "jean@xn--socit-esab.example": "hG8muKMvOL8BDCcXF-9_TQ",  # `-` and `_`: the URL-safe alphabet
}


def test_unsubscribe_tokens_match_the_documented_algorithm(campaign: Path, tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text(
        "email;prénom;société;secteur\n"
        "Anne@ACME.example;Anne;Acme;mines\n"  # the token is of the lower-cased address
        "jean@xn--socit-esab.example;Jean;Soc;mines\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    env = {SECRET_ENV: "s3cret"}
    build_per_recipient(campaign, tmp_path / "list.csv", out_dir=out, environ=env)
    found = {}
    for path in sorted(out.rglob("*.eml")):
        msg = parse(path.read_bytes())
        url = str(msg["List-Unsubscribe"]).split(",")[0].strip()
        found[msg["To"].addresses[0].addr_spec.lower()] = url
    assert found == {a: f"<https://durand.example/u/{t}>" for a, t in KNOWN_TOKENS.items()}
    # The same by hand with the standard library, from the manual's wording.
    for address, token in KNOWN_TOKENS.items():
        mac = hmac.new(b"s3cret", address.encode("utf-8"), hashlib.sha256).digest()[:16]
        assert base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=") == token


# RFC 2104 §2: a key of the hash's block (64 bytes) is used as it is, a longer one hashed
# first. Computed outside b2bmail, as above, with -hmac kkk…k (64 and 65 times "k").
@pytest.mark.parametrize(
    ("length", "token"), [(64, "Uhd6IRcQt5ne9emsymaPZg"), (65, "Ku_2te9njUCjkDZKrA_qtQ")]
)
def test_tokens_of_keys_at_and_past_the_hash_block(length: int, token: str) -> None:
    key = TokenKey(b"k" * length)
    assert key.token("anne@acme.example") == token
    assert key.token("anne@acme.example") == token  # the keyed states are copied, not used up
    assert unsubscribe_token(b"k" * length, "anne@acme.example") == token


def test_token_key_comes_from_the_secret_only() -> None:
    assert token_key({SECRET_ENV: "k"}) == TokenKey(b"k", "secret")
    assert unsubscribe_token(b"k", "a@b.example") != unsubscribe_token(b"k", "c@b.example")
    assert len(unsubscribe_token(b"k", "a@b.example")) == 22


@pytest.mark.parametrize("environ", [{}, {SECRET_ENV: ""}, {SECRET_ENV: "  "}], ids=repr)
def test_no_secret_no_key(environ: dict[str, str]) -> None:
    # The guessable fallback key (derived from the List-Id) is gone: anyone could compute it.
    with pytest.raises(MissingSecretError, match=SECRET_ENV):
        token_key(environ)


def test_no_secret_stops_the_build_before_writing(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MissingSecretError):
        build_per_recipient(campaign, tmp_path / "list.csv", out_dir=out, environ={})
    assert not out.exists()


@pytest.mark.parametrize(
    ("address", "token", "expected"),
    [
        ("anne@acme.example", KNOWN_TOKENS["anne@acme.example"], True),
        ("bob@acme.example", KNOWN_TOKENS["anne@acme.example"], False),
        ("anne@acme.example", KNOWN_TOKENS["anne@acme.example"][:-1] + "A", False),
        ("anne@acme.example", "é" * 22, False),
    ],
    ids=["own", "other-address", "one-char-off", "non-ascii"],
)
def test_token_matches(address: str, token: str, expected: bool) -> None:
    assert token_matches(b"s3cret", address, token) is expected


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "heavy-equipment" / "campaign.yaml"


@pytest.mark.skipif(not EXAMPLE.is_file(), reason="example campaign not present")
def test_fast_assembly_matches_message_py_on_the_example() -> None:
    from tests.render.reference_mime import build_message

    from b2bmail.campaign import render_campaign, sample_values
    from b2bmail.render.compile import bind_recipient
    from b2bmail.render.mime import MessageSkeleton

    build = render_campaign(EXAMPLE, stage_variants=True)
    values = sample_values(build.campaign)  # with the salutation made from it
    # The example's template reads recipient.country (VAT by country): the sample's variant.
    variants = [
        c
        for seg in build.segments
        for c in (
            seg.stage_variants
            if seg.compile_variant is None
            else bind_recipient(seg.compile_variant, values)
        )
    ]
    assert len(variants) == 3 * len(build.segments)  # one per journey stage
    for compiled in variants:
        skeleton = MessageSkeleton.from_compiled(compiled, date=build.campaign.date)
        fast = parse(
            skeleton.assemble(
                values, to_addr=values["email"], to_name="", message_id="<m@x.example>"
            )
        )
        standard = parse(
            build_message(
                compiled,
                values,
                to=values["email"],
                date=build.campaign.date,
                message_id="<m@x.example>",
            )
        )
        for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe"):
            assert fast[name] == standard[name], (compiled.segment_id, compiled.stage, name)
        assert texts(fast) == texts(standard), (compiled.segment_id, compiled.stage)


def test_an_unsubscribe_url_too_long_for_a_header_line_skips_only_its_row(
    campaign: Path, tmp_path: Path
) -> None:
    url = "https://durand.example/u/{{ recipient.unsubscribe_token }}?c={{ recipient.company }}"
    text = campaign.read_text(encoding="utf-8").replace(
        'url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"', f'url: "{url}"'
    )
    campaign.write_text(text, encoding="utf-8")
    (tmp_path / "list.csv").write_text(
        "email;société;secteur\n"
        "anne@acme.example;Acme;mines\n"
        f"bob@acme.example;{'B' * 1000};mines\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={SECRET_ENV: "k"}
    )
    assert [p.name for p in out.rglob("*.eml")] == ["000002-anne@acme.example.eml"]
    assert [(i.row, i.bucket, i.kind) for i in report.issues] == [(3, "skipped", "too-long")]
    assert "RFC 5322" in report.issues[0].detail and "unsubscribe.url" in report.issues[0].detail
    assert report.skipped == report.issues  # a build failure: exit 1 in the CLI


def test_a_sample_unsubscribe_url_too_long_for_a_header_line_is_a_campaign_error(
    campaign: Path, tmp_path: Path
) -> None:
    from b2bmail.campaign import render_campaign
    from b2bmail.errors import ConfigError

    text = campaign.read_text(encoding="utf-8").replace(
        "/u/{{ recipient.unsubscribe_token }}", "/u/" + "x" * 1000
    )
    campaign.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        render_campaign(campaign)
    assert caught.value.path == str(campaign)
    assert "unsubscribe.url is 1025 characters" in caught.value.message


# U+202E RIGHT-TO-LEFT OVERRIDE, U+2066/U+2069 LEFT-TO-RIGHT ISOLATE / POP DIRECTIONAL
# ISOLATE, U+200B ZERO WIDTH SPACE, U+FEFF ZERO WIDTH NO-BREAK SPACE (Unicode UAX #9, §2).
BIDI_LIST = (
    "email;prénom;société;secteur\n"
    "anne@acme.example;Anne\u202egnp.exe;Ac\u200bme \u2066SA\u2069;mines\n"  # 2
    '"eve@acme.example";"Eve\r\n\ufeffBcc";Evil;mines\n'  # 3-4: both kinds in one value
    "paul@acme.example;Paul;Acme;mines\n"  # 5: clean, not reported
)
INVISIBLES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\ufeff"


def test_bidi_and_invisible_characters_are_cleaned_and_reported(
    campaign: Path, tmp_path: Path
) -> None:
    (tmp_path / "list.csv").write_text(BIDI_LIST, encoding="utf-8")
    out = tmp_path / "out"
    build_per_recipient(campaign, tmp_path / "list.csv", out_dir=out, environ={SECRET_ENV: "k"})
    anne = parse((out / "mines/000002-anne@acme.example.eml").read_bytes())
    text, html = texts(anne)
    assert anne["To"].addresses[0].display_name == "Annegnp.exe"
    assert anne["Subject"] == "Annegnp.exe, nouveautés pour Acme SA"
    assert "Bonjour Annegnp.exe de Acme SA" in text and "Bonjour Annegnp.exe de Acme SA" in html
    eve = parse((out / "mines/000003-eve@acme.example.eml").read_bytes())
    assert str(eve["To"]) == "Eve Bcc <eve@acme.example>" and eve["Bcc"] is None
    for msg in (anne, eve):
        shown = str(msg["To"]) + str(msg["Subject"]) + "".join(texts(msg))
        assert not any(char in shown for char in INVISIBLES)
    report = json.loads((out / "personalize.json").read_text(encoding="utf-8"))
    assert [(i["row"], i["bucket"], i["kind"], i["detail"]) for i in report["issues"]] == [
        (2, "mines", "cleaned", "invisible or bidi control characters in 'first_name' removed"),
        (2, "mines", "cleaned", "invisible or bidi control characters in 'company' removed"),
        (
            3,
            "mines",
            "cleaned",
            "control characters in 'first_name' replaced by spaces; "
            "invisible or bidi control characters in 'first_name' removed",
        ),
    ]
    assert report["messages"] == 3 and report["not_sent"] == {}


@pytest.mark.parametrize("char", list(INVISIBLES), ids=lambda c: f"U+{ord(c):04X}")
def test_the_sample_message_is_cleaned_of_each_invisible_character(char: str) -> None:
    compiled = tiny_compiled(
        subject=MergeTemplate(("Pour ", MergeField("company"))),
        html=MergeTemplate(("<p>", MergeField("company"), "</p>\n")),
        text=MergeTemplate((MergeField("company"), "\n")),
    )
    date = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    values = {"company": f"Ac{char}me"}
    msg = parse(build_message(compiled, values, to="a@b.example", date=date, message_id="<m@x>"))
    assert msg["Subject"] == "Pour Acme"
    assert texts(msg) == ("Acme\r\n", "<p>Acme</p>\r\n")


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("a\u2029b", "a b"),  # paragraph separator: a control, replaced by a space
        ("a\u202ab", "ab"),  # first of the embeddings and overrides
        ("a\u202eb", "ab"),  # last of them
        ("1\u202f234", "1\u202f234"),  # one past: narrow no-break space, kept
        ("a\u2065b", "a\u2065b"),  # one before the isolates: kept
        ("a\u2066b", "ab"),  # first isolate
        ("a\u206fb", "ab"),  # last deprecated format character
        ("a\u2070b", "a\u2070b"),  # one past: superscript zero, kept
        ("a\u200ab", "a\u200ab"),  # hair space, visible width: kept
        ("a\u200bb", "ab"),  # zero width space
        ("a\u200fb", "ab"),  # right-to-left mark
        ("a\u2010b", "a\u2010b"),  # one past: hyphen, kept
        ("Zoë\xa0Müller", "Zoë\xa0Müller"),  # ordinary letters and no-break space
    ],
    ids=lambda v: "-".join(f"{ord(c):04X}" for c in v if not c.isascii()) or "ascii",
)
def test_clean_value_at_the_edges_of_each_range(value: str, cleaned: str) -> None:
    assert clean_value(value) == cleaned
    assert bool(cleaning_notes(value)) == (value != cleaned)


def test_to_display_name_is_first_and_last_name_each_when_not_blank(
    campaign: Path, tmp_path: Path
) -> None:
    (tmp_path / "names.csv").write_text(
        "email;prénom;nom;société;secteur\n"
        "a@acme.example;Anne;Martin;Acme;mines\n"
        "b@acme.example;Bob;;Acme;mines\n"
        "c@acme.example;;Caron;Acme;mines\n"
        "d@acme.example; ;  ;Acme;mines\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build_per_recipient(campaign, tmp_path / "names.csv", out_dir=out, environ={SECRET_ENV: "k"})
    shown = sorted(str(parse(p.read_bytes())["To"]) for p in out.rglob("*.eml"))
    assert shown == [
        "Anne Martin <a@acme.example>",
        "Bob <b@acme.example>",
        "Caron <c@acme.example>",
        "d@acme.example",
    ]


def test_a_run_leaves_the_collector_as_it_found_it(campaign: Path, tmp_path: Path) -> None:
    """The objects frozen out of the collector while a list streams are put back when it
    ends, when it is abandoned half-way and when it stops on a bad row; a caller's own
    frozen objects are left frozen."""
    import gc
    from collections.abc import Generator
    from typing import cast

    from b2bmail.personalize.build import stream_per_recipient

    env = {"B2BMAIL_UNSUBSCRIBE_SECRET": "s" * 32}
    folder = campaign.parent
    assert gc.get_freeze_count() == 0
    stream = stream_per_recipient(campaign, folder / "list.csv", environ=env)
    seen = [gc.get_freeze_count() for _msg in stream.messages]
    assert seen and all(count > 0 for count in seen)  # frozen while it streams
    assert gc.get_freeze_count() == 0  # and put back at the end
    stream = stream_per_recipient(campaign, folder / "list.csv", environ=env, build=stream.build)
    next(stream.messages)
    assert gc.get_freeze_count() > 0
    cast("Generator[PersonalizedMessage, None, None]", stream.messages).close()  # abandoned
    assert gc.get_freeze_count() == 0
    # A list whose last record leaves a quote open stops with an InputError mid-stream.
    bad = folder / "bad.csv"
    bad.write_text(LIST + 'zed@acme.example;"Zed;X;mines\n', encoding="utf-8")
    stream = stream_per_recipient(campaign, bad, environ=env, build=stream.build)
    with pytest.raises(InputError):
        list(stream.messages)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller that froze its own objects (e.g. before forking) keeps them frozen
    try:
        stream = stream_per_recipient(campaign, folder / "list.csv", environ=env)
        list(stream.messages)
        assert gc.get_freeze_count() > 0  # not unfrozen by the run
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("mboxrd", [False, True])
def test_each_message_carries_its_exact_size(campaign: Path, mboxrd: bool) -> None:
    # The writers tell a short write by PersonalizedMessage.size (personalize.write): it
    # must be the length of the message's bytes, in either form.
    from b2bmail.personalize.build import stream_per_recipient

    env = {"B2BMAIL_UNSUBSCRIBE_SECRET": "s" * 32}
    stream = stream_per_recipient(
        campaign, campaign.parent / "list.csv", environ=env, mboxrd=mboxrd
    )
    messages = list(stream.messages)
    assert messages and all(m.size == len(m.data) for m in messages)
