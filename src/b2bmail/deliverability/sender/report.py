"""A `SenderReport` as JSON-ready data and as text for people. Pure functions, no I/O."""

from __future__ import annotations

import textwrap
from typing import Any

from b2bmail.deliverability.records.dkim import DkimKey
from b2bmail.deliverability.records.finding import Finding
from b2bmail.deliverability.records.policies import PolicyDiscovery
from b2bmail.deliverability.records.printable import escape_controls
from b2bmail.deliverability.sender.check import SenderReport
from b2bmail.i18n import N_, _

MARKS = {"pass": "PASS", "fail": "FAIL", "unknown": "UNKNOWN", "skipped": "SKIP"}
#: The statuses and severities a person reads in the text report (JSON keeps the codes).
STATUSES = {
    "pass": N_("pass"),
    "fail": N_("fail"),
    "unknown": N_("unknown"),
    "skipped": N_("skipped"),
    "found": N_("found"),
    "absent": N_("absent"),
    "multiple": N_("multiple"),
    "listed": N_("listed"),
    "clear": N_("clear"),
}
SEVERITIES = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


def _findings(findings: tuple[Finding, ...]) -> list[dict[str, str]]:
    return [f.as_dict() for f in findings]


def _dkim(key: DkimKey) -> dict[str, Any]:
    record = key.record
    return {
        "selector": key.selector,
        "name": key.name,
        "status": key.status,
        "valid": key.valid,
        "key_type": record.key_type if record else None,
        "key_bits": record.key_bits if record else None,
        "revoked": record.revoked if record else False,
        "testing": record.testing if record else False,
        "record": record.text if record else None,
        "findings": _findings(record.findings) if record else [],
        "problem": key.problem,
    }


def _policy(found: PolicyDiscovery) -> dict[str, Any]:
    record = found.record
    data: dict[str, Any] = {
        "name": found.name,
        "status": found.status,
        "valid": found.valid,
        "record": record.text if record else None,
        "findings": _findings(record.findings) if record else [],
        "problem": found.problem,
    }
    if found.kind == "mta-sts":
        data["id"] = record.id if record else None
        data["policy_fetched"] = False  # the HTTPS policy file is never fetched
    else:
        data["rua"] = list(record.rua) if record else []
    return data


def report_to_dict(report: SenderReport) -> dict[str, Any]:
    """The documented JSON form: spf, dkim, dmarc, mta_sts, tls_rpt, ptr, checklist."""
    spf = report.spf
    count = spf.lookup_count
    dmarc = report.dmarc
    record = dmarc.record
    return {
        "domain": report.domain,
        "return_path": report.return_path or report.domain,
        "ok": report.ok,
        "spf": {
            "status": spf.status,
            "record": spf.record.text if spf.record else None,
            "valid": bool(spf.record and spf.record.valid),
            "findings": _findings(spf.record.findings) if spf.record else [],
            "lookups": count.total if count else None,
            "lookup_limit": 10,
            "lookups_by_record": dict(count.per_domain) if count else {},
            "lookups_complete": bool(count and not count.unknown and not count.unresolved),
            "permerrors": list(count.permerrors) if count else [],
            "results": {ip: result.as_dict() for ip, result in spf.results},
            "problem": spf.problem,
        },
        "dkim": [_dkim(key) for key in report.dkim],
        "dkim_key_matches": [
            {"selector": m.selector, "key_file": m.key_file, "status": m.status, "reason": m.reason}
            for m in report.dkim_matches
        ],
        "dmarc": {
            "status": dmarc.status,
            "record_domain": dmarc.record_domain,
            "org_domain": dmarc.org_domain,
            "record": record.text if record else None,
            "valid": bool(record and record.valid),
            "policy": dmarc.effective_policy,
            "p": record.policy if record else None,
            "sp": record.subdomain_policy if record else None,
            "np": record.nonexistent_policy if record else None,
            "pct": record.pct if record else None,
            "adkim": record.adkim if record else None,
            "aspf": record.aspf if record else None,
            "rua": [u.uri for u in record.rua] if record else [],
            "ruf": [u.uri for u in record.ruf] if record else [],
            "findings": _findings(record.findings) if record else [],
            "report_authorization": [
                {"uri": a.uri, "destination": a.destination, "name": a.name, "status": a.status}
                for a in report.report_authorizations
            ],
            "problem": dmarc.problem,
        },
        "mta_sts": _policy(report.mta_sts),
        "tls_rpt": _policy(report.tls_rpt),
        "ptr": [
            {
                "ip": p.ip,
                "status": p.status,
                "names": list(p.names),
                "confirmed": list(p.confirmed),
                "reason": p.reason,
            }
            for p in report.ptr
        ],
        "blocklists": [
            {
                "subject": r.subject,
                "list": r.list_name,
                "zone": r.zone,
                "query": r.query,
                "status": r.status,
                "codes": list(r.codes),
                "reason": r.reason,
            }
            for r in report.blocklists
        ],
        "checklist": [
            {
                "key": item.key,
                "title": item.title,
                "status": item.status,
                "reason": item.reason,
                "required_by": list(item.required_by),
            }
            for item in report.checklist
        ],
    }


TEXT_WIDTH = 80


def _wrap(text: str, indent: str) -> list[str]:
    """Fold one line for an 80-column terminal under `indent`; URLs and names stay whole."""
    return textwrap.wrap(
        text,
        width=TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent + text]


