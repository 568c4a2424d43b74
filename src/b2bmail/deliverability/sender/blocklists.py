"""DNS blocklists: are the sending IPs, the sending domain or the link domains listed?

The lists, their zones and what each answer means live in data/blocklists.yaml, each with the
list's own documentation. Three outcomes (the house rule for DNS): `listed` only for a code
the list documents as a listing; `clear` for NXDOMAIN (RFC 5782 §2.1: not listed); `unknown`
for a timeout, the list's own error codes (Spamhaus 127.255.255.254 for a query through a
public resolver, URIBL and SURBL 127.0.0.1 for a refused query) and any other answer — and
NXDOMAIN from a list whose test entry did not come back listed (a list that answers NXDOMAIN
to everything from a refused resolver would otherwise look clean).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from b2bmail.config import (
    compose_yaml,
    expect_list,
    expect_mapping,
    expect_str,
    line_of,
    load_yaml_node,
    to_python,
)
from b2bmail.deliverability.dns.answers import Answer, Lookup, normalize_name
from b2bmail.deliverability.dns.resolver import ResolverSettings
from b2bmail.deliverability.records.dmarc import organizational_domain
from b2bmail.errors import ConfigError
from b2bmail.i18n import _

LISTED, CLEAR, UNKNOWN, SKIPPED = "listed", "clear", "unknown", "skipped"
_KEYS = (
    "name",
    "zone",
    "kind",
    "ipv6",
    "registered_domain",
    "source",
    "listed",
    "bitmask",
    "errors",
    "test_entry",
)


@dataclass(frozen=True)
class Blocklist:
    """One DNS blocklist and the meaning of its answers."""

    name: str
    zone: str
    kind: str  # "ip" | "domain"
    source: str
    listed: Mapping[str, str]  # A record -> meaning
    bitmask: Mapping[int, str]  # bit of the last octet of 127.0.0.x -> meaning
    errors: Mapping[str, str]  # A record -> why the list refused to answer
    ipv6: bool = False
    registered_domain: bool = False
    test_entry: str = ""  # always listed (RFC 5782 §5); asked to see that the list answers

    def meaning(self, record: str) -> tuple[str, str]:
        """(status, meaning) of one A record in an answer."""
        if record in self.errors:
            return UNKNOWN, self.errors[record]
        if record in self.listed:
            return LISTED, self.listed[record]
        if self.bitmask and record.startswith("127.0.0."):
            # SURBL and URIBL: one answer, the last octet a sum of the lists' bits.
            octet = int(record.rpartition(".")[2])
            hits = [text for bit, text in sorted(self.bitmask.items()) if octet & bit]
            if hits:
                return LISTED, "; ".join(hits)
        return UNKNOWN, _("answer {record} is not a code {list} documents").format(
            record=record, list=self.name
        )


@dataclass(frozen=True)
class BlocklistResult:
    """One subject (IP or domain) asked of one list."""

    subject: str
    list_name: str
    zone: str
    query: str  # the name asked, or "" when skipped
    status: str  # LISTED | CLEAR | UNKNOWN | SKIPPED
    codes: tuple[str, ...] = ()
    reason: str = ""


def query_name(blocklist: Blocklist, subject: str) -> str | None:
    """The name to ask (RFC 5782 §2.1 for IPv4, §2.4 nibbles for IPv6, §3 for domains), or
    None when the list does not take this kind of subject."""
    if blocklist.kind == "ip":
        address = ipaddress.ip_address(subject)
        if address.version == 6 and not blocklist.ipv6:
            return None
        # reverse_pointer ends in in-addr.arpa / ip6.arpa; the reversed labels are what we need.
        labels = address.reverse_pointer.rsplit(".", 2)[0]
        return f"{labels}.{blocklist.zone}"
    name = normalize_name(subject)
    if blocklist.registered_domain:
        name = organizational_domain(name)
    return f"{name}.{blocklist.zone}"


def interpret(blocklist: Blocklist, subject: str, query: str, answer: Answer) -> BlocklistResult:
    """The outcome of one lookup, read by the list's documented codes."""
    base = (subject, blocklist.name, blocklist.zone, query)
    if answer.absent:
        return BlocklistResult(*base, CLEAR)
    if answer.unknown:
        reason = _("lookup failed ({reason})").format(reason=answer.reason)
        return BlocklistResult(*base, UNKNOWN, reason=reason)
    meanings = [blocklist.meaning(record) for record in answer.records]
    codes = tuple(answer.records)
    for status in (UNKNOWN, LISTED):
        # A refusal or an undocumented code anywhere in the answer makes it unknown.
        found = [text for s, text in meanings if s == status]
        if found:
            return BlocklistResult(*base, status, codes, "; ".join(found))
    return BlocklistResult(*base, UNKNOWN, codes, _("empty answer"))


