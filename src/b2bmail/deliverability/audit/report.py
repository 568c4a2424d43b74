"""Audit reports as text (people), JSON (stable keys) and CSV (one row per input row): pure."""

from __future__ import annotations

import io
import textwrap
from typing import Any

from b2bmail.deliverability.audit.risk import ALL_LEVELS
from b2bmail.deliverability.audit.run import AuditReport
from b2bmail.deliverability.records.printable import escape_controls
from b2bmail.output import csv_writer, json_document, spreadsheet_layout

TEXT_LIST_LIMIT = 20
CSV_COLUMNS = ("row", "email", "domain", "level", "score", "provider", "reason_codes", "reasons")


def _pct(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %" if total else "0 %"


def _plural(count: int, noun: str) -> str:
    return (
        f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('s') else 's'}"
    )


def report_json(report: AuditReport, source: str = "") -> dict[str, Any]:
    """The JSON shape documented in README, "Auditing a recipient list"."""
    total = len(report.recipients)
    return {
        "input": source,
        "summary": {
            "recipients": total,
            "invalid": len(report.invalid),
            "domains": len(report.domains),
            "by_level": dict(report.by_level),
            "by_provider": dict(report.by_provider),
            "by_gateway": dict(report.by_gateway),
        },
        "recipients": [
            {
                "row": r.row,
                "email": r.risk.email,
                "domain": r.risk.domain,
                "level": r.risk.level,
                "score": r.risk.score,
                "provider": r.risk.provider,
                "reasons": [{"code": x.code, "message": x.message} for x in r.risk.reasons],
            }
            for r in report.recipients
        ],
        "invalid": [{"row": i.row, "email": i.email, "reason": i.reason} for i in report.invalid],
        "domains": [
            {
                "domain": d.domain,
                "level": d.level,
                "score": d.score,
                "provider": d.provider,
                "gateway": d.guess.gateway,
                "mailbox": d.guess.mailbox,
                "mail_route": d.mx.outcome,
                "mx_hosts": list(d.mx.host_names),
                "dmarc_policy": d.signals.dmarc_policy,
                "reasons": [{"code": x.code, "message": x.message} for x in d.reasons],
            }
            for d in report.domains.values()
        ],
    }


def format_json(report: AuditReport, source: str = "") -> str:
    return json_document("audit", report_json(report, source))


def format_csv(report: AuditReport, locale: str | None = None) -> str:
    """One row per input row, in file order; invalid addresses have level `invalid`. Laid out
    by output.spreadsheet_layout: `;` and a BOM for a reader whose `locale` writes decimals
    with a comma, else delimited as the audited list was; always UTF-8."""
    layout = spreadsheet_layout(locale, report.source_layout)
    rows: list[tuple[int, list[object]]] = [
        (
            r.row,
            [
                r.row,
                r.risk.email,
                r.risk.domain,
                r.risk.level,
                r.risk.score,
                r.risk.provider or "",
                " ".join(x.code for x in r.risk.reasons),
                " | ".join(x.message for x in r.risk.reasons),
            ],
        )
        for r in report.recipients
    ]
    rows += [
        (i.row, [i.row, i.email, "", "invalid", "", "", "invalid-address", i.reason])
        for i in report.invalid
    ]
    out = io.StringIO()
    if layout.bom:
        out.write("\ufeff")
    writer = csv_writer(out, delimiter=layout.delimiter, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(cells for _, cells in sorted(rows, key=lambda item: item[0]))
    return out.getvalue()


TEXT_WIDTH = 80


def _wrap(text: str, indent: str = "      ") -> list[str]:
    """Fold a finding line for an 80-column terminal; addresses and domains stay whole."""
    return textwrap.wrap(
        text,
        width=TEXT_WIDTH,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [text]


def format_text(report: AuditReport, source: str = "") -> str:
    """Summary by level and provider, then the recipients worth a look (worst first)."""
    total = len(report.recipients)
    lines = [
        f"{source + ': ' if source else ''}{_plural(total, 'recipient')} on"
        f" {_plural(len(report.domains), 'domain')}"
        + (f", {_plural(len(report.invalid), 'invalid address')}" if report.invalid else ""),
        "",
        "By level:",
    ]
    lines += [
        f"  {level:<14}{report.by_level.get(level, 0):>7}  {_pct(report.by_level.get(level, 0), total):>5}"
        for level in ALL_LEVELS
    ]
    lines += ["", "By provider:"]
    for provider, count in list(report.by_provider.items())[:TEXT_LIST_LIMIT]:
        lines += _wrap(f"  {_pct(count, total):>5} of recipients sit behind {provider} ({count})")
    if report.by_gateway:
        behind = sum(report.by_gateway.values())
        parts = ", ".join(f"{g} {_pct(c, total)}" for g, c in report.by_gateway.items())
        lines += _wrap(f"  secure email gateways: {_pct(behind, total)} of recipients ({parts})")
    for level in ("undeliverable", "unknown", "high"):
        hits = [r for r in report.recipients if r.risk.level == level]
        if not hits:
            continue
        lines += ["", f"{level.capitalize()} ({len(hits)}):"]
        for r in hits[:TEXT_LIST_LIMIT]:
            lines += _wrap(f"  row {r.row}: {r.risk.email} — {r.risk.reasons[0].message}")
            for x in r.risk.reasons[1:]:
                lines += _wrap(f"      {x.message}")
        if len(hits) > TEXT_LIST_LIMIT:
            lines.append(f"  … and {len(hits) - TEXT_LIST_LIMIT} more (use --format json or csv)")
    if report.invalid:
        lines += ["", f"Invalid addresses ({len(report.invalid)}):"]
        for i in report.invalid[:TEXT_LIST_LIMIT]:
            lines += _wrap(f"  row {i.row}: {i.email!r} — {i.reason}")
        if len(report.invalid) > TEXT_LIST_LIMIT:
            lines.append(
                f"  … and {len(report.invalid) - TEXT_LIST_LIMIT} more (use --format json or csv)"
            )
    return "\n".join(escape_controls(line) for line in lines) + "\n"