def _finding_lines(findings: tuple[Finding, ...], indent: str = "    ") -> list[str]:
    lines: list[str] = []
    for f in findings:
        lines += _wrap(
            _("{severity}: {message} [{code}]").format(
                severity=_(SEVERITIES.get(f.severity, f.severity)), message=f.message, code=f.code
            ),
            indent,
        )
    return lines


def format_text(report: SenderReport) -> str:
    """A report for people: each record, each IP, then the checklist."""
    lines = [_("Sender authentication for {domain}").format(domain=report.domain), ""]
    spf = report.spf
    spf_text = spf.record.text if spf.record else _(STATUSES.get(spf.status, spf.status))
    lines.append(
        _("SPF (Return-Path @{return_path}): {record}").format(
            return_path=report.return_path, record=spf_text
        )
        if report.return_path
        else _("SPF: {record}").format(record=spf_text)
    )
    if spf.problem:
        lines.append(f"    {spf.problem}")
    if spf.record:
        lines += _finding_lines(spf.record.findings)
    if spf.lookup_count:
        count = spf.lookup_count
        chain = ", ".join(f"{name} {n}" for name, n in count.per_domain)
        lines.append(
            _("    DNS-querying terms: {total}/10 ({chain})").format(total=count.total, chain=chain)
        )
        for problem in count.permerrors:
            lines += _wrap(_("permerror: {problems}").format(problems=problem), "    ")
        lines += [_("    note: {note}").format(note=p) for p in count.problems]
        lines += [
            _("    not followed (uses macros): {term}").format(term=t) for t in count.unresolved
        ]
    for ip, result in spf.results:
        detail = result.problem or result.explanation
        lines.append(f"    {ip}: {result.result}" + (f" — {detail}" if detail else ""))
        if result.result != "pass":  # how it got there, for whoever has to fix it
            lines += [f"        | {step}" for step in result.trace]
    lines.append("")
    for key in report.dkim:
        record = key.record
        summary = _(STATUSES.get(key.status, key.status))
        if record and record.key_type:
            summary = _("{type} {bits} bits").format(type=record.key_type, bits=record.key_bits)
        elif record and record.revoked:
            summary = _("revoked")
        lines.append(f"DKIM {key.name}: {summary}")
        if key.problem and key.status != "found":
            lines.append(f"    {key.problem}")
        if record:
            lines += _finding_lines(record.findings)
        for match in (m for m in report.dkim_matches if m.selector == key.selector):
            lines += _wrap(
                _("signing key: {status} — {reason}").format(
                    status=_(STATUSES.get(match.status, match.status)), reason=match.reason
                ),
                "    ",
            )
    if report.dkim:
        lines.append("")
    dmarc = report.dmarc
    if dmarc.record:
        lines.append(f"DMARC _dmarc.{dmarc.record_domain}: {dmarc.record.text}")
        rua = ", ".join(u.uri for u in dmarc.record.rua) or _("none")
        lines.append(
            _("    policy {policy}, pct {pct}, adkim={adkim}, aspf={aspf}, rua: {rua}").format(
                policy=dmarc.effective_policy or _("not valid"),
                pct=dmarc.record.pct,
                adkim=dmarc.record.adkim,
                aspf=dmarc.record.aspf,
                rua=rua,
            )
        )
        lines += _finding_lines(dmarc.record.findings)
        for auth in report.report_authorizations:
            if auth.status == "unauthorized":
                lines.append(
                    _(
                        "    warning: {destination} does not accept reports for this domain:"
                        " no v=DMARC1 TXT at {name}, so {uri} gets none (RFC 7489 §7.1)."
                    ).format(destination=auth.destination, name=auth.name, uri=auth.uri)
                )
            elif auth.status == "unknown":
                lines.append(
                    _("    note: could not look up {name} (RFC 7489 §7.1).").format(name=auth.name)
                )
    else:
        lines.append(
            _("DMARC: {status} — {problem}").format(
                status=_(STATUSES.get(dmarc.status, dmarc.status)), problem=dmarc.problem
            )
        )
    lines.append("")
    for found in (report.mta_sts, report.tls_rpt):
        label = "MTA-STS" if found.kind == "mta-sts" else "TLS-RPT"
        text = (
            found.record.text
            if found.record
            else _("{status} — {problem}").format(
                status=_(STATUSES.get(found.status, found.status)), problem=found.problem
            )
        )
        lines.append(f"{label} {found.name}: {text}")
        if found.record:
            lines += _finding_lines(found.record.findings)
    if report.ptr:
        lines.append("")
    for ptr in report.ptr:
        lines.append(
            _("Reverse DNS {ip}: {status} — {reason}").format(
                ip=ptr.ip, status=_(STATUSES.get(ptr.status, ptr.status)), reason=ptr.reason
            )
        )
    if report.blocklists:
        lines.append("")
    for r in report.blocklists:
        detail = f" — {r.reason}" if r.reason else ""
        codes = f" ({', '.join(r.codes)})" if r.codes else ""
        status = _(STATUSES.get(r.status, r.status))
        lines += _wrap(
            _("Blocklist {list} {subject}: {status}{codes}{detail}").format(
                list=r.list_name, subject=r.subject, status=status, codes=codes, detail=detail
            ),
            "",
        )
    lines += ["", _("Bulk-sender checklist (Gmail, Yahoo 2024; Microsoft 2025):")]
    for item in report.checklist:
        lines.append(f"  [{MARKS[item.status]:>7}] {item.title}")
        lines += _wrap(item.reason, "            ")
    return "\n".join(escape_controls(line) for line in lines) + "\n"
