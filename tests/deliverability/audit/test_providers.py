"""Provider fingerprints: label-boundary matching, gateways in front of mailbox providers."""

from __future__ import annotations

import pytest

from b2bmail.deliverability.audit.providers import (
    ProviderGuess,
    identify_provider,
    match_host,
    read_fingerprints,
)

FINGERPRINTS = read_fingerprints()


@pytest.mark.parametrize(
    ("host", "provider"),
    [
        ("contoso-com.mail.protection.outlook.com", "Microsoft 365"),
        ("contoso-com.o-v1.mx.microsoft", "Microsoft 365"),
        ("aspmx.l.google.com", "Google Workspace"),
        ("alt1.aspmx.l.google.com", "Google Workspace"),
        ("smtp.google.com", "Google Workspace"),
        ("mx0a-00123456.pphosted.com", "Proofpoint"),
        ("pphosted.com", "Proofpoint"),
        ("mx1.ppsmtp.com", "Proofpoint"),
        ("eu-smtp-inbound-1.mimecast.com", "Mimecast"),
        ("d123456a.ess.barracudanetworks.com", "Barracuda"),
        ("mx1.hc1234-56.iphmx.com", "Cisco Secure Email (IronPort)"),
        ("cluster1.eu.messagelabs.com", "Broadcom/Symantec Email Security.cloud"),
        ("lne.in.tmes.trendmicro.com", "Trend Micro"),
        ("mx-01-eu-west-1.prod.hydra.sophos.com", "Sophos"),
        ("mx01.hornetsecurity.com", "Hornetsecurity"),
        ("cust12345-1.in.mailcontrol.com", "Forcepoint"),
        ("mailstream-east.mxrecord.io", "Cloudflare Email Security (Area 1)"),
        ("inbound-smtp.eu-west-1.amazonaws.com", "Amazon WorkMail"),
        ("MX0A-00123456.PPHOSTED.COM.", "Proofpoint"),
    ],
    ids=lambda v: v if "." not in v else v.split(".")[-2],
)
def test_mx_host_fingerprints(host: str, provider: str) -> None:
    found = match_host(host, FINGERPRINTS)
    assert found is not None and found.provider == provider


@pytest.mark.parametrize(
    "host",
    [
        "evilpphosted.com",
        "mx.pphosted.com.attacker.test",
        "notmimecast.com",
        "smtp.google.com.evil.test",
        "inbound-smtp.us-east-1.amazonaws.com.evil.test",
        "mail.example.test",
    ],
)
def test_lookalike_hosts_do_not_match(host: str) -> None:
    assert match_host(host, FINGERPRINTS) is None


@pytest.mark.parametrize(
    ("domain", "hosts", "spf", "txt", "expected"),
    [
        (
            "acme.test",
            ["acme-test.mail.protection.outlook.com"],
            [],
            [],
            ProviderGuess("Microsoft 365", mailbox="Microsoft 365", kind="mailbox"),
        ),
        (
            "acme.test",
            ["mx0a-001.pphosted.com", "mx0b-001.pphosted.com"],
            ["spf.protection.outlook.com"],
            [],
            ProviderGuess(
                "Proofpoint in front of Microsoft 365",
                gateway="Proofpoint",
                mailbox="Microsoft 365",
                kind="gateway",
                evidence=("SPF includes spf.protection.outlook.com",),
            ),
        ),
        (
            "acme.test",
            ["eu-smtp-inbound-1.mimecast.com"],
            [],
            ["MS=ms12345678", "v=spf1 -all"],
            ProviderGuess(
                "Mimecast in front of Microsoft 365",
                gateway="Mimecast",
                mailbox="Microsoft 365",
                kind="gateway",
                evidence=("TXT record 'MS=ms12345678'",),
            ),
        ),
        (
            "acme.test",
            ["eu-smtp-inbound-1.mimecast.com"],
            ["_spf.google.com"],
            [],
            ProviderGuess(
                "Mimecast in front of Google Workspace",
                gateway="Mimecast",
                mailbox="Google Workspace",
                kind="gateway",
                evidence=("SPF includes _spf.google.com",),
            ),
        ),
        (
            "acme.test",
            ["eu-smtp-inbound-1.mimecast.com"],
            ["spf.mailjet.test"],
            [],
            ProviderGuess("Mimecast", gateway="Mimecast", kind="gateway"),
        ),
        (
            "acme.test",
            ["mail.acme.test", "acme.test"],
            [],
            [],
            ProviderGuess("Self-hosted", kind="self-hosted", self_hosted=True),
        ),
        (
            "acme.test",
            ["mx.hoster.example", "backup.pphosted.com"],
            [],
            [],
            ProviderGuess("Other (hoster.example)", kind="other", mixed=("Proofpoint",)),
        ),
        (
            "sales.acme.co.uk",
            ["mail.acme.co.uk"],
            [],
            [],
            ProviderGuess("Self-hosted", kind="self-hosted", self_hosted=True),
        ),
        (
            "acme.test",
            ["mx1.hoster.co.uk"],
            [],
            [],
            ProviderGuess("Other (hoster.co.uk)", kind="other"),
        ),
        ("acme.test", [], [], [], ProviderGuess(None)),
        ("acme.test", ["192.0.2.1."], [], [], ProviderGuess("Other (192.0.2.1)", kind="other")),
    ],
    ids=[
        "m365",
        "proofpoint-over-m365-by-spf",
        "mimecast-over-m365-by-tenant-txt",
        "mimecast-over-google",
        "gateway-alone",
        "self-hosted",
        "other-with-mixed-backup",
        "self-hosted-under-the-organisational-domain",
        "other-grouped-by-organisational-domain",
        "no-hosts",
        "ip-literal-named-by-its-address",  # was "Other (2.1)"
    ],
)
def test_identify_provider(
    domain: str, hosts: list[str], spf: list[str], txt: list[str], expected: ProviderGuess
) -> None:
    assert identify_provider(domain, hosts, spf_targets=spf, txt_records=txt) == expected


def test_every_fingerprint_names_its_source() -> None:
    assert len(FINGERPRINTS) > 50
    for fp in FINGERPRINTS:
        assert fp.source.strip(), fp
        assert fp.kind in {"gateway", "mailbox", "consumer", "hosting", "forwarding"}, fp
        assert fp.signal in {"mx", "spf", "txt"}, fp
        assert fp.match in {"suffix", "exact", "regex", "prefix"}, fp
