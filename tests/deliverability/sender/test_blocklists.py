"""DNS blocklists against NSD zones that answer as zen.spamhaus.org, bl.spamcop.net,
b.barracudacentral.org, dbl.spamhaus.org, multi.surbl.org and multi.uribl.com do, under the
test suffix `bl.test` (never the real lists). Expected meanings are the lists' own
documentation (cited in src/b2bmail/data/blocklists.yaml)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.deliverability.fakes import StaticResolver
from tests.deliverability.nsd import StartNsd

from b2bmail.cli import main
from b2bmail.deliverability.dns.resolver import DnsResolver
from b2bmail.deliverability.sender.blocklists import (
    Blocklist,
    BlocklistResult,
    check_blocklists,
    load_blocklists,
)
from b2bmail.errors import ConfigError

SUFFIX = "bl.test"
ZONE = """
; Test entries (RFC 5782 §5): ZEN, SpamCop and DBL answer theirs; Barracuda's is missing, as
; when a list refuses a resolver by answering NXDOMAIN to everything.
2.0.0.127.zen.spamhaus.org A 127.0.0.2
2.0.0.127.bl.spamcop.net A 127.0.0.2
dbltest.com.dbl.spamhaus.org A 127.0.1.2
; Spamhaus ZEN: 192.0.2.2 on the SBL; 192.0.2.10 on the PBL and XBL; 192.0.2.54 refused
; (public resolver); 192.0.2.99 an undocumented code
2.2.0.192.zen.spamhaus.org A 127.0.0.2
10.2.0.192.zen.spamhaus.org A 127.0.0.10
10.2.0.192.zen.spamhaus.org A 127.0.0.4
54.2.0.192.zen.spamhaus.org A 127.255.255.254
99.2.0.192.zen.spamhaus.org A 127.0.0.99
2.2.0.192.bl.spamcop.net A 127.0.0.2
; Spamhaus DBL, SURBL (bitmask 16 + 64), URIBL (127.0.0.1: refused; 4: grey)
listed.example.dbl.spamhaus.org A 127.0.1.2
listed.example.multi.surbl.org A 127.0.0.80
listed.example.multi.uribl.com A 127.0.0.1
grey.example.multi.uribl.com A 127.0.0.4
"""


def suffixed_lists(suffix: str = SUFFIX) -> tuple[Blocklist, ...]:
    return tuple(dataclasses.replace(b, zone=f"{b.zone}.{suffix}") for b in load_blocklists())


def by_key(results: tuple[BlocklistResult, ...]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.subject, r.list_name): (r.status, r.reason) for r in results}


@pytest.mark.nsd
def test_answers_read_by_each_lists_codes(nsd_server: StartNsd) -> None:
    resolver = DnsResolver([nsd_server({SUFFIX: ZONE}).nameserver], cache=None)
    try:
        results = asyncio.run(
            check_blocklists(
                ["192.0.2.2", "192.0.2.10", "192.0.2.54", "192.0.2.99", "2001:db8::1"],
                ["listed.example", "www.grey.example"],
                resolver,
                suffixed_lists(),
            )
        )
    finally:
        resolver.close()
    got = by_key(results)
    assert got[("192.0.2.2", "Spamhaus ZEN")] == ("listed", "SBL (Spamhaus Block List)")
    assert got[("192.0.2.2", "SpamCop")][0] == "listed"
    # NXDOMAIN from a list that did not answer its own test entry is not "clear".
    status, reason = got[("192.0.2.2", "Barracuda")]
    assert status == "unknown"
    assert reason.startswith(
        "its test entry 2.0.0.127.b.barracudacentral.org.bl.test did not come back listed (clear)"
    )
    status, reason = got[("192.0.2.10", "Spamhaus ZEN")]
    assert (status, "PBL, maintained by the ISP" in reason, "XBL" in reason) == (
        "listed",
        True,
        True,
    )
    # Spamhaus's own error code is not a listing.
    assert got[("192.0.2.54", "Spamhaus ZEN")] == (
        "unknown",
        "query refused (sent through a public or open resolver)",
    )
    assert got[("192.0.2.99", "Spamhaus ZEN")] == (
        "unknown",
        "answer 127.0.0.99 is not a code Spamhaus ZEN documents",
    )
    assert got[("2001:db8::1", "Spamhaus ZEN")] == ("clear", "")  # ZEN answers IPv6
    assert got[("2001:db8::1", "SpamCop")][0] == "skipped"
    assert got[("listed.example", "Spamhaus DBL")] == ("listed", "low-reputation domain (spam)")
    assert got[("listed.example", "SURBL")] == (
        "listed",
        "MW (malware sites); ABUSE (spam and abuse sites)",
    )
    assert got[("listed.example", "URIBL")][0] == "unknown"  # 127.0.0.1: refused
    # URIBL and SURBL list registrable domains: www.grey.example is asked as grey.example.
    assert got[("www.grey.example", "URIBL")][0] == "listed"
    assert got[("www.grey.example", "Spamhaus DBL")] == ("clear", "")
    queries = {r.query for r in results}
    assert "grey.example.multi.uribl.com.bl.test" in queries
    assert (
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org.bl.test"
        in queries
    )


def test_a_timeout_is_unknown_not_clear() -> None:
    zen = suffixed_lists()[0]
    resolver = StaticResolver(
        {(f"1.2.0.192.{zen.zone}", "A"): "timeout", (f"2.0.0.127.{zen.zone}", "A"): ["127.0.0.2"]}
    )
    (result,) = asyncio.run(check_blocklists(["192.0.2.1"], [], resolver, [zen]))
    assert (result.status, result.reason) == ("unknown", "lookup failed (timeout)")


def write_lists(tmp_path: Path) -> Path:
    text = (Path(__file__).parents[3] / "src/b2bmail/data/blocklists.yaml").read_text()
    for b in load_blocklists():
        text = text.replace(f"zone: {b.zone}\n", f"zone: {b.zone}.{SUFFIX}\n")
    path = tmp_path / "lists.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.nsd
def test_check_sender_fails_on_a_listed_ip(nsd_server: StartNsd, tmp_path: Path) -> None:
    server = nsd_server({SUFFIX: ZONE, "sender.test": '@ TXT "v=spf1 ip4:192.0.2.2 -all"'})
    args = ["check-sender", "sender.test", "--ip", "192.0.2.2", "--link-domain", "listed.example"]
    args += ["--blocklists", str(write_lists(tmp_path)), "--nameserver", server.nameserver]
    result = CliRunner().invoke(main, [*args, "--no-cache", "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    item = next(i for i in data["checklist"] if i["key"] == "blocklists")
    assert item["status"] == "fail"
    assert item["reason"].startswith("192.0.2.2 on Spamhaus ZEN: SBL (Spamhaus Block List)")
    assert {(b["subject"], b["list"]) for b in data["blocklists"] if b["status"] == "listed"} == {
        ("192.0.2.2", "Spamhaus ZEN"),
        ("192.0.2.2", "SpamCop"),
        ("listed.example", "Spamhaus DBL"),
        ("listed.example", "SURBL"),
    }
    text = CliRunner().invoke(main, [*args, "--no-cache"]).stdout.splitlines()
    assert (
        "Blocklist Spamhaus ZEN 192.0.2.2: listed (127.0.0.2) — SBL (Spamhaus Block List)" in text
    )
    assert "Blocklist URIBL listed.example: unknown (127.0.0.1) — query refused (see" in text


def test_a_bad_blocklists_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "lists.yaml"
    path.write_text("lists:\n  - {name: X, zone: x.test, kind: url}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kind 'url' of X is not ip or domain"):
        load_blocklists(path)


def test_no_blocklists_with_link_domain_is_a_usage_error() -> None:
    args = ["check-sender", "sender.test", "--no-blocklists", "--link-domain", "x.example"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "--no-blocklists cannot be used with --blocklists or --link-domain" in result.stderr
