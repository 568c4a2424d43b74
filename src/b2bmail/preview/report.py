"""The audit report page: one self-contained HTML file with inline SVG charts and risky rows.

Recipient data is data: every address, domain, provider and reason is HTML-escaped, and the
page has no script at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from html import escape
from pathlib import Path

from b2bmail.deliverability.audit.report import level_label, provider_label
from b2bmail.deliverability.audit.risk import ALL_LEVELS
from b2bmail.deliverability.audit.run import AuditedRecipient, AuditReport
from b2bmail.i18n import N_, _, current_language, ngettext
from b2bmail.output import write_atomic
from b2bmail.preview.charts import bar_chart, stacked_chart
from b2bmail.recipients import read_recipients, route_rows
from b2bmail.recipients.buckets import UNASSIGNED
from b2bmail.recipients.segmenting import rule_uses, segment_assigner
from b2bmail.segments import load_segments

LEVEL_COLOURS = {
    "low": "#2e9d5b",
    "medium": "#e0a526",
    "high": "#e0662b",
    "undeliverable": "#b42318",
    "unknown": "#8c98a6",
}
# Table order: what needs action first. `unknown` sits between high and medium: it is not a
# finding about the recipient but a lookup to repeat.
RISK_ORDER = ("undeliverable", "high", "unknown", "medium")
TOP_PROVIDERS = 12
#: The segment of a recipient no segment takes: a machine key (JSON, charts' data-label) too.
NO_SEGMENT = N_("(no segment)")

REPORT_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;color:#1d2733;font:14px/1.5 system-ui,-apple-system,"Segoe UI",
 Roboto,Arial,"DejaVu Sans",sans-serif}
header{background:#17324d;color:#fff;padding:26px 40px}
header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#b9c7d6}
main{padding:24px 40px 48px;display:grid;gap:22px}
.levels{display:grid;grid-template-columns:repeat(5,1fr);gap:12px}
.level{background:#fff;border-radius:10px;padding:14px 16px;border-top:4px solid var(--c);
 box-shadow:0 1px 3px rgba(16,30,54,.1)}
.level b{display:block;font-size:26px}.level span{color:#6b7a8c}
section{background:#fff;border-radius:10px;padding:18px 22px;box-shadow:0 1px 3px rgba(16,30,54,.1);
 overflow-x:auto}
section h2{margin:0 0 12px;font-size:16px}
.note{color:#6b7a8c;margin:0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #eef1f5;vertical-align:top}
th{color:#6b7a8c;font-weight:600}
td.email{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{border-radius:999px;padding:1px 9px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
ul.reasons{margin:0;padding-left:16px}
code{font-size:12px}
"""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "0 %"


def _pill(level: str) -> str:
    colour = LEVEL_COLOURS.get(level, "#8c98a6")
    return f'<span class="pill" style="background:{colour}">{escape(level_label(level))}</span>'


def _level_names() -> dict[str, str]:
    """Each level's words in the current language, for the charts' labels and legend."""
    return {level: level_label(level) for level in ALL_LEVELS}


def _segment_name(segment: str) -> str:
    return _(NO_SEGMENT) if segment == NO_SEGMENT else segment


def _section(heading: str, body: str, section_id: str = "") -> str:
    """A section with its (escaped) heading; `body` is HTML."""
    attribute = f' id="{section_id}"' if section_id else ""
    return f"<section{attribute}><h2>{escape(heading)}</h2>{body}</section>"


def _level_cards(report: AuditReport) -> str:
    total = len(report.recipients)
    cards = []
    for level in ALL_LEVELS:
        count = report.by_level.get(level, 0)
        cards.append(
            f'<div class="level" style="--c:{LEVEL_COLOURS[level]}" data-level="{level}">'
            f"<b>{count}</b><span>{escape(level_label(level))} · {_pct(count, total)}</span></div>"
        )
    return f'<div class="levels">{"".join(cards)}</div>'


def _providers(report: AuditReport) -> list[tuple[str, int]]:
    ranked = sorted(
        ((provider_label(name), count) for name, count in report.by_provider.items()),
        key=lambda item: (-item[1], item[0]),
    )
    top = ranked[:TOP_PROVIDERS]
    rest = sum(count for _, count in ranked[TOP_PROVIDERS:])
    if rest:
        others = len(ranked) - TOP_PROVIDERS
        label = ngettext("{n} other provider", "{n} other providers", others).format(n=others)
        top.append((label, rest))
    return top


def _segments_section(report: AuditReport, segment_of: Mapping[int, str] | None) -> str:
    heading = _("Segments × levels")
    if segment_of is None:
        note = _(
            "Give the campaign's segments file ({option}) to see each segment's recipients by level."
        )
        body = escape(note).format(option="<code>--segments</code>")
        return _section(heading, f'<p class="note">{body}</p>')
    table: dict[str, Counter[str]] = {}
    for recipient in report.recipients:
        segment = segment_of.get(recipient.row, NO_SEGMENT)
        table.setdefault(segment, Counter())[recipient.risk.level] += 1
    rows = [(_segment_name(segment), dict(counts)) for segment, counts in sorted(table.items())]
    chart = stacked_chart(
        rows,
        title=_("Recipients of each segment by level"),
        keys=ALL_LEVELS,
        colours=LEVEL_COLOURS,
        names=_level_names(),
    )
    return _section(heading, chart, "segments")


