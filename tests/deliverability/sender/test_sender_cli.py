"""`b2bmail check-sender` through the CLI: bad input (exit 2), and real DNS from NSD on loopback.

The NSD zone holds an SPF include chain, a DKIM key made here with a freshly generated
2048-bit RSA key, DMARC, MTA-STS and TLS-RPT records, and a reverse zone for 127.0.0.x.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.deliverability.nsd import CONTROL_ZONE, StartNsd

from b2bmail.cli import main


@cache
def dkim_private_key() -> rsa.RSAPrivateKey:
    """A real 2048-bit RSA key, generated once per run; its public half is in the zone."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def dkim_public_key() -> str:
    """Base64 SubjectPublicKeyInfo of dkim_private_key()."""
    der = (
        dkim_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def limit_records(name: str, terms: int) -> str:
    """SPF for NAME.sender.test reaching `terms` DNS-querying terms before 127.0.0.5 matches."""
    spec = "h.sender.test"
    fill = f"a:{spec} " * (terms - 5)  # 4 terms in the first record, 1 redirect in the second
    return (
        f'{name} TXT "v=spf1 a:{spec} mx:{spec} a:{spec} include:_{name}.sender.test -all"\n'
        f'_{name} TXT "v=spf1 {fill}redirect=_ip.sender.test"'
    )


def zones() -> dict[str, str]:
    key = dkim_public_key()
    # TXT character-strings hold at most 255 octets: the key is split and joined again
    chunks = " ".join(f'"{key[i : i + 200]}"' for i in range(0, len(key), 200))
    sender = f"""
@ TXT "v=spf1 include:_spf.sender.test -all"
_spf TXT "v=spf1 include:_relay.sender.test ip4:127.0.0.0/29 -all"
_relay TXT "v=spf1 ip4:192.0.2.0/24 ~all"
s2048._domainkey TXT "v=DKIM1; k=rsa; p=" {chunks}
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@sender.test"
_mta-sts TXT "v=STSv1; id=20261123T1400"
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@sender.test"
out A 127.0.0.5
loop TXT "v=spf1 ip4:127.0.0.5 include:_loop.sender.test -all"
_loop TXT "v=spf1 include:loop.sender.test ~all"
{limit_records("ten", 10)}
{limit_records("eleven", 11)}
_ip TXT "v=spf1 ip4:127.0.0.5 -all"
h A 192.0.2.1
h MX 10 h
_dmarc.ten TXT "v=DMARC1; p=REJECT"
"""
    reverse = """
5 PTR out.sender.test.
6 PTR elsewhere.sender.test.
"""
    return {"sender.test": sender, "0.0.127.in-addr.arpa": reverse}


def invoke(*args: str) -> Result:
    # These zones hold no blocklists (tests/deliverability/sender/test_blocklists.py has them):
    # without --no-blocklists every IP and domain would be asked of NSD and come out unknown.
    return CliRunner().invoke(main, ["check-sender", *args, "--no-blocklists"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not a domain"], "is not a domain name"),
        (["localhost"], "is not a domain name"),
        (["sender.test", "--ip", "300.1.2.3"], "'300.1.2.3' is not an IPv4 or IPv6 address"),
        (["sender.test", "--dkim-selector", "a b"], "is not a DKIM selector"),
        (["sender.test", "--format", "xml"], "Invalid value for '--format'"),
        (
            ["sender.test", "--nameserver", "dns.example", "--no-cache"],
            "invalid nameserver 'dns.example'",
        ),
        (["sender.test", "--nameserver", "127.0.0.1:99999", "--no-cache"], "invalid port"),
    ],
    ids=[
        "spaces",
        "single-label",
        "bad-ip",
        "bad-selector",
        "bad-format",
        "bad-nameserver",
        "bad-port",
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def checklist(result: Result) -> dict[str, str]:
    return {item["key"]: item["status"] for item in json.loads(result.stdout)["checklist"]}


@pytest.mark.nsd
def test_good_sender_passes_against_nsd(nsd_server: StartNsd) -> None:
    server = nsd_server(zones())
    result = invoke(
        "sender.test",
        "--ip",
        "127.0.0.5",
        "--dkim-selector",
        "s2048",
        "--nameserver",
        server.nameserver,
        "--no-cache",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert next(iter(data)) == "schema" and data["schema"] == "b2bmail.check-sender/1"
    assert data["spf"]["record"] == "v=spf1 include:_spf.sender.test -all"
    assert data["spf"]["lookups"] == 2
    assert data["spf"]["lookups_by_record"] == {
        "sender.test": 1,
        "_spf.sender.test": 1,
        "_relay.sender.test": 0,
    }
    assert data["spf"]["results"]["127.0.0.5"]["result"] == "pass"
    assert data["dkim"][0]["key_type"] == "rsa"
    assert data["dkim"][0]["key_bits"] == 2048
    assert data["dkim"][0]["findings"] == []
    assert (data["dmarc"]["policy"], data["dmarc"]["rua"]) == (
        "reject",
        ["mailto:dmarc@sender.test"],
    )
    assert data["mta_sts"]["status"] == "found" and data["mta_sts"]["id"] == "20261123T1400"
    assert data["tls_rpt"]["rua"] == ["mailto:tls@sender.test"]
    assert data["ptr"][0]["confirmed"] == ["out.sender.test"]
    assert checklist(result) == {
        "spf": "pass",
        "dkim": "pass",
        "dmarc": "pass",
        "alignment": "pass",
        "ptr": "pass",
        "unsubscribe": "skipped",
    }


@pytest.mark.nsd
def test_text_report_and_out_file(nsd_server: StartNsd, tmp_path: Path) -> None:
    server = nsd_server(zones())
    out = tmp_path / "sender.txt"
    result = invoke(
        "sender.test",
        "--ip",
        "127.0.0.5",
        "--dkim-selector",
        "s2048",
        "--nameserver",
        server.nameserver,
        "--no-cache",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "SPF: v=spf1 include:_spf.sender.test -all" in text
    assert "    127.0.0.5: pass" in text
    assert "DKIM s2048._domainkey.sender.test: rsa 2048 bits" in text
    assert "Reverse DNS 127.0.0.5: pass — out.sender.test resolves back to 127.0.0.5" in text
    assert "[   PASS] DMARC record published with at least p=none" in text


@pytest.mark.nsd
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--ip", "127.0.0.6"], {"spf": "pass", "ptr": "fail"}),
        (["--ip", "127.0.0.9"], {"spf": "fail", "ptr": "fail"}),
        (["--ip", "192.0.2.7"], {"spf": "pass", "ptr": "unknown"}),
        (["--dkim-selector", "missing"], {"dkim": "fail", "alignment": "pass"}),
    ],
    ids=[
        "ptr-not-confirmed",
        "not-authorised-no-ptr",
        "relay-ip-refused-reverse-zone",
        "no-such-selector",
    ],
)
def test_failing_items_exit_1(
    nsd_server: StartNsd, args: list[str], expected: dict[str, str]
) -> None:
    server = nsd_server(zones())
    result = invoke(
        "sender.test", *args, "--nameserver", server.nameserver, "--no-cache", "--format", "json"
    )
    assert result.exit_code == 1, result.output
    items = checklist(result)
    assert {key: items[key] for key in expected} == expected


@pytest.mark.nsd
def test_self_including_spf_is_a_permerror_not_a_pass(nsd_server: StartNsd) -> None:
    # loop.sender.test includes _loop.sender.test, which includes loop.sender.test again:
    # evaluation that gets there runs past 10 lookups, a permerror (RFC 7208 §4.6.4).
    server = nsd_server(zones())
    result = invoke(
        "loop.sender.test", "--ip", "127.0.0.5", "--nameserver", server.nameserver, "--no-cache"
    )
    assert result.exit_code == 1, result.output
    assert "    127.0.0.5: pass" in result.stdout  # the IP matches before the loop
    assert (
        "  [   FAIL] SPF record valid, within 10 lookups, and passing for each sending IP\n"
        "            permerror: loop.sender.test includes itself (loop.sender.test ->\n"
        "              _loop.sender.test -> loop.sender.test): evaluation runs past 10\n"
        "              lookups (RFC 7208 §4.6.4)\n"
    ) in result.stdout


def check_json(nsd_server: StartNsd, domain: str) -> tuple[int, dict[str, Any]]:
    server = nsd_server(zones())
    result = invoke(
        domain,
        "--ip",
        "127.0.0.5",
        "--nameserver",
        server.nameserver,
        "--no-cache",
        "--format",
        "json",
    )
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.nsd
@pytest.mark.parametrize(
    ("domain", "exit_code", "status", "evaluated", "reason"),
    [
        ("ten.sender.test", 0, "pass", ("pass", 10), "pass for 1 IP(s); 10/10 lookups"),
        (
            "eleven.sender.test",
            1,
            "fail",
            ("permerror", 11),
            "11 DNS-querying terms reachable; at most 10 (RFC 7208 §4.6.4)",
        ),
    ],
    ids=["ten-lookups-pass", "eleven-lookups-fail"],
)
def test_spf_lookup_limit_at_ten_and_one_past(
    nsd_server: StartNsd,
    domain: str,
    exit_code: int,
    status: str,
    evaluated: tuple[str, int],
    reason: str,
) -> None:
    # RFC 7208 §4.6.4: at most 10 DNS-querying terms; OpenSPF suite mech-at-limit (pass),
    # mech-over-limit (permerror)
    code, data = check_json(nsd_server, domain)
    assert code == exit_code
    evaluation = data["spf"]["results"]["127.0.0.5"]
    assert (evaluation["result"], evaluation["lookups"]) == evaluated
    assert data["spf"]["lookups"] == evaluated[1]
    assert (data["checklist"][0]["status"], data["checklist"][0]["reason"]) == (status, reason)


@pytest.mark.nsd
def test_dmarc_policy_in_upper_case_applies(nsd_server: StartNsd) -> None:
    # RFC 7489 §6.4: dmarc-request = "p" *WSP "=" *WSP ( "none" / "quarantine" / "reject" ),
    # and ABNF quoted strings are case-insensitive (RFC 5234 §2.3): p=REJECT is p=reject.
    _, data = check_json(nsd_server, "ten.sender.test")
    assert (data["dmarc"]["record"], data["dmarc"]["policy"]) == ("v=DMARC1; p=REJECT", "reject")
    assert [f["code"] for f in data["dmarc"]["findings"]] == ["dmarc-no-rua"]  # no bad value
    item = data["checklist"][2]
    assert (item["key"], item["status"], item["reason"]) == (
        "dmarc",
        "pass",
        "p=reject at _dmarc.ten.sender.test",
    )


@pytest.mark.parametrize("fixture", ["silent_nameserver", "servfail_nameserver"])
def test_dns_failures_are_unknown_never_fail(fixture: str, request: pytest.FixtureRequest) -> None:
    nameserver = request.getfixturevalue(fixture)
    result = invoke(
        "sender.test",
        "--ip",
        "127.0.0.5",
        "--dkim-selector",
        "s2048",
        "--nameserver",
        nameserver,
        "--timeout",
        "0.2",
        "--no-cache",
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.output
    assert checklist(result) == {
        "spf": "unknown",
        "dkim": "unknown",
        "dmarc": "unknown",
        "alignment": "unknown",
        "ptr": "unknown",
        "unsubscribe": "skipped",
    }
    data = json.loads(result.stdout)
    assert data["spf"]["status"] == "unknown"
    assert data["mta_sts"]["status"] == "unknown"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(
            ["sender.test", "--ip", "fe80::1%eth0"],
            "Invalid value for '--ip': 'fe80::1%eth0' has a zone index"
            " — give the address without '%eth0'",
            id="ipv6-zone-index",  # was an AddressValueError traceback
        ),
        pytest.param(
            ["192.0.2.1"],
            "Invalid value for 'DOMAIN': '192.0.2.1' is an IP address, not a domain name"
            " — give the domain you send from and the IP with --ip",
            id="ip-as-domain",  # was checked as a domain: every item 'unknown'
        ),
        pytest.param(
            ["sender.test", "--dkim-selector", "s" * 64],
            f"Invalid value for '--dkim-selector': '{'s' * 64}' has a part longer than 63"
            " characters — check the s= tag of your DKIM-Signature",
            id="selector-label-too-long",  # was asked over DNS and reported 'unknown'
        ),
    ],
)
def test_inputs_dns_cannot_ask_exit_2_before_any_query(args: list[str], error: str) -> None:
    result = invoke(*args, "--nameserver", "127.0.0.1:9", "--no-cache")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == f"Error: {error}"


@pytest.mark.parametrize(
    ("fixture", "seen"),
    [("dead_nameserver", "timeout"), ("lying_nameserver", "nxdomain")],
    ids=["dead", "nxdomain-for-everything"],
)
def test_unusable_resolver_exits_2_with_one_line(
    request: pytest.FixtureRequest, fixture: str, seen: str
) -> None:
    # Regression: a resolver saying NXDOMAIN to everything made every check a plain "fail".
    nameserver = request.getfixturevalue(fixture)
    result = invoke("sender.test", "--nameserver", nameserver, "--timeout", "0.3", "--no-cache")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(
        f"b2bmail: the DNS resolver at {nameserver} gives no usable answers: offline, or it"
        f" rewrites answers (SOA {CONTROL_ZONE}: {seen}) — "
    )
    assert result.stderr.count("\n") == 1


def write_key(path: Path, key: rsa.RSAPrivateKey) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,  # `openssl genrsa` writes this
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    return str(path)


@pytest.mark.nsd
def test_dkim_key_matches_or_not(nsd_server: StartNsd, tmp_path: Path) -> None:
    server = nsd_server(zones())
    common = ["--dkim-selector", "s2048", "--nameserver", server.nameserver, "--no-cache"]
    good = write_key(tmp_path / "good.pem", dkim_private_key())
    result = invoke("sender.test", *common, "--dkim-key", good, "--format", "json")
    data = json.loads(result.stdout)
    assert data["dkim_key_matches"] == [
        {
            "selector": "s2048",
            "key_file": good,
            "status": "pass",
            "reason": f"s2048._domainkey.sender.test matches {good}",
        }
    ]
    assert checklist(result)["dkim"] == "pass"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = write_key(tmp_path / "other.pem", other)
    result = invoke("sender.test", *common, "--dkim-key", bad, "--format", "json")
    assert result.exit_code == 1
    item = next(i for i in json.loads(result.stdout)["checklist"] if i["key"] == "dkim")
    assert (item["status"], item["reason"]) == (
        "fail",
        f"s2048: the key at s2048._domainkey.sender.test is not the public half of {bad}",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dkim-key", "KEY"], "each --dkim-key needs its --dkim-selector"),
        (["--dkim-selector", "s1", "--dkim-key", "TEXT"], "not an unencrypted RSA or Ed25519"),
    ],
    ids=["key-without-selector", "not-a-key"],
)
def test_dkim_key_bad_input_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    text = tmp_path / "text.pem"
    text.write_text("hello\n")
    key = write_key(tmp_path / "key.pem", dkim_private_key())
    args = [{"KEY": key, "TEXT": str(text)}.get(a, a) for a in args]
    result = invoke("sender.test", *args, "--nameserver", "127.0.0.1:9", "--no-cache")
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr  # usage errors in Click's form, input errors one line