async def check_blocklists(
    ips: Iterable[str],
    domains: Iterable[str],
    lookup: Lookup,
    lists: Iterable[Blocklist] | None = None,
) -> tuple[BlocklistResult, ...]:
    """Look every IP up in the IP lists and every domain in the domain lists (the built-in
    lists unless `lists` is given). Raises ValueError on a malformed IP."""
    chosen = tuple(load_blocklists() if lists is None else lists)
    pairs = [
        (blocklist, subject)
        for kind, subjects in (("ip", tuple(ips)), ("domain", tuple(domains)))
        for subject in dict.fromkeys(subjects)
        for blocklist in chosen
        if blocklist.kind == kind
    ]

    async def one(blocklist: Blocklist, subject: str) -> BlocklistResult:
        query = query_name(blocklist, subject)
        if query is None:
            reason = _("{list} lists IPv4 addresses only").format(list=blocklist.name)
            return BlocklistResult(subject, blocklist.name, blocklist.zone, "", SKIPPED, (), reason)
        return interpret(blocklist, subject, query, await lookup.lookup(query, "A"))

    asked = tuple({b.name: b for b, _subject in pairs if b.test_entry}.values())
    results, tests = await asyncio.gather(
        asyncio.gather(*(one(b, s) for b, s in pairs)),
        asyncio.gather(*(one(b, b.test_entry) for b in asked)),
    )
    silent = {
        b.name: _(
            "its test entry {query} did not come back listed ({status}): the list is"
            " not answering this resolver (RFC 5782 §5), so not-listed cannot be told apart"
        ).format(query=t.query, status=t.status)
        for b, t in zip(asked, tests, strict=True)
        if t.status != LISTED
    }
    return tuple(
        dataclasses.replace(r, status=UNKNOWN, reason=silent[r.list_name])
        if r.status == CLEAR and r.list_name in silent
        else r
        for r in results
    )


def run_check_blocklists(
    settings: ResolverSettings,
    ips: Iterable[str],
    domains: Iterable[str],
    lists: Iterable[Blocklist] | None = None,
) -> tuple[BlocklistResult, ...]:
    """`check_blocklists` outside an event loop: open a resolver with `settings`, ask, close."""
    resolver = settings.open()
    try:
        return asyncio.run(check_blocklists(ips, domains, resolver, lists))
    finally:
        resolver.close()


def load_blocklists(path: str | Path | None = None) -> tuple[Blocklist, ...]:
    """The lists in `path`, or the built-in data/blocklists.yaml."""
    if path is None:
        source = Path("blocklists.yaml")
        text = resources.files("b2bmail.data").joinpath("blocklists.yaml").read_text("utf-8")
        node = compose_yaml(text, source)
        assert node is not None  # the packaged file is not empty
    else:
        source = Path(path)
        node = load_yaml_node(source, what=_("blocklists file"))
    top = expect_mapping(
        node, source, _("the blocklists file"), allowed=("lists",), required=("lists",)
    )
    return tuple(_blocklist(item, source) for item in expect_list(top["lists"], source, "lists"))


def _blocklist(node: yaml.Node, source: Path) -> Blocklist:
    m = expect_mapping(node, source, _("a list"), allowed=_KEYS, required=("name", "zone", "kind"))
    name = expect_str(m["name"], source, "name")
    kind = expect_str(m["kind"], source, "kind")
    if kind not in ("ip", "domain"):
        raise ConfigError(
            _("kind {kind} of {name} is not ip or domain").format(kind=repr(kind), name=name),
            path=source,
            line=line_of(m["kind"]),
            hint=_("write kind: ip or kind: domain"),
        )

    def table(key: str) -> dict[str, str]:
        if key not in m:
            return {}
        value = to_python(m[key])
        if not isinstance(value, dict):
            raise ConfigError(
                _("{key} of {name} must be a mapping of answer -> meaning").format(
                    key=key, name=name
                ),
                path=source,
                line=line_of(m[key]),
                hint=_("write `127.0.0.2: what it means` lines"),
            )
        return {str(k): str(v) for k, v in value.items()}

    bitmask = table("bitmask")
    if not all(bit.isdigit() for bit in bitmask):
        raise ConfigError(
            _("bitmask of {name} must have whole numbers as keys").format(name=name),
            path=source,
            line=line_of(m["bitmask"]),
            hint=_("e.g. {example}").format(example="`8: phishing`"),
        )
    return Blocklist(
        name=name,
        zone=normalize_name(expect_str(m["zone"], source, "zone")),
        kind=kind,
        source=expect_str(m["source"], source, "source") if "source" in m else "",
        listed=table("listed"),
        bitmask={int(bit): text for bit, text in bitmask.items()},
        errors=table("errors"),
        ipv6=bool(to_python(m["ipv6"])) if "ipv6" in m else False,
        registered_domain=bool(to_python(m["registered_domain"]))
        if "registered_domain" in m
        else False,
        test_entry=expect_str(m["test_entry"], source, "test_entry") if "test_entry" in m else "",
    )