def _risk_key(recipient: AuditedRecipient) -> tuple[int, int, int]:
    risk = recipient.risk
    return (RISK_ORDER.index(risk.level), -risk.score, recipient.row)


def _head(columns: list[str]) -> str:
    return "".join(f"<th>{escape(column)}</th>" for column in columns)


def _risky_table(report: AuditReport, segment_of: Mapping[int, str] | None) -> str:
    risky = sorted((r for r in report.recipients if r.risk.level in RISK_ORDER), key=_risk_key)
    if not risky:
        note = escape(_("None: every recipient is low risk."))
        return _section(_("Risky recipients"), f'<p class="note">{note}</p>', "risky")
    columns = [_("row"), _("email"), _("domain"), _("level"), _("score"), _("provider")]
    if segment_of is not None:
        columns.append(_("segment"))
    columns.append(_("reasons"))
    rows = []
    for recipient in risky:
        risk = recipient.risk
        reasons = "".join(
            f"<li><code>{escape(r.code)}</code> {escape(r.message)}</li>" for r in risk.reasons
        )
        segment = (
            f"<td>{escape(_segment_name(segment_of.get(recipient.row, NO_SEGMENT)))}</td>"
            if segment_of is not None
            else ""
        )
        rows.append(
            f'<tr data-level="{escape(risk.level)}"><td class="num">{recipient.row}</td>'
            f'<td class="email">{escape(risk.email)}</td>'
            f"<td>{escape(risk.domain)}</td><td>{_pill(risk.level)}</td>"
            f'<td class="num">{risk.score}</td><td>{escape(provider_label(risk.provider or "—"))}</td>{segment}'
            f'<td><ul class="reasons">{reasons}</ul></td></tr>'
        )
    table = f"<table><thead><tr>{_head(columns)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _section(_("Risky recipients ({n})").format(n=len(risky)), table, "risky")


def _invalid_table(report: AuditReport) -> str:
    if not report.invalid:
        return ""
    rows = "".join(
        f'<tr><td class="num">{item.row}</td><td>{escape(item.email)}</td><td>{escape(item.reason)}</td></tr>'
        for item in report.invalid
    )
    head = _head([_("row"), _("as written"), _("why")])
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return _section(_("Invalid addresses ({n})").format(n=len(report.invalid)), table, "invalid")


def render_audit_report(
    report: AuditReport,
    *,
    source: str = "recipients",
    segment_of: Mapping[int, str] | None = None,
) -> str:
    """The report page, in the current language (`<html lang>` says which); `segment_of`
    maps a recipient's CSV row to its segment id."""
    total = len(report.recipients)
    level_chart = bar_chart(
        [(level, report.by_level.get(level, 0)) for level in ALL_LEVELS],
        title=_("Recipients by level"),
        colours=LEVEL_COLOURS,
        names=_level_names(),
    )
    provider_chart = bar_chart(_providers(report), title=_("Recipients by mail provider"))
    domains, invalid = len(report.domains), len(report.invalid)
    counts = _("{recipients} on {domains} · {invalid}").format(
        recipients=ngettext("{n} valid recipient", "{n} valid recipients", total).format(n=total),
        domains=ngettext("{n} domain", "{n} domains", domains).format(n=domains),
        invalid=ngettext("{n} invalid address", "{n} invalid addresses", invalid).format(n=invalid),
    )
    title = _("Audit of {source} — b2bmail").format(source=source)
    heading = _("Deliverability audit: {source}").format(source=source)
    levels = _section(_("Recipients by level"), level_chart, "levels")
    providers = _section(_("Mail providers"), provider_chart, "providers")
    return (
        f'<!DOCTYPE html><html lang="{current_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{REPORT_CSS}</style></head><body>"
        f"<header><h1>{escape(heading)}</h1><p>{escape(counts)}</p></header><main>"
        f"{_level_cards(report)}"
        f"{levels}{providers}"
        f"{_segments_section(report, segment_of)}"
        f"{_risky_table(report, segment_of)}{_invalid_table(report)}"
        "</main></body></html>"
    )


def write_audit_report(
    report: AuditReport,
    path: str | Path,
    *,
    source: str = "recipients",
    segment_of: Mapping[int, str] | None = None,
) -> None:
    """Write the report page to `path` atomically."""
    write_atomic(path, render_audit_report(report, source=source, segment_of=segment_of))


def segment_rows(
    recipients: str | Path,
    segments: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> dict[int, str]:
    """Each recipient row's segment id (first matching segment by priority), for the chart.
    The list meets the rules where every command's does (route_rows: a rule field no column
    gives, or empty in every row, is an error); a row is charted by its rules alone."""
    defined = load_segments(segments)
    assign = segment_assigner(defined)
    table = read_recipients(recipients, encoding=encoding, delimiter=delimiter)
    result = {}
    for rec, fields, _outcome in route_rows(table, assign, uses=rule_uses(defined)):
        hit = assign(fields)  # cached: the routing's own answer, for duplicates too
        result[rec.row] = hit[0] if hit is not None and hit[0] != UNASSIGNED else NO_SEGMENT
    return result
