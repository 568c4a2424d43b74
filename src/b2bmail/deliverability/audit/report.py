"""Audit reports as text (people), JSON (stable keys) and CSV (one row per input row): pure.

The text report is in the reader's language; JSON and CSV keep the levels and codes as they
are (machine output)."""

from __future__ import annotations

import io
import textwrap
from typing import Any

from b2bmail.deliverability.audit.providers import IN_FRONT_OF, OTHER, SELF_HOSTED
from b2bmail.deliverability.audit.risk import ALL_LEVELS
from b2bmail.deliverability.audit.run import ROUTE_LABELS, AuditReport
from b2bmail.deliverability.records.printable import escape_controls
from b2bmail.i18n import N_, _, ngettext, translate_filled
from b2bmail.output import csv_writer, json_document, spreadsheet_layout

TEXT_LIST_LIMIT = 20
CSV_COLUMNS = ("row", "email", "domain", "level", "score", "provider", "reason_codes", "reasons")


def _pct(count: int, total: int) -> str:
    return f"{100 * count / total:.0f} %" if total else "0 %"


#: Each risk level as a person reads it (the level itself is machine text: JSON, CSV, HTML data).
LEVEL_LABELS = {
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "undeliverable": N_("undeliverable"),
    "unknown": N_("unknown"),
}


def level_label(level: str) -> str:
    """A risk level in the current language ("élevé", "onbestelbaar")."""
    return _(LEVEL_LABELS[level]) if level in LEVEL_LABELS else level


# The English provider names b2bmail itself composes ("Proofpoint in front of Microsoft 365").
_PROVIDER_WORDS = (IN_FRONT_OF, OTHER, SELF_HOSTED, *ROUTE_LABELS.values())


def provider_label(name: str) -> str:
    """A provider as the audit names it (English, the JSON and CSV value) in the current
    language: "(domaine inexistant)", "Proofpoint devant Microsoft 365". A provider's own
    name (from the data file) is a brand and stays as it is."""
    return translate_filled(name, _PROVIDER_WORDS)


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
    recipients = ngettext("{n} recipient", "{n} recipients", total).format(n=total)
    domains = ngettext("{n} domain", "{n} domains", len(report.domains)).format(
        n=len(report.domains)
    )
    head = _("{recipients} on {domains}").format(recipients=recipients, domains=domains)
    if report.invalid:
        invalid = ngettext("{n} invalid address", "{n} invalid addresses", len(report.invalid))
        head = _("{head}, {invalid}").format(
            head=head, invalid=invalid.format(n=len(report.invalid))
        )
    if source:
        head = _("{source}: {summary}").format(source=source, summary=head)
    lines = [head, "", _("By level:")]
    # The level column fits the longest level in this language ("non distribuable").
    width = max(14, *(len(level_label(level)) + 1 for level in ALL_LEVELS))
    lines += [
        f"  {level_label(level):<{width}}{report.by_level.get(level, 0):>7}  {_pct(report.by_level.get(level, 0), total):>5}"
        for level in ALL_LEVELS
    ]
    lines += ["", _("By provider:")]
    for provider, count in list(report.by_provider.items())[:TEXT_LIST_LIMIT]:
        lines += _wrap(
            "  "
            + _("{share:>5} of recipients sit behind {provider} ({count})").format(
                share=_pct(count, total), provider=provider_label(provider), count=count
            )
        )
    if report.by_gateway:
        behind = sum(report.by_gateway.values())
        parts = ", ".join(f"{g} {_pct(c, total)}" for g, c in report.by_gateway.items())
        lines += _wrap(
            "  "
            + _("secure email gateways: {share} of recipients ({parts})").format(
                share=_pct(behind, total), parts=parts
            )
        )
    more = _("  … and {n} more (use --format json or csv)")
    for level in ("undeliverable", "unknown", "high"):
        hits = [r for r in report.recipients if r.risk.level == level]
        if not hits:
            continue
        title = level_label(level)
        title = title[:1].upper() + title[1:]
        lines += ["", _("{level} ({n}):").format(level=title, n=len(hits))]
        for r in hits[:TEXT_LIST_LIMIT]:
            lines += _wrap(
                "  "
                + _("row {row}: {email} — {reason}").format(
                    row=r.row, email=r.risk.email, reason=r.risk.reasons[0].message
                )
            )
            for x in r.risk.reasons[1:]:
                lines += _wrap(f"      {x.message}")
        if len(hits) > TEXT_LIST_LIMIT:
            lines.append(more.format(n=len(hits) - TEXT_LIST_LIMIT))
    if report.invalid:
        lines += ["", _("Invalid addresses ({n}):").format(n=len(report.invalid))]
        for i in report.invalid[:TEXT_LIST_LIMIT]:
            lines += _wrap(
                "  "
                + _("row {row}: {email!r} — {reason}").format(
                    row=i.row, email=i.email, reason=i.reason
                )
            )
        if len(report.invalid) > TEXT_LIST_LIMIT:
            lines.append(more.format(n=len(report.invalid) - TEXT_LIST_LIMIT))
    return "\n".join(escape_controls(line) for line in lines) + "\n"
