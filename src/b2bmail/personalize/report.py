"""A per-recipient build's report for people (text) and programs (JSON)."""

from __future__ import annotations

from b2bmail.i18n import _
from b2bmail.personalize.message import PersonalizeReport

#: Rows listed in the text summary; every one of them is in the JSON.
TEXT_LIST_LIMIT = 20


def report_json(report: PersonalizeReport) -> dict[str, object]:
    """Stable JSON keys: rows_read, buckets, messages, built (per segment), stages (messages
    per journey stage), stage_defaulted, token_source, blank_rows, variants (compiled per
    segment whose template's logic reads recipient fields), issues [{row, email, bucket, kind,
    detail}] (every row not written, once, plus rows written with a cleaned value) and
    not_sent (rows per bucket of the issues: rows_read == messages + sum of not_sent)."""
    not_sent: dict[str, int] = {}
    for issue in report.not_sent:
        not_sent[issue.bucket] = not_sent.get(issue.bucket, 0) + 1
    return {
        "rows_read": report.rows_read,
        "buckets": dict(report.buckets),
        "messages": report.messages,
        "built": dict(report.built),
        "stages": dict(report.stages),
        "stage_defaulted": report.stage_defaulted,
        "token_source": report.token_source,
        "blank_rows": report.blank_rows,
        "variants": dict(report.variants),
        "not_sent": not_sent,
        "issues": [
            {"row": i.row, "email": i.email, "bucket": i.bucket, "kind": i.kind, "detail": i.detail}
            for i in report.issues
        ],
    }


def _shown_email(email: str, width: int = 60) -> str:
    return repr(email if len(email) <= width else email[: width - 1] + "…")


def report_text(report: PersonalizeReport, target: str, listing: str = "--format json") -> str:
    """People's summary of a per-recipient build. Rows not written are listed (the first
    few here, each of them in `listing`: OUT/personalize.json or --format json)."""
    lines = [
        _("{messages} message(s) from {rows} row(s) -> {target}").format(
            messages=report.messages, rows=report.rows_read, target=target
        )
    ]
    if report.blank_rows:
        lines[0] += _(" ({count} blank line(s) skipped)").format(count=report.blank_rows)
    for seg_id, count in report.built.items():
        lines.append(f"  {seg_id:<24} {count:>7}")
    if report.stages:
        line = _("by stage: {counts}").format(
            counts=", ".join(f"{k} {v}" for k, v in report.stages.items())
        )
        if report.stage_defaulted:
            line += _(" ({count} without a known stage got their segment's default)").format(
                count=report.stage_defaulted
            )
        lines.append(line)
    if report.variants:
        lines.append(
            _("variants compiled (recipient logic): {counts}").format(
                counts=", ".join(f"{k} {v}" for k, v in report.variants.items())
            )
        )
    not_sent: dict[str, int] = {}
    for issue in report.not_sent:
        not_sent[issue.bucket] = not_sent.get(issue.bucket, 0) + 1
    if not_sent:
        lines.append(
            _("not sent: {counts} (each row and why: {listing})").format(
                counts=", ".join(f"{k} {v}" for k, v in not_sent.items()), listing=listing
            )
        )
    for issue in report.issues[:TEXT_LIST_LIMIT]:
        lines.append(
            _("  row {row}: {email} — {kind}: {detail}").format(
                row=issue.row, email=_shown_email(issue.email), kind=issue.kind, detail=issue.detail
            )
        )
    if len(report.issues) > TEXT_LIST_LIMIT:
        lines.append(
            _("  … and {count} more ({listing})").format(
                count=len(report.issues) - TEXT_LIST_LIMIT, listing=listing
            )
        )
    return "\n".join(lines)
