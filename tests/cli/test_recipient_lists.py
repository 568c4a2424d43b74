"""A bad recipient or companies CSV: `segment`, `audit` and `build --per-recipient` read it
through the same reader and stop with the same one line, exit 2, before any DNS query."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.personalize.test_build import CAMPAIGN, SEGMENTS, TEMPLATE

from b2bmail.cli import main

# Nothing listens on the discard port of loopback: an audit that reached DNS would time out
# on every domain and report, not fail with the CSV's error.
UNUSED_NAMESERVER = "127.0.0.1:9"
GOOD_LIST = b"email;pr\xc3\xa9nom;secteur\nanne@acme.example;Anne;mines\n"

BAD_LISTS = {
    "header-quote-never-closed": (
        b'email;"pr\xc3\xa9nom\nanne@acme.example;Anne\nbob@b.example;Bob\n',
        "1: a quoted field opened on this line is never closed, so every line after it would"
        ' be read as part of that field — close the quote (") or remove it',
    ),
    "stray-quote-merges-rows": (
        b'email;pr\xc3\xa9nom\nanne@acme.example;"Anne\nbob@b.example;Bob\ncy@c.example;Cy\n'
        b'di@d.example;Di\ned@e.example;Ed"\nfi@f.example;Fi\n',
        "2: a quoted field opened on this line runs over 5 lines and holds what looks like"
        " another row ('bob@b.example;Bob'): the rows would be merged — close the quote (\")"
        " where the field ends, or remove it",
    ),
    "utf8-and-windows-1252": (
        # By hand: line 1 ("prénom", UTF-8) is 14 bytes, line 2 is 24, and 16 bytes of line 3
        # come before its 0xe9: byte offset 54.
        b"email;pr\xc3\xa9nom\nh@acme.example;H\xc3\xa9l\xc3\xa8ne\nj@acme.example;J\xe9r\xf4me\n",
        "3: the file mixes encodings: line 1 is UTF-8 but byte 0xe9 at byte offset 54 is not,"
        " so either reading garbles some rows — save the whole list again in one encoding"
        " (Excel: 'CSV UTF-8'), or pass --encoding to choose one reading",
    ),
    "header-field-over-the-csv-limit": (
        b"email;" + b"x" * 131_073 + b"\nanne@acme.example;1\n",
        "1: a field of the record starting on this line is longer than 131072 characters"
        " — a quote left open usually does this: check the quotes from this line on, or"
        " shorten the field",
    ),
}


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "segments.yaml").write_text(SEGMENTS, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner(env={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}).invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def segment(campaign: Path, recipients: Path, *extra: str) -> list[str]:
    return [
        "segment",
        str(recipients),
        "--segments",
        str(campaign.parent / "segments.yaml"),
        *extra,
    ]


def audit(recipients: Path) -> list[str]:
    return ["audit", str(recipients), "--nameserver", UNUSED_NAMESERVER, "--no-cache"]


def build(campaign: Path, recipients: Path, *extra: str) -> list[str]:
    out = campaign.parent / "out"
    return [
        "build",
        str(campaign),
        "--recipients",
        str(recipients),
        "--per-recipient",
        *extra,
        "--out",
        str(out),
    ]


BAD_COMPANIES = {
    "domain-url-unparsable": (
        b"id,domain\nC1,acme.example\nC2,http://[bad\n",
        "3: the domain 'http://[bad' is not a domain or a URL (Invalid IPv6 URL) — write the"
        " domain (acme.fr) or the site's URL (https://www.acme.fr/)",
    ),
    "stray-quote-merges-companies": (
        b'id,name\nC1,"Acme\nC2,Beta\nC3,Gamma"\n',
        "2: a quoted field opened on this line runs over 3 lines and holds what looks like"
        " another row ('C2,Beta'): the rows would be merged — close the quote (\") where the"
        " field ends, or remove it",
    ),
}


@pytest.mark.parametrize(
    ("kind", "name"),
    [*(("list", n) for n in BAD_LISTS), *(("companies", n) for n in BAD_COMPANIES)],
)
def test_every_command_stops_on_a_bad_file_with_the_same_line(
    campaign: Path, tmp_path: Path, kind: str, name: str
) -> None:
    recipients = tmp_path / "list.csv"
    companies = tmp_path / "companies.csv"
    if kind == "list":
        data, message = BAD_LISTS[name]
        recipients.write_bytes(data)
        commands = [segment(campaign, recipients), audit(recipients)]
        commands.append(build(campaign, recipients))
    else:  # `audit` takes no companies file
        data, message = BAD_COMPANIES[name]
        recipients.write_bytes(GOOD_LIST)
        companies.write_bytes(data)
        extra = ("--companies", str(companies))
        commands = [segment(campaign, recipients, *extra), build(campaign, recipients, *extra)]
    expected = f"b2bmail: {tmp_path / f'{kind}.csv'}:{message}\n"
    for args in commands:
        assert run(args) == (2, "", expected), args[0]
    assert not (tmp_path / "out").exists()
